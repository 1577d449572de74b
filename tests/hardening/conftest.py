"""Hardening fixtures: the servers of local/ plus the ``Harness`` of hardening_support.py."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path

import pytest
from pool_settings_handler import client
from response_receiver import ResponseReceiver
from sms_emulator import EmulatorServer

# pytest runs with --import-mode=importlib, which puts no test directory on sys.path; the test modules
# of this directory import their shared helpers from hardening_support.
sys.path.insert(0, str(Path(__file__).resolve().parent))

from hardening_support import FAST_TIMEOUTS, Harness, InFlight, prepare_service


@pytest.fixture(scope="session")
def emulator() -> Iterator[EmulatorServer]:
    server = EmulatorServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def inflight(emulator: EmulatorServer) -> InFlight:
    return InFlight(emulator)


@pytest.fixture(scope="session")
def receiver() -> Iterator[ResponseReceiver]:
    with ResponseReceiver() as started:
        yield started


@pytest.fixture
def lambda_env(
    monkeypatch: pytest.MonkeyPatch, emulator: EmulatorServer, receiver: ResponseReceiver
) -> Callable[[Mapping[str, str]], None]:
    """The Lambda's environment (endpoint, CA bundle); call it with the timeouts to use."""
    monkeypatch.setenv("AWS_ENDPOINT_URL_PINPOINT_SMS_VOICE_V2", emulator.endpoint_url)
    monkeypatch.setenv("AWS_CA_BUNDLE", receiver.ca_bundle_path)

    def apply(timeouts: Mapping[str, str]) -> None:
        for name in FAST_TIMEOUTS:
            monkeypatch.delenv(name, raising=False)
        for name, value in timeouts.items():
            monkeypatch.setenv(name, value)
        client.reset_client()

    return apply


@pytest.fixture
def harness(
    emulator: EmulatorServer,
    receiver: ResponseReceiver,
    inflight: InFlight,
    lambda_env: Callable[[Mapping[str, str]], None],
) -> Iterator[Harness]:
    """A clean emulator and receiver, the fast timeouts, and the Harness driving them."""
    lambda_env(FAST_TIMEOUTS)
    prepare_service(emulator, receiver)
    yield Harness(emulator, receiver, inflight)
    emulator.faults.clear()
    inflight.wait_quiet()
    client.reset_client()
