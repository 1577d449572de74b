"""The emulator, the response receiver and CloudFormation event shapes shared by events.py and scale.py.

Both handlers run against the same emulator (with a per-call latency injected) and answer over
loopback HTTPS to the same receiver, so they differ only in what they do. Ours also keeps records in
SSM Parameter Store and asks CloudFormation for the stack's status: moto's SSM and the local
CloudFormation stand-in serve those, reset with ``Live.reset_store`` before each measured event.
"""

from __future__ import annotations

import contextlib
import logging
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from .env import WORK, isolate

STACK_ID = "arn:aws:cloudformation:us-east-1:123456789012:stack/Bench/0a1b2c3d-4e5f-6a7b-8c9d-0e1f2a3b4c5d"
SERVICE_TOKEN = "arn:aws:lambda:us-east-1:123456789012:function:Bench-Provider"
# The settings declared in every scenario, as CloudFormation delivers them: scalars as strings.
DESIRED = {
    "DeletionProtectionEnabled": "true",
    "SelfManagedOptOutsEnabled": "true",
    "SharedRoutesEnabled": "false",
    "TwoWayEnabled": "false",
}
# What a pool holds before anything manages it.
FRESH = {key: False for key in DESIRED}
# API calls that change something; every other operation here reads.
READ_PREFIXES = ("Describe", "List")

Handler = Callable[[dict[str, Any], Any], None]


def as_settings(props: dict[str, str]) -> dict[str, Any]:
    """CloudFormation's string flags as the booleans the emulator stores."""
    return {key: value == "true" for key, value in props.items()}


def is_write(call: dict[str, Any]) -> bool:
    return not str(call["operation"]).startswith(READ_PREFIXES)


def make_event(
    request_type: str,
    url: str,
    props: dict[str, str],
    *,
    resource_type: str,
    old: dict[str, str] | None = None,
    physical_id: str | None = None,
    logical_id: str = "Pool0",
    service_timeout: str | None = "900",
) -> dict[str, Any]:
    """A CloudFormation custom resource event, shaped as CloudFormation sends it."""
    extra = {"ServiceTimeout": service_timeout} if service_timeout else {}
    event: dict[str, Any] = {
        "RequestType": request_type,
        "ServiceToken": SERVICE_TOKEN,
        "ResponseURL": url,
        "StackId": STACK_ID,
        "RequestId": str(uuid.uuid4()),
        "LogicalResourceId": logical_id,
        "ResourceType": resource_type,
        "ResourceProperties": {"ServiceToken": SERVICE_TOKEN, **extra, **props},
    }
    if physical_id is not None:
        event["PhysicalResourceId"] = physical_id
    if old is not None:
        event["OldResourceProperties"] = {"ServiceToken": SERVICE_TOKEN, **extra, **old}
    return event


@dataclass
class Live:
    """A running emulator and receiver, and the two handlers wired to them."""

    server: Any
    receiver: Any
    handlers: dict[str, Handler]
    resource_types: dict[str, str]
    moto: Any = None
    cloudformation: Any = None

    @property
    def control(self) -> Any:
        return self.server.control

    def reset_store(self, logical_ids: list[str]) -> None:
        """No records in SSM; CloudFormation knows the stack, updating, with ``logical_ids``."""
        if self.moto is not None:
            self.moto.reset()
        if self.cloudformation is not None:
            self.cloudformation.clear()
            self.cloudformation.set_stack(STACK_ID, "UPDATE_IN_PROGRESS", logical_ids)

    def add_latency(self, seconds: float) -> None:
        """Every API call waits ``seconds`` before it is answered."""
        self.control.add_fault("*", "latency", seconds=seconds, count=None)


def _quiet_logs() -> None:
    """Send the handlers' log lines to a file, so they do not bury the benchmark's own output."""
    WORK.mkdir(parents=True, exist_ok=True)
    stream = open(WORK / "handler.log", "a")  # noqa: SIM115 - lives as long as the run
    root = logging.getLogger()
    for handler in root.handlers:
        if isinstance(handler, logging.StreamHandler):
            handler.setStream(stream)


@contextlib.contextmanager
def started() -> Iterator[Live]:
    """Start the emulator and receiver, point both handlers at them, and stop everything afterwards.

    Raises ImportError when the handler or the emulator is not importable yet.
    """
    isolate()
    from pool_settings_handler import client as our_client
    from pool_settings_handler.handler import handler as ours
    from sms_pool_settings_local.deploy.cloudformation_api import CloudFormationApi
    from sms_pool_settings_local.emulator import EmulatorServer
    from sms_pool_settings_local.lambda_runtime import lambda_environment
    from sms_pool_settings_local.moto_server import MotoServer
    from sms_pool_settings_local.response_receiver import ResponseReceiver

    from .baselines import acr_like

    server = EmulatorServer()
    server.start()
    receiver = ResponseReceiver()
    receiver.start()
    moto = MotoServer().start()
    cloudformation = CloudFormationApi().start()
    stores = {
        "AWS_ENDPOINT_URL_SSM": moto.endpoint_url,
        "AWS_ENDPOINT_URL_CLOUDFORMATION": cloudformation.endpoint_url,
    }
    try:
        with lambda_environment(server.endpoint_url, receiver.ca_bundle_path, extra=stores):
            our_client.reset_client()
            acr_like.reset_client()
            _quiet_logs()
            yield Live(
                server,
                receiver,
                {"ours": ours, "acr-like": acr_like.handler},
                {"ours": "Custom::SmsPoolSettings", "acr-like": "Custom::AWS"},
                moto,
                cloudformation,
            )
            our_client.reset_client()
            acr_like.reset_client()
    finally:
        cloudformation.stop()
        moto.stop()
        receiver.stop()
        server.stop()
