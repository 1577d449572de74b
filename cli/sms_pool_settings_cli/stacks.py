"""Read a deployed stack's ``PoolSettings`` into ``drift`` and ``status`` reports (no boto3 here).

The order of the reads, for one stack:

1. DescribeStacks (its ID, which names the records, and the parameters as deployed), then
   ListStackResources: every ``Custom::SmsPoolSettings`` and its physical ID, the pool's ARN.
2. Each resource's record, ``/sms-pool-settings/<pool ID>/<stack UUID>/<logical ID>``
   (``records.record_name``), all in one GetParameters: resolved values, no template to evaluate.
3. ``drift`` only: a resource without a record is read back from CloudFormation's answers instead
   (``template.py``), or reported as not determined; then DescribePools of the pools, and
   ``records.drifted`` (the comparison the scheduled drift check makes too).

Anything a reader raises is a ``CliError`` and becomes the stack's or the resource's ``error``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Protocol

from pool_settings_handler import constants as c
from pool_settings_handler import records
from pool_settings_handler.drift import deploying
from pool_settings_handler.errors import InvalidPropertyError, InvalidRecordError
from pool_settings_handler.properties import Setting, parse_properties
from pool_settings_handler.records import Record, parse_record, record_name_of

from sms_pool_settings_cli.aws import DeployedStack, StackResource
from sms_pool_settings_cli.errors import CliError, StackNotFoundError
from sms_pool_settings_cli.report import RECORD, TEMPLATE, ResourceDrift, ResourceStatus, StackReport
from sms_pool_settings_cli.template import Deployed, declared_properties, imports_anything

DELETED = "DELETE_COMPLETE"


class Reader(Protocol):
    """The reads the reports need (``aws.Aws`` makes them with boto3)."""

    region: str

    def stack(self, name: str) -> DeployedStack: ...
    def resources(self, stack_name: str) -> list[StackResource]: ...
    def template(self, stack_name: str) -> dict[str, Any]: ...
    def exports(self) -> dict[str, str]: ...
    def parameters(self, names: Sequence[str]) -> dict[str, str]: ...
    def pools(self, pools: Sequence[str]) -> dict[str, dict[str, Any]]: ...


# logical ID -> (the pool, where the values come from, setting -> applied value), or why it has none
Applied = dict[str, tuple[str, str, Mapping[str, Setting]] | str]


def drift(reader: Reader, stack_name: str) -> StackReport:
    """Compare every ``PoolSettings`` of ``stack_name`` with its live pool, setting by setting."""
    try:
        stack, every = _stack(reader, stack_name)
        if deploying(stack.status):
            raise CliError(
                f"the stack is {stack.status}: while CloudFormation changes it, a record may be ahead of "
                "its pool, so drift is not determined; run again when it is done"
            )
        resources = _pool_settings(every)
        applied = _applied(reader, stack, every, resources)
        pools = reader.pools([entry[0] for entry in applied.values() if isinstance(entry, tuple)])
    except CliError as exc:
        return _failed(stack_name, reader.region, exc)
    reports: list[ResourceDrift | ResourceStatus] = [
        _compared(r.logical_id, applied[r.logical_id], pools) for r in resources
    ]
    return StackReport(stack.name, reader.region, stack.stack_id, stack.status, reports)


def _applied(
    reader: Reader, stack: DeployedStack, every: Sequence[StackResource], resources: Sequence[StackResource]
) -> Applied:
    """What each resource applies: from its record, else read back from CloudFormation's answers."""
    found = _records(reader, stack, resources)
    applied: Applied = {}
    deployed: Deployed | None = None
    for resource in resources:
        record = found.get(resource.logical_id)
        if isinstance(record, Record):
            applied[resource.logical_id] = (record.pool_arn, RECORD, records.applied(record))
        elif isinstance(record, str):
            applied[resource.logical_id] = record
        else:
            try:
                deployed = deployed or _deployed(reader, stack, every)
                declared = _declared(deployed, resource.logical_id)
                applied[resource.logical_id] = (str(resource.physical_id), TEMPLATE, declared)
            except CliError as exc:
                applied[resource.logical_id] = f"no record, and {exc}"
    return applied


def _compared(
    logical_id: str,
    applied: tuple[str, str, Mapping[str, Setting]] | str,
    pools: Mapping[str, Mapping[str, Any]],
) -> ResourceDrift:
    if isinstance(applied, str):
        return ResourceDrift(logical_id, error=applied)
    pool, source, settings = applied
    live = pools.get(pool)
    if live is None:
        error = f"DescribePools {pool}: the pool does not exist (deleted out of band?)"
        return ResourceDrift(logical_id, pool, source, settings, error=error)
    # The one comparison, the scheduled drift check's too (records.drifted(record, pool) is this on
    # the record's applied values).
    return ResourceDrift(logical_id, pool, source, settings, records.differences(settings, live))


def status(reader: Reader, stack_name: str) -> StackReport:
    """Every ``PoolSettings`` of ``stack_name`` as its record has it (no template, no pool read)."""
    try:
        stack, every = _stack(reader, stack_name)
        resources = _pool_settings(every)
        found = _records(reader, stack, resources)
    except CliError as exc:
        return _failed(stack_name, reader.region, exc)
    reports: list[ResourceDrift | ResourceStatus] = []
    for resource in resources:
        name = _record_name(stack, resource)
        record = found.get(resource.logical_id)
        if isinstance(record, str):
            reports.append(ResourceStatus(resource.logical_id, resource.status, name or "", error=record))
        else:
            reports.append(ResourceStatus(resource.logical_id, resource.status, name or "", record))
    return StackReport(stack.name, reader.region, stack.stack_id, stack.status, reports)


# ------------------------------------------------------------------------------------------------------
def _failed(stack_name: str, region: str, exc: CliError) -> StackReport:
    """The stack could not be read: the error, naming the stack (an unknown stack's already does)."""
    error = str(exc) if isinstance(exc, StackNotFoundError) else f"{stack_name}: {exc}"
    return StackReport(stack_name, region, error=error)


def _stack(reader: Reader, stack_name: str) -> tuple[DeployedStack, list[StackResource]]:
    """The stack (DescribeStacks first: an unknown stack is named as such) and all its resources."""
    return reader.stack(stack_name), reader.resources(stack_name)


def _pool_settings(resources: Sequence[StackResource]) -> list[StackResource]:
    """The ``Custom::SmsPoolSettings`` among ``resources`` (the construct's type), by logical ID; not
    those already deleted (a stack whose first create rolled back lists them ``DELETE_COMPLETE``)."""
    return sorted(
        (r for r in resources if r.resource_type == c.RESOURCE_TYPE and r.status != DELETED),
        key=lambda r: r.logical_id,
    )


def _record_name(stack: DeployedStack, resource: StackResource) -> str | None:
    """The record's parameter name; None when the physical ID is not a pool ARN (never created)."""
    return record_name_of(resource.physical_id or "", stack.stack_id, resource.logical_id)


def _records(
    reader: Reader, stack: DeployedStack, resources: Sequence[StackResource]
) -> dict[str, Record | str]:
    """logical ID -> its record, or why it has none that can be read (absent: no record stored)."""
    names: dict[str, str] = {}
    found: dict[str, Record | str] = {}
    for resource in resources:
        name = _record_name(stack, resource)
        if name is None:
            found[resource.logical_id] = (
                f"its physical ID {resource.physical_id or '(none)'} is not a pool ARN "
                f"(status {resource.status}): the pool it manages is unknown"
            )
        else:
            names[resource.logical_id] = name
    values = reader.parameters(list(names.values())) if names else {}
    for logical_id, name in names.items():
        if name not in values:
            continue
        try:
            record = parse_record(name, values[name])
        except InvalidRecordError as exc:  # its message is the handler's Reason (shortened): the CLI's own
            cause = type(exc.__cause__).__name__ if exc.__cause__ else "unreadable"
            found[logical_id] = f"record {name} is not a record of this handler ({cause})"
            continue
        if (record.stack_id, record.logical_id) != (stack.stack_id, logical_id):
            found[logical_id] = (
                f"record {name} names another owner ({record.stack_id} {record.logical_id}); not read"
            )
        else:
            found[logical_id] = record
    return found


def _deployed(reader: Reader, stack: DeployedStack, every: Sequence[StackResource]) -> Deployed:
    template = reader.template(stack.name)
    physical = {r.logical_id: r.physical_id for r in every if r.physical_id}
    exports = reader.exports() if imports_anything(template.get("Resources")) else {}
    return Deployed(template, stack.name, stack.stack_id, stack.parameters, physical, exports)


def _declared(deployed: Deployed, logical_id: str) -> dict[str, Setting]:
    properties = declared_properties(deployed, logical_id)
    try:
        parsed = parse_properties(properties, partition=deployed.partition, region=deployed.region)
    except InvalidPropertyError as exc:
        raise CliError(f"its deployed properties are not the handler's: {exc}") from None
    return dict(parsed.settings)
