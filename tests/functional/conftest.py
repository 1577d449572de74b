"""The real handler, end to end: emulator + loopback HTTPS receiver, real event shapes, small timeouts."""

from __future__ import annotations

import copy
import json
import logging
import uuid
from pathlib import Path

import pytest
from lambda_runtime import LambdaContext
from pool_settings_handler import client
from pool_settings_handler.handler import handler
from response_receiver import ResponseReceiver
from sms_emulator import EmulatorServer

EVENTS = Path(__file__).resolve().parent.parent / "events"

# Small budgets keep the suite fast; the handler reads them from the environment like on Lambda.
FAST_TIMEOUTS = {
    "POOL_SETTINGS_CONNECT_TIMEOUT": "1",
    "POOL_SETTINGS_READ_TIMEOUT": "2",
    "POOL_SETTINGS_RESPONSE_BUDGET": "1.5",
    "POOL_SETTINGS_RESPONSE_ATTEMPT_TIMEOUT": "1",
    "POOL_SETTINGS_POLL_INTERVAL": "0.2",
    "POOL_SETTINGS_BACKOFF_BASE": "0.05",
    "POOL_SETTINGS_BACKOFF_CAP": "0.5",
}


@pytest.fixture(scope="session")
def emulator():
    server = EmulatorServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def receiver():
    with ResponseReceiver() as started:
        yield started


class Urls(list):
    """Every ResponseURL handed out during one test (to grep the logs for)."""


@pytest.fixture
def issued_urls():
    return Urls()


@pytest.fixture(autouse=True)
def lambda_env(monkeypatch, emulator, receiver, caplog, capsys, issued_urls):
    """Per test: clean emulator and receiver, the Lambda's environment, and no ResponseURL in any log."""
    emulator.reset()
    receiver.reset()
    monkeypatch.setenv("AWS_ENDPOINT_URL_PINPOINT_SMS_VOICE_V2", emulator.endpoint_url)
    monkeypatch.setenv("AWS_CA_BUNDLE", receiver.ca_bundle_path)
    for name, value in FAST_TIMEOUTS.items():
        monkeypatch.setenv(name, value)
    client.reset_client()
    # Capture everything, DEBUG included, and open our own logger to DEBUG: no line of ours may carry the
    # URL at any level. crhelper's logger stays at the INFO the handler sets (at DEBUG crhelper itself
    # logs the raw event, URL included: that is why the handler holds it at INFO).
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.DEBUG, logger="pool_settings_handler")
    yield
    client.reset_client()
    captured = capsys.readouterr()
    # In teardown caplog.records holds only teardown's records: read the call phase's explicitly.
    records = caplog.get_records("setup") + caplog.get_records("call") + caplog.records
    logged = "\n".join(f"{r.getMessage()} {r.exc_text or ''}" for r in records)
    for url in issued_urls:
        secret = url.split("X-Amz-Signature=")[1]
        path = url.split("?")[0].split("/cloudformation-response/")[1]
        for text in (logged, captured.out, captured.err):
            assert secret not in text and path not in text, "a ResponseURL reached the logs"


@pytest.fixture
def make_event(receiver, issued_urls):
    """Build an event from tests/events/<name>.json with a fresh ResponseURL and the given pool."""

    def make(name, pool_id, physical_id=None, properties=None, old_properties=None):
        event = json.loads((EVENTS / f"{name}.json").read_text(encoding="utf-8"))
        url = receiver.new_response_url()
        issued_urls.append(url)
        event["ResponseURL"] = url
        event["RequestId"] = str(uuid.uuid4())
        for key in ("ResourceProperties", "OldResourceProperties"):
            if key in event:
                event[key]["PoolId"] = pool_id
        if properties is not None:
            event["ResourceProperties"] = _with_service(properties, event)
        if old_properties is not None:
            event["OldResourceProperties"] = _with_service(old_properties, event)
        if "PhysicalResourceId" in event:
            event["PhysicalResourceId"] = physical_id or "unset"
        return event

    return make


def _with_service(properties, event):
    return {"ServiceToken": event["ServiceToken"], "ServiceTimeout": "300", **copy.deepcopy(properties)}


@pytest.fixture
def invoke(receiver):
    """Run the real handler and return the one response body CloudFormation received."""

    def run(event, timeout=30.0, wait=10.0):
        handler(event, LambdaContext(timeout))
        body = receiver.wait_for(event["ResponseURL"], timeout=wait)
        assert len(receiver.responses(event["ResponseURL"])) == 1
        return body

    return run
