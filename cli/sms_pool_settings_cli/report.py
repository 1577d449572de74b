"""What ``drift`` and ``status`` found, as text for people and JSON for machines, and the exit code (pure).

Values are shown as the handler's ``Data`` shows them (``diff.format_setting``: booleans ``true``/
``false``, a value the pool does not have as ``(none)`` in text, ``null`` in JSON).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from pool_settings_handler.diff import format_setting
from pool_settings_handler.properties import Setting
from pool_settings_handler.records import Drift, Record, restores

from sms_pool_settings_cli import exit_codes

RECORD, TEMPLATE = "record", "template"


@dataclass(frozen=True)
class ResourceDrift:
    """One ``PoolSettings`` of a stack against its live pool.

    Attributes:
        pool: the pool compared (its ARN as the handler recorded it), "" when not known.
        source: ``record`` (its SSM record) or ``template`` (read back from CloudFormation).
        applied: managed setting -> the value the resource applies.
        drifted: setting -> (applied, live) for each setting the pool no longer has.
        error: why the resource could not be compared; None when it was. Default: None
    """

    logical_id: str
    pool: str = ""
    source: str = ""
    applied: Mapping[str, Setting] = field(default_factory=dict)
    drifted: Mapping[str, Drift] = field(default_factory=dict)
    error: str | None = None


@dataclass(frozen=True)
class ResourceStatus:
    """One ``PoolSettings`` as its record has it.

    Attributes:
        record_name: the SSM parameter of its record; "" when it cannot be named (no pool ARN yet).
        record: the record; None when there is none (or ``error`` says why it could not be read).
    """

    logical_id: str
    resource_status: str
    record_name: str = ""
    record: Record | None = None
    error: str | None = None


@dataclass(frozen=True)
class StackReport:
    """One stack given with ``--stack``: its resources, or the error that stopped reading it."""

    stack_name: str
    region: str
    stack_id: str = ""
    stack_status: str = ""
    resources: Sequence[ResourceDrift | ResourceStatus] = ()
    error: str | None = None

    def errors(self) -> list[str]:
        """One line per failure: the stack's, else each resource's that failed."""
        if self.error is not None:
            return [self.error]
        return [f"{self.stack_name} {r.logical_id}: {r.error}" for r in self.resources if r.error is not None]


def exit_code(reports: Sequence[StackReport]) -> int:
    """``ERROR`` when anything failed, else ``DRIFT`` when a setting drifted, else ``OK``.

    Example:
        >>> exit_code([StackReport("S", "us-east-1", resources=[ResourceDrift("L", drifted={"A": (True,
        ...     False)})])]), exit_code([StackReport("S", "us-east-1", error="not found")])
        (3, 1)
    """
    if any(report.errors() for report in reports):
        return exit_codes.ERROR
    if any(isinstance(r, ResourceDrift) and r.drifted for report in reports for r in report.resources):
        return exit_codes.DRIFT
    return exit_codes.OK


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"


def _text(value: object) -> str:
    return format_setting(value) or "(none)"


def _pool_id(pool: str) -> str:
    return pool.rsplit("/", 1)[-1] if pool else "(pool unknown)"


def _heading(report: StackReport) -> str:
    return f"{report.stack_name} ({report.region}, {report.stack_status})"


# --- drift --------------------------------------------------------------------------------------------
def drift_text(reports: Sequence[StackReport]) -> str:
    """The drift report for people: one line per drifted setting, one per resource in sync.

    Example:
        >>> print(drift_text([StackReport("S", "us-east-1", "id", "UPDATE_COMPLETE", [ResourceDrift(
        ...     "Settings", "arn:aws:sms-voice:us-east-1:1:pool/pool-1", "record",
        ...     {"TwoWayEnabled": False}, {"TwoWayEnabled": (False, True)})])]))
        S (us-east-1, UPDATE_COMPLETE)
          Settings (pool-1, from its record): TwoWayEnabled applied false, live true
        Drift found: 1 setting of 1 resource differs from its live pool.
    """
    lines: list[str] = []
    drifted_settings = drifted_resources = failed = 0
    for report in reports:
        if report.error is not None:
            failed += 1
            continue
        lines.append(_heading(report))
        resources = [r for r in report.resources if isinstance(r, ResourceDrift)]
        if not resources:
            lines.append("  no PoolSettings in this stack")
        for resource in resources:
            where = f"{resource.logical_id} ({_pool_id(resource.pool)}, from its {resource.source})"
            if resource.error is not None:
                failed += 1
                lines.append(f"  {resource.logical_id}: not compared, {resource.error}")
            elif resource.drifted:
                drifted_resources += 1
                for name, (applied, live) in resource.drifted.items():
                    drifted_settings += 1
                    lines.append(f"  {where}: {name} applied {_text(applied)}, live {_text(live)}")
            else:
                lines.append(f"  {where}: in sync, {_count(len(resource.applied), 'setting')} managed")
    if not lines:
        return ""
    if failed:
        lines.append(f"Not determined: {_count(failed, 'failure')} (see the error lines).")
    elif drifted_settings:
        verb = "differs" if drifted_settings == 1 else "differ"
        pools = "its live pool" if drifted_resources == 1 else "their live pools"
        lines.append(
            f"Drift found: {_count(drifted_settings, 'setting')} of {_count(drifted_resources, 'resource')} "
            f"{verb} from {pools}."
        )
    else:
        lines.append("No drift: every managed setting matches its live pool.")
    return "\n".join(lines)


def drift_json(reports: Sequence[StackReport]) -> str:
    """The drift report for machines (JSON; ``ExitCode`` is the code the command exits with)."""
    stacks = []
    for report in reports:
        resources = [
            {
                "LogicalResourceId": r.logical_id,
                "PoolArn": r.pool or None,
                "Source": r.source or None,
                "Applied": dict(r.applied),
                "Drifted": {name: {"Applied": a, "Live": live} for name, (a, live) in r.drifted.items()},
                "Error": r.error,
            }
            for r in report.resources
            if isinstance(r, ResourceDrift)
        ]
        stacks.append({**_stack_json(report), "Resources": resources})
    return json.dumps({"Stacks": stacks, "ExitCode": exit_code(reports)}, indent=2)


def _stack_json(report: StackReport) -> dict[str, Any]:
    return {
        "StackName": report.stack_name,
        "Region": report.region,
        "StackId": report.stack_id or None,
        "StackStatus": report.stack_status or None,
        "Error": report.error,
    }


# --- status -------------------------------------------------------------------------------------------
def status_text(reports: Sequence[StackReport]) -> str:
    """Per resource: the pool, the owner, each managed setting's applied and prior value, the released
    settings, what a Delete that puts the pool back would write, and the last change.

    Example:
        >>> record = Record("arn:aws:sms-voice:us-east-1:1:pool/pool-1",
        ...                 "arn:aws:cloudformation:us-east-1:1:stack/S/uuid", "Settings",
        ...                 {"SharedRoutesEnabled": {"Prior": True, "Applied": False}}, {}, "2026-01-01")
        >>> print(status_text([StackReport("S", "us-east-1", "id", "CREATE_COMPLETE", [ResourceStatus(
        ...     "Settings", "CREATE_COMPLETE", "/sms-pool-settings/pool-1/uuid/Settings", record)])]))
        S (us-east-1, CREATE_COMPLETE)
          Settings (CREATE_COMPLETE): pool arn:aws:sms-voice:us-east-1:1:pool/pool-1
            owner: stack S, logical ID Settings
            record: /sms-pool-settings/pool-1/uuid/Settings, last change 2026-01-01
            manages: SharedRoutesEnabled applied false, prior true
            released: (none)
            a Delete that puts the pool back writes: SharedRoutesEnabled=true
    """
    lines: list[str] = []
    for report in reports:
        if report.error is not None:
            continue
        lines.append(_heading(report))
        resources = [r for r in report.resources if isinstance(r, ResourceStatus)]
        if not resources:
            lines.append("  no PoolSettings in this stack")
        for resource in resources:
            lines += _status_lines(resource)
    return "\n".join(lines)


def _status_lines(resource: ResourceStatus) -> list[str]:
    head = f"  {resource.logical_id} ({resource.resource_status})"
    record = resource.record
    if resource.error is not None:
        return [f"{head}: {resource.error}"]
    if record is None:
        return [
            f"{head}: no record at {resource.record_name} (deployed by a version before records, or the "
            "record was deleted): what it manages and the priors are unknown; `drift` reads the template"
        ]
    stack_name = record.stack_id.split("/")[1] if record.stack_id.count("/") >= 2 else record.stack_id
    managed = [
        f"{name} applied {_text(entry['Applied'])}, prior {_text(entry['Prior'])}"
        for name, entry in record.settings.items()
    ] or ["(nothing)"]
    released = [f"{name} (prior {_text(prior)})" for name, prior in record.released.items()] or ["(none)"]
    back = ", ".join(f"{name}={_text(value)}" for name, value in restores(record).items()) or "(nothing)"
    indent = " " * len("    manages: ")
    return [
        f"{head}: pool {record.pool_arn}",
        f"    owner: stack {stack_name}, logical ID {record.logical_id}",
        f"    record: {resource.record_name}, last change {record.changed or '(unknown)'}",
        f"    manages: {managed[0]}",
        *(f"{indent}{line}" for line in managed[1:]),
        f"    released: {', '.join(released)}",
        f"    a Delete that puts the pool back writes: {back}",
    ]


def status_json(reports: Sequence[StackReport]) -> str:
    """The status for machines (JSON): each resource's record as stored, or null."""
    stacks = []
    for report in reports:
        resources = []
        for r in report.resources:
            if not isinstance(r, ResourceStatus):
                continue
            record = r.record
            resources.append(
                {
                    "LogicalResourceId": r.logical_id,
                    "ResourceStatus": r.resource_status,
                    "RecordName": r.record_name or None,
                    "Record": None
                    if record is None
                    else {
                        "PoolArn": record.pool_arn,
                        "Owner": {"StackId": record.stack_id, "LogicalResourceId": record.logical_id},
                        "Settings": {k: dict(v) for k, v in record.settings.items()},
                        "Released": dict(record.released),
                        "Restores": restores(record),
                        "LastChange": record.changed or None,
                    },
                    "Error": r.error,
                }
            )
        stacks.append({**_stack_json(report), "Resources": resources})
    return json.dumps({"Stacks": stacks, "ExitCode": exit_code(reports)}, indent=2)
