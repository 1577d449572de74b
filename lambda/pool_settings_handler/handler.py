"""Lambda entry point (``pool_settings_handler.handler.handler``): wires crhelper to the functions below.

Create and Update: parse, describe (waiting while CREATING), diff against the live pool, update only
what differs (waiting while the role cannot be assumed yet or the pool is not ACTIVE), wait until the
pool is ACTIVE again, answer with the pool's ARN as the physical ID and Data of the values written.
Delete: no call at all, answered at once. docs/handler.md tells the whole story.
"""

from __future__ import annotations

import gc
import logging
import os
from collections.abc import Mapping
from typing import Any

from . import client
from . import constants as c
from .diff import after_write, changes, response_data
from .properties import parse_properties
from .resource import Outcome, PoolSettingsResource
from .timing import Deadline, Timeouts

# INFO, whatever the runtime's root level: one structured line per event. crhelper's own logger is held
# at INFO too: at DEBUG it logs the raw event and the ResponseURL, a presigned credential.
logging.getLogger("pool_settings_handler").setLevel(logging.INFO)
logging.getLogger("crhelper").setLevel(logging.INFO)


def _place(context: Any) -> dict[str, str | None]:
    """The Lambda's partition and region, read from its own ARN (else region from AWS_REGION)."""
    arn = getattr(context, "invoked_function_arn", None)
    parts = arn.split(":") if isinstance(arn, str) else []
    if len(parts) > 4 and parts[0] == "arn":
        return {"partition": parts[1], "region": parts[3]}
    return {"partition": None, "region": os.environ.get("AWS_REGION") or None}


def apply(event: Mapping[str, Any], context: Any) -> Outcome:
    """Create and Update: make the pool's managed settings equal to ``ResourceProperties``."""
    properties = parse_properties(event.get("ResourceProperties"), **_place(context))
    timeouts = Timeouts.from_env()
    deadline = Deadline.before_end(context, timeouts.safety_margin)
    pool = client.describe_active_pool(properties.pool_id, deadline, timeouts)
    fields = changes(properties.settings, pool)
    if fields:
        live_role = pool.get(c.PROP_TWO_WAY_CHANNEL_ROLE)
        answer = client.update_pool(properties.pool_id, fields, deadline, timeouts, live_role=live_role)
        answer = client.wait_until_active(properties.pool_id, answer, deadline, timeouts)
        pool = after_write(pool, fields, answer)
    return Outcome(str(pool["PoolArn"]), response_data(pool, fields))


def delete(event: Mapping[str, Any], context: Any) -> Outcome:
    """Delete: leave the pool as it is (also after a failed Create or for a vanished pool)."""
    return Outcome(None)


def handler(event: dict[str, Any], context: Any) -> None:
    """The Lambda handler: answers CloudFormation (SUCCESS or FAILED) exactly once for ``event``."""
    resource = PoolSettingsResource()
    resource.register(create=apply, update=apply, delete=delete)
    resource(event, context)


# Last at import: everything loaded so far lives as long as the container, so move it out of the
# garbage collector's view. Building the SMS client on the first event allocates enough to trigger a
# full collection, which would otherwise rescan every imported module's objects (measured in
# benchmarks/: about 17 ms of a cold start, the gap between this handler and a bare boto3 client).
gc.freeze()
