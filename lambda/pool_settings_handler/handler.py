"""Lambda entry point (``pool_settings_handler.handler.handler``): wires crhelper to the functions below.

Create and Update: parse, describe (waiting while CREATING), read the pool's records (one owner per
setting: another live resource's setting fails the event before any write), write this resource's
record, update only what differs (waiting while the role cannot be assumed yet or the pool is not
ACTIVE), wait until the pool is ACTIVE again, answer with the pool's ARN as the physical ID and Data of
the values written. A setting no longer declared goes back to its prior value under ``destroy`` or in
a rollback, else it is left (``retain``).
Delete: read the record; none: nothing to do. Else put the priors back under ``destroy`` or in a
rollback (CloudFormation's own stack status says which), then delete the record.
docs/handler.md tells the whole story.
"""

from __future__ import annotations

import dataclasses
import datetime
import gc
import logging
import os
from collections.abc import Mapping
from typing import Any

from . import client, lookup, records
from . import constants as c
from .diff import after_write, changes, response_data
from .errors import InvalidPropertyError, OwnerConflictError, PoolNotFoundError, PoolSettingsError, shorten
from .properties import POOL_ARN_RE, PoolSettingsProperties, Setting, parse_properties
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


def _write(
    pool_id: str, pool: dict[str, Any], wanted: Mapping[str, Setting], deadline: Deadline, timeouts: Timeouts
) -> tuple[dict[str, Any], dict[str, Setting]]:
    """Write what of ``wanted`` differs from ``pool``; the pool after it, and the fields written."""
    fields = changes(wanted, pool)
    if fields:
        live_role = pool.get(c.PROP_TWO_WAY_CHANNEL_ROLE)
        answer = client.update_pool(pool_id, fields, deadline, timeouts, live_role=live_role)
        answer = client.wait_until_active(pool_id, answer, deadline, timeouts)
        pool = after_write(pool, fields, answer)
    return pool, fields


def _select(
    properties: PoolSettingsProperties, region: str | None, deadline: Deadline, timeouts: Timeouts
) -> PoolSettingsProperties:
    """``properties`` with the pool its ``PoolSelector`` finds (lookup.py); unchanged without one."""
    selector = properties.pool_selector
    if selector is None:
        return properties
    pools = client.pools_with_tags(f"tag {shorten(str(selector), 80)}", deadline, timeouts)
    return dataclasses.replace(properties, pool_id=lookup.choose(selector, pools, region))


def _in_rollback(event: Mapping[str, Any], deadline: Deadline, timeouts: Timeouts) -> bool:
    return client.stack_status(event["StackId"], deadline, timeouts) in c.ROLLBACK_STATUSES


def apply(event: Mapping[str, Any], context: Any) -> Outcome:
    """Create and Update: make the pool's managed settings equal to ``ResourceProperties``."""
    place = _place(context)
    properties = parse_properties(event.get("ResourceProperties"), **place)
    timeouts = Timeouts.from_env()
    deadline = Deadline.before_end(context, timeouts.safety_margin)
    properties = _select(properties, place["region"], deadline, timeouts)
    pool = client.describe_active_pool(properties.pool_id, deadline, timeouts)
    try:
        return _claim_and_write(event, properties, pool, deadline, timeouts)
    except PoolSettingsError as exc:
        if event["RequestType"] == "Create":
            # The FAILED answer names the pool, so the rollback's Delete knows which record to read
            # (a failed Create may have written it; CloudFormation's Delete carries this physical ID).
            exc.physical_id = str(pool["PoolArn"])
        raise


def _owners(
    found: Mapping[str, Mapping[str, Any]],
    settings: Mapping[str, Setting],
    pool_id: str,
    deadline: Deadline,
    timeouts: Timeouts,
    written_at: tuple[Any, str] | None = None,
) -> list[str]:
    """Raise ``OwnerConflictError`` for a live owner of one of ``settings``; return the stale owners' records.

    With ``written_at`` (this resource's claim), only owners whose claim came first count.
    """
    stale = []
    for name, parameter in sorted(found.items()):
        other = records.parse_record(name, str(parameter["Value"]))
        taken = records.conflicts(other, settings)
        if not taken or (written_at and records.first(written_at, (parameter["LastModifiedDate"], name))):
            continue
        if client.resource_exists(other.stack_id, other.logical_id, deadline, timeouts):
            raise OwnerConflictError(taken, pool_id, other.stack_id, other.logical_id)
        stale.append(name)  # its stack or resource no longer exists: the record is deleted, the setting ours
    return stale


def _after_claim(
    own: str,
    current: records.Record | None,
    claimed: Mapping[str, Setting],
    pool_id: str,
    deadline: Deadline,
    timeouts: Timeouts,
) -> None:
    """List again after a first claim: another claim of the same setting written first wins, and this
    resource takes its own back (its record as it was, or none) before failing."""
    found = client.list_records(records.pool_path(pool_id), deadline, timeouts)
    mine = found.pop(own, None)
    if mine is None:  # deleted out of band since it was written: no claim left to compare
        return
    try:
        _owners(found, claimed, pool_id, deadline, timeouts, (mine["LastModifiedDate"], own))
    except OwnerConflictError:
        if current:
            client.put_record(own, current.to_json(), deadline, timeouts)
        else:
            client.delete_record(own, deadline, timeouts)
        raise


def _claim_and_write(
    event: Mapping[str, Any],
    properties: PoolSettingsProperties,
    pool: dict[str, Any],
    deadline: Deadline,
    timeouts: Timeouts,
) -> Outcome:
    """One owner per setting, the record before the write, the write, the record after it."""
    pool_id, stack_id, logical_id = str(pool["PoolId"]), event["StackId"], event["LogicalResourceId"]
    own = records.record_name(pool_id, stack_id, logical_id)
    found = client.list_records(records.pool_path(pool_id), deadline, timeouts)
    current = records.parse_record(own, found.pop(own)["Value"]) if own in found else None
    stale = _owners(found, properties.settings, pool_id, deadline, timeouts)
    restore = properties.removal_policy == c.REMOVAL_DESTROY or (
        records.undeclared(current, properties.settings) and _in_rollback(event, deadline, timeouts)
    )
    now = datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds")
    plan = records.claim(
        current,
        properties.settings,
        pool,
        stack_id=stack_id,
        logical_id=logical_id,
        restore_undeclared=restore,
        now=now,
    )
    if plan.before:  # the record first: a pool is never written without it
        client.put_record(own, plan.before.to_json(), deadline, timeouts)
        claimed = records.gained(current, properties.settings)
        if claimed:
            _after_claim(own, current, claimed, pool_id, deadline, timeouts)
    for name in stale:
        client.delete_record(name, deadline, timeouts)
    pool, fields = _write(pool_id, pool, {**plan.restores, **properties.settings}, deadline, timeouts)
    if plan.after:
        client.put_record(own, plan.after.to_json(), deadline, timeouts)
    return Outcome(str(pool["PoolArn"]), response_data(pool, fields))


def delete(event: Mapping[str, Any], context: Any) -> Outcome:
    """Delete: put the priors back under ``destroy`` or in a rollback, else leave them; drop the record."""
    try:
        properties = parse_properties(event.get("ResourceProperties"), **_place(context))
    except InvalidPropertyError:  # the Create refused them before any call: nothing was written
        return Outcome(None)
    if properties.pool_selector is not None:
        # The pool a Create or Update chose is the physical ID, its ARN; a lookup now might find another.
        physical = str(event.get("PhysicalResourceId", ""))
        if not POOL_ARN_RE.fullmatch(physical):  # the Create failed before finding one: nothing written
            return Outcome(None)
        properties = dataclasses.replace(properties, pool_id=physical)
    timeouts = Timeouts.from_env()
    deadline = Deadline.before_end(context, timeouts.safety_margin)
    pool_id = records.pool_id_of(properties.pool_id)
    own = records.record_name(pool_id, event["StackId"], event["LogicalResourceId"])
    text = client.get_record(own, deadline, timeouts)
    if text is None:  # nothing recorded: nothing written by this resource (or the record was lost)
        return Outcome(None)
    prior = records.restores(records.parse_record(own, text))
    restore = properties.removal_policy == c.REMOVAL_DESTROY or _in_rollback(event, deadline, timeouts)
    if restore and prior:
        try:
            pool = client.describe_active_pool(properties.pool_id, deadline, timeouts)
        except PoolNotFoundError:  # deleted out of band: nothing to put back
            pass
        else:
            _write(pool_id, pool, prior, deadline, timeouts)
    client.delete_record(own, deadline, timeouts)
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
