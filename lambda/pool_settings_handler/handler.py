"""Lambda entry point (``pool_settings_handler.handler.handler``): ``lifecycle.Lifecycle`` runs these.

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
from .lifecycle import Lifecycle, Outcome
from .properties import POOL_ARN_RE, PoolSettingsProperties, Setting, parse_properties
from .timing import Budget

# INFO, whatever the runtime's root level: one structured line per event. crhelper's own logger is held
# at INFO too: at DEBUG its CfnResource logs the raw event and the ResponseURL, a presigned credential
# (lifecycle.py never runs it; this holds should anything else do).
logging.getLogger("pool_settings_handler").setLevel(logging.INFO)
logging.getLogger("crhelper").setLevel(logging.INFO)


def _place(context: Any) -> tuple[str | None, str | None]:
    """The Lambda's partition and region, read from its own ARN (else region from AWS_REGION)."""
    arn = getattr(context, "invoked_function_arn", None)
    parts = arn.split(":") if isinstance(arn, str) else []
    if len(parts) > 4 and parts[0] == "arn":
        return parts[1], parts[3]
    return None, os.environ.get("AWS_REGION") or None


def _write(
    pool_id: str, pool: dict[str, Any], wanted: Mapping[str, Setting], budget: Budget
) -> tuple[dict[str, Any], dict[str, Setting]]:
    """Write what of ``wanted`` differs from ``pool``; the pool after it, and the fields written."""
    fields = changes(wanted, pool)
    if fields:
        live_role = pool.get(c.PROP_TWO_WAY_CHANNEL_ROLE)
        answer = client.update_pool(pool_id, fields, budget, live_role=live_role)
        answer = client.wait_until_active(pool_id, answer, budget)
        pool = after_write(pool, fields, answer)
    return pool, fields


def _select(properties: PoolSettingsProperties, region: str | None, budget: Budget) -> PoolSettingsProperties:
    """``properties`` with the pool its ``PoolSelector`` finds (lookup.py); unchanged without one."""
    selector = properties.pool_selector
    if selector is None:
        return properties
    pools = client.pools_with_tags(f"tag {shorten(str(selector), 80)}", budget)
    return dataclasses.replace(properties, pool_id=lookup.choose(selector, pools, region))


def _in_rollback(event: Mapping[str, Any], budget: Budget) -> bool:
    return client.stack_status(event["StackId"], budget) in c.ROLLBACK_STATUSES


def apply(event: Mapping[str, Any], context: Any, budget: Budget) -> Outcome:
    """Create and Update: make the pool's managed settings equal to ``ResourceProperties``."""
    partition, region = _place(context)
    properties = parse_properties(event.get("ResourceProperties"), partition=partition, region=region)
    properties = _select(properties, region, budget)
    pool = client.describe_active_pool(properties.pool_id, budget)
    try:
        return _claim_and_write(event, properties, pool, budget)
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
    budget: Budget,
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
        if client.resource_exists(other.stack_id, other.logical_id, budget):
            raise OwnerConflictError(taken, pool_id, other.stack_id, other.logical_id)
        stale.append(name)  # its stack or resource no longer exists: the record is deleted, the setting ours
    return stale


def _after_claim(
    own: str,
    current: records.Record | None,
    claimed: Mapping[str, Setting],
    pool_id: str,
    budget: Budget,
) -> None:
    """List again after a first claim: another claim of the same setting written first wins, and this
    resource takes its own back (its record as it was, or none) before failing."""
    found = client.list_records(records.pool_path(pool_id), budget)
    mine = found.pop(own, None)
    if mine is None:  # deleted out of band since it was written: no claim left to compare
        return
    try:
        _owners(found, claimed, pool_id, budget, (mine["LastModifiedDate"], own))
    except OwnerConflictError:
        if current:
            client.put_record(own, current.to_json(), budget)
        else:
            client.delete_record(own, budget)
        raise


def _claim_and_write(
    event: Mapping[str, Any],
    properties: PoolSettingsProperties,
    pool: dict[str, Any],
    budget: Budget,
) -> Outcome:
    """One owner per setting, the record before the write, the write, the record after it."""
    pool_id, stack_id, logical_id = str(pool["PoolId"]), event["StackId"], event["LogicalResourceId"]
    own = records.record_name(pool_id, stack_id, logical_id)
    found = client.list_records(records.pool_path(pool_id), budget)
    current = records.parse_record(own, found.pop(own)["Value"]) if own in found else None
    stale = _owners(found, properties.settings, pool_id, budget)
    restore = properties.removal_policy == c.REMOVAL_DESTROY or (
        records.undeclared(current, properties.settings) and _in_rollback(event, budget)
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
        client.put_record(own, plan.before.to_json(), budget)
        claimed = records.gained(current, properties.settings)
        if claimed:
            _after_claim(own, current, claimed, pool_id, budget)
    for name in stale:
        client.delete_record(name, budget)
    pool, fields = _write(pool_id, pool, {**plan.restores, **properties.settings}, budget)
    if plan.after:
        client.put_record(own, plan.after.to_json(), budget)
    return Outcome(str(pool["PoolArn"]), response_data(pool, fields))


def delete(event: Mapping[str, Any], context: Any, budget: Budget) -> Outcome:
    """Delete: put the priors back under ``destroy`` or in a rollback, else leave them; drop the record."""
    try:
        partition, region = _place(context)
        properties = parse_properties(event.get("ResourceProperties"), partition=partition, region=region)
    except InvalidPropertyError:  # the Create refused them before any call: nothing was written
        return Outcome(None)
    if properties.pool_selector is not None:
        # The pool a Create or Update chose is the physical ID, its ARN; a lookup now might find another.
        physical = str(event.get("PhysicalResourceId", ""))
        if not POOL_ARN_RE.fullmatch(physical):  # the Create failed before finding one: nothing written
            return Outcome(None)
        properties = dataclasses.replace(properties, pool_id=physical)
    pool_id = records.pool_id_of(properties.pool_id)
    own = records.record_name(pool_id, event["StackId"], event["LogicalResourceId"])
    text = client.get_record(own, budget)
    if text is None:  # nothing recorded: nothing written by this resource (or the record was lost)
        return Outcome(None)
    prior = records.restores(records.parse_record(own, text))
    restore = properties.removal_policy == c.REMOVAL_DESTROY or _in_rollback(event, budget)
    if restore and prior:
        try:
            pool = client.describe_active_pool(properties.pool_id, budget)
        except PoolNotFoundError:  # deleted out of band: nothing to put back
            pass
        else:
            _write(pool_id, pool, prior, budget)
    client.delete_record(own, budget)
    return Outcome(None)


LIFECYCLE = Lifecycle(create=apply, update=apply, delete=delete)


def handler(event: dict[str, Any], context: Any) -> None:
    """The Lambda handler: answers CloudFormation (SUCCESS or FAILED) exactly once for ``event``."""
    LIFECYCLE(event, context)


# Last at import: everything loaded so far lives as long as the container, so move it out of the
# garbage collector's view. Building the SMS client on the first event allocates enough to trigger a
# full collection, which would otherwise rescan every imported module's objects (measured in
# benchmarks/: about 17 ms of a cold start, the gap between this handler and a bare boto3 client).
gc.freeze()
