"""Lambda handlers for the custom resource tests, named by a template's ``Handler`` (``cr_handlers.x``).

Each records the events it receives in ``EVENTS`` (RequestType, LogicalResourceId, PhysicalResourceId,
RequestId) and answers over the event's HTTPS ResponseURL, verified with ``AWS_CA_BUNDLE``, as a
Lambda would. Not a test module: the tests put this directory on ``sys.path``.
"""

from __future__ import annotations

import json
import os
import ssl
import threading
import time
import urllib.request
from typing import Any

EVENTS: list[dict[str, Any]] = []
# How many Update invocations, from now on, hang as a killed Lambda does (see ``stuck_then_real``).
STUCK_UPDATES = [0]
_lock = threading.Lock()


def reset() -> None:
    with _lock:
        EVENTS.clear()
        SEEN.clear()
        STUCK_UPDATES[0] = 0


def answer(event: dict[str, Any], status: str, reason: str = "", physical_id: str | None = None) -> None:
    body = json.dumps(
        {
            "Status": status,
            "Reason": reason,
            "PhysicalResourceId": physical_id or event.get("PhysicalResourceId") or "test-physical-id",
            "StackId": event["StackId"],
            "RequestId": event["RequestId"],
            "LogicalResourceId": event["LogicalResourceId"],
            "Data": {},
        }
    ).encode()
    context = ssl.create_default_context(cafile=os.environ["AWS_CA_BUNDLE"])
    request = urllib.request.Request(event["ResponseURL"], data=body, method="PUT")
    with urllib.request.urlopen(request, context=context, timeout=5):  # loopback https only
        pass


def _record(event: dict[str, Any]) -> None:
    with _lock:
        EVENTS.append(
            {k: event.get(k) for k in ("RequestType", "LogicalResourceId", "PhysicalResourceId", "RequestId")}
        )


def late(event: dict[str, Any], context: Any) -> None:
    """Create: answers SUCCESS after ``ResourceProperties.Sleep`` seconds. Update/Delete: at once."""
    _record(event)
    if event["RequestType"] == "Create":
        time.sleep(float(event["ResourceProperties"]["Sleep"]))
    answer(event, "SUCCESS", physical_id="late-resource")


def never(event: dict[str, Any], context: Any) -> None:
    """Create: returns without answering (a handler bug). Update/Delete: answers SUCCESS."""
    _record(event)
    if event["RequestType"] != "Create":
        answer(event, "SUCCESS")


def crash_first(event: dict[str, Any], context: Any) -> None:
    """Raises on the first invocation of each event (no answer), answers SUCCESS on a retry."""
    _record(event)
    with _lock:
        seen = sum(1 for e in EVENTS if e["RequestId"] == event["RequestId"])
    if seen == 1:
        raise RuntimeError("first attempt crashes")
    answer(event, "SUCCESS", physical_id="crash-first-resource")


def stuck_then_real(event: dict[str, Any], context: Any) -> None:
    """The real handler, except that the next ``STUCK_UPDATES`` Update invocations get stuck.

    A stuck invocation is what the real handler does when ``UpdatePool`` hangs past its deadline:
    crhelper's timer answers FAILED just before the Lambda's end, the call never returns, and Lambda
    kills the function at its Timeout (a timeout, which Lambda retries). Killed, it writes nothing.
    """
    from pool_settings_handler.handler import handler

    _record(event)
    with _lock:
        stuck = event["RequestType"] == "Update" and STUCK_UPDATES[0] > 0
        if stuck:
            STUCK_UPDATES[0] -= 1
    if not stuck:
        handler(event, context)
        return
    answer(event, "FAILED", "UpdatePool timed out before the Lambda deadline", event["PhysicalResourceId"])
    time.sleep(context.get_remaining_time_in_millis() / 1000.0 + 0.3)


# (RequestType, LogicalResourceId, StackStatus, own ResourceStatus) as the handler read them.
SEEN: list[tuple[str, str, str, str]] = []


def looks(event: dict[str, Any], context: Any) -> None:
    """Reads its stack's status (DescribeStacks on its StackId) and its own resource's status
    (DescribeStackResource) from CloudFormation, as the real handler does, through the standard
    ``AWS_ENDPOINT_URL_CLOUDFORMATION``; records them in ``SEEN``; answers FAILED when
    ``ResourceProperties.Fail`` is ``"true"`` (on Create and Update), else SUCCESS."""
    import boto3

    _record(event)
    cloudformation = boto3.session.Session().client("cloudformation")
    stack = cloudformation.describe_stacks(StackName=event["StackId"])["Stacks"][0]
    resource = cloudformation.describe_stack_resource(
        StackName=event["StackId"], LogicalResourceId=event["LogicalResourceId"]
    )["StackResourceDetail"]
    with _lock:
        SEEN.append(
            (
                event["RequestType"],
                event["LogicalResourceId"],
                stack["StackStatus"],
                resource["ResourceStatus"],
            )
        )
    fails = event["RequestType"] != "Delete" and event["ResourceProperties"].get("Fail") == "true"
    answer(
        event,
        "FAILED" if fails else "SUCCESS",
        "told to fail" if fails else "",
        f"looks-{event['LogicalResourceId']}",
    )
