"""Hardening fixtures: the servers of local/ plus the ``Harness`` of hardening_support.py."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path

import pytest
from pool_settings_handler import client
from sms_pool_settings_local.deploy.cloudformation_api import CloudFormationApi
from sms_pool_settings_local.emulator import EmulatorServer
from sms_pool_settings_local.moto_server import MotoServer
from sms_pool_settings_local.response_receiver import ResponseReceiver

# pytest runs with --import-mode=importlib, which puts no test directory on sys.path; the test modules
# of this directory import their shared helpers from hardening_support.
sys.path.insert(0, str(Path(__file__).resolve().parent))

from hardening_support import (
    EVENT_LOGICAL_ID,
    EVENT_STACK_ID,
    FAST_TIMEOUTS,
    Harness,
    InFlight,
    Store,
    prepare_service,
)
from store_faults import FaultProxy


@pytest.fixture(scope="session")
def emulator() -> Iterator[EmulatorServer]:
    server = EmulatorServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def store() -> Iterator[Store]:
    """moto's SSM and the CloudFormation stand-in, each behind a fault proxy the handler is pointed at."""
    with MotoServer() as moto, CloudFormationApi() as cloudformation:
        ssm, cfn = FaultProxy(moto.endpoint_url), FaultProxy(cloudformation.endpoint_url)
        yield Store(moto, cloudformation, ssm, cfn)
        ssm.stop()
        cfn.stop()


@pytest.fixture(scope="session")
def inflight(emulator: EmulatorServer) -> InFlight:
    return InFlight(emulator)


@pytest.fixture(scope="session")
def receiver() -> Iterator[ResponseReceiver]:
    with ResponseReceiver() as started:
        yield started


@pytest.fixture
def lambda_env(
    monkeypatch: pytest.MonkeyPatch, emulator: EmulatorServer, receiver: ResponseReceiver, store: Store
) -> Callable[[Mapping[str, str]], None]:
    """The Lambda's environment (endpoints, CA bundle); call it with the timeouts to use."""
    monkeypatch.setenv("AWS_ENDPOINT_URL_PINPOINT_SMS_VOICE_V2", emulator.endpoint_url)
    monkeypatch.setenv("AWS_ENDPOINT_URL_SSM", store.ssm_proxy.endpoint_url)
    monkeypatch.setenv("AWS_ENDPOINT_URL_CLOUDFORMATION", store.cloudformation_proxy.endpoint_url)
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
    store: Store,
    lambda_env: Callable[[Mapping[str, str]], None],
) -> Iterator[Harness]:
    """A clean emulator, receiver and store (no records, no faults, CloudFormation knowing the events'
    stack as UPDATE_IN_PROGRESS), the fast timeouts, and the Harness driving them."""
    lambda_env(FAST_TIMEOUTS)
    prepare_service(emulator, receiver)
    store.moto.reset()
    store.cloudformation.clear()
    store.cloudformation.set_stack(EVENT_STACK_ID, "UPDATE_IN_PROGRESS", [EVENT_LOGICAL_ID])
    yield Harness(emulator, receiver, inflight, store)
    emulator.faults.clear()
    store.ssm_proxy.clear()
    store.cloudformation_proxy.clear()
    inflight.wait_quiet()
    store.ssm_proxy.wait_quiet()
    store.cloudformation_proxy.wait_quiet()
    client.reset_client()
