"""A handler that does what AwsCustomResource's Lambda does for ``updatePool`` on create and update.

The per-event baseline. AwsCustomResource sends the SDK call it was given, whatever the pool holds:
one ``UpdatePool`` with every declared parameter on Create and on Update, nothing on Delete (no
``on_delete`` call), and answers CloudFormation with an HTTPS PUT to the event's ResponseURL. Its
physical ID comes from the response's ``PoolArn``. Written in Python so that it shares the emulator,
the response receiver and the Python runtime with ours; Node.js start-up and its npm install of the
latest SDK (``InstallLatestAwsSdk``) are left out, which favours the baseline.
"""

from __future__ import annotations

import json
import os
import ssl
import urllib.request
from typing import Any

import boto3
from botocore.config import Config

_FLAGS = ("TwoWayEnabled", "SelfManagedOptOutsEnabled", "SharedRoutesEnabled", "DeletionProtectionEnabled")
# Not UpdatePool parameters: CloudFormation's and our construct's own keys.
_NOT_PARAMETERS = ("ServiceToken", "ServiceTimeout", "ReconcileToken")
_client: Any = None


def _sms() -> Any:
    global _client
    if _client is None:
        # The SDK's defaults (standard retries), as AwsCustomResource leaves them.
        _client = boto3.session.Session().client(
            "pinpoint-sms-voice-v2", config=Config(retries={"mode": "standard"})
        )
    return _client


def reset_client() -> None:
    """Forget the cached client, so that the next event reads the endpoint variables again."""
    global _client
    _client = None


def _parameters(props: dict[str, Any]) -> dict[str, Any]:
    return {
        key: (value in ("true", True)) if key in _FLAGS else value
        for key, value in props.items()
        if key not in _NOT_PARAMETERS
    }


def _respond(event: dict[str, Any], status: str, physical_id: str, reason: str = "") -> None:
    body = json.dumps(
        {
            "Status": status,
            "Reason": reason or status,
            "PhysicalResourceId": physical_id,
            "StackId": event["StackId"],
            "RequestId": event["RequestId"],
            "LogicalResourceId": event["LogicalResourceId"],
            "Data": {},
        }
    ).encode()
    request = urllib.request.Request(
        event["ResponseURL"], data=body, method="PUT", headers={"Content-Type": ""}
    )
    bundle = os.environ.get("AWS_CA_BUNDLE")
    context = ssl.create_default_context(cafile=bundle) if bundle else ssl.create_default_context()
    with urllib.request.urlopen(request, context=context, timeout=30) as response:
        response.read()


def handler(event: dict[str, Any], context: Any) -> None:
    """Carry out one CloudFormation event the way AwsCustomResource would, and answer it."""
    physical_id = event.get("PhysicalResourceId", event["LogicalResourceId"])
    try:
        if event["RequestType"] in ("Create", "Update"):
            response = _sms().update_pool(**_parameters(event["ResourceProperties"]))
            physical_id = response["PoolArn"]
    except Exception as exc:
        _respond(event, "FAILED", physical_id, f"{type(exc).__name__}: {exc}"[:256])
        return
    _respond(event, "SUCCESS", physical_id)
