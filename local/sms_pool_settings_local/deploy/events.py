"""Custom resource request events in CloudFormation's exact shape: pure, no I/O."""

from __future__ import annotations

import uuid
from typing import Any


def stringify(value: Any) -> Any:
    """Turn every scalar into the string CloudFormation would deliver, at any depth.

    CloudFormation hands a custom resource its properties with booleans as ``"true"``/``"false"`` and
    numbers as their decimal text; lists and objects keep their shape. ``None`` stays ``None``.

    Example:
        >>> stringify({"A": True, "B": [1, 2.5], "C": {"D": False}})
        {'A': 'true', 'B': ['1', '2.5'], 'C': {'D': 'false'}}
    """
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, list):
        return [stringify(v) for v in value]
    if isinstance(value, dict):
        return {k: stringify(v) for k, v in value.items()}
    return value


def custom_resource_event(
    request_type: str,
    *,
    resource_type: str,
    logical_id: str,
    stack_id: str,
    response_url: str,
    properties: dict[str, Any],
    old_properties: dict[str, Any] | None = None,
    physical_id: str | None = None,
    request_id: str | None = None,
) -> dict[str, Any]:
    """Build the event CloudFormation sends to a custom resource's ``ServiceToken``.

    Args:
        request_type: ``Create``, ``Update`` or ``Delete``.
        resource_type: e.g. ``Custom::SmsPoolSettings``.
        logical_id: the resource's logical ID.
        stack_id: the stack ARN.
        response_url: where the handler PUTs its answer.
        properties: the resolved properties (``ServiceToken`` included); scalars are stringified here.
        old_properties: the previous properties. Required on Update; Default: None.
        physical_id: the current physical ID. Required on Update and Delete; Default: None.
        request_id: the request's unique ID. Default: - a new UUID.

    Raises:
        ValueError: a request type other than the three, or a missing argument its type requires.

    Example:
        >>> e = custom_resource_event("Create", resource_type="Custom::X", logical_id="R",
        ...     stack_id="arn:aws:cloudformation:us-east-1:1:stack/S/1", response_url="https://h/r",
        ...     properties={"ServiceToken": "arn", "Flag": True})
        >>> e["ResourceProperties"]["Flag"], "PhysicalResourceId" in e
        ('true', False)
    """
    if request_type not in ("Create", "Update", "Delete"):
        raise ValueError(f"request_type must be Create, Update or Delete, got {request_type!r}")
    if request_type != "Create" and not physical_id:
        raise ValueError(f"{request_type} needs physical_id, got {physical_id!r}")
    if request_type == "Update" and old_properties is None:
        raise ValueError("Update needs old_properties, got None")
    event: dict[str, Any] = {
        "RequestType": request_type,
        "ServiceToken": str(properties.get("ServiceToken", "")),
        "ResponseURL": response_url,
        "StackId": stack_id,
        "RequestId": request_id or str(uuid.uuid4()),
        "LogicalResourceId": logical_id,
        "ResourceType": resource_type,
        "ResourceProperties": stringify(properties),
    }
    if physical_id is not None and request_type != "Create":
        event["PhysicalResourceId"] = physical_id
    if request_type == "Update":
        event["OldResourceProperties"] = stringify(old_properties)
    return event
