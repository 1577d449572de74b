"""A pool-settings handler written the way crhelper's README shows, with ``CfnResource()``'s defaults.

The cold start baseline: at import, ``CfnResource()`` builds Lambda, EventBridge and CloudWatch Logs
clients it never uses here (they serve its polling mode) and sets up DEBUG logging; its Delete sleeps
``sleep_on_delete`` = 120 s. The handler builds its own SMS client at import, as such handlers do.
"""

from __future__ import annotations

from typing import Any

import boto3
from crhelper import CfnResource

helper = CfnResource()
client = boto3.client("pinpoint-sms-voice-v2")

_FLAGS = ("TwoWayEnabled", "SelfManagedOptOutsEnabled", "SharedRoutesEnabled", "DeletionProtectionEnabled")


@helper.create
@helper.update
def apply(event: dict[str, Any], context: Any) -> str:
    """Write every declared setting with one UpdatePool; the physical ID is the pool's ARN."""
    props = event["ResourceProperties"]
    params = {k: v == "true" if k in _FLAGS else v for k, v in props.items() if k != "ServiceToken"}
    return str(client.update_pool(**params)["PoolArn"])


@helper.delete
def delete(event: dict[str, Any], context: Any) -> None:
    """Leave the pool as it is."""


def handler(event: dict[str, Any], context: Any) -> None:
    helper(event, context)
