"""The scheduled drift check's decisions (pure: no boto3, no clock); ``drift_check.py`` does the I/O.

The rule of the stack's drift check (``PoolSettings(drift_check=...)``) invokes the function with
``{"Check": [logical IDs], "Correct": [logical IDs]}``: the ``Custom::SmsPoolSettings`` resources to
compare, and among them those whose drift is also written back. For each resource the function reads
its record (the ``Applied`` value of each managed setting, ``records.py``) and its live pool, counts
the settings that differ, and publishes one datapoint per pool: ``SettingsDrifted`` in namespace
``SmsPoolSettings``, dimension ``PoolId``, 0 when in sync. The construct's alarms read that metric.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final, TypeVar

from . import constants as c
from . import records
from .errors import InvalidRecordError
from .properties import Setting

# API limits (API references): DescribePools takes at most 5 PoolIds, GetParameters at most 10 Names,
# PutMetricData at most 1,000 MetricData items.
DESCRIBE_BATCH: Final = 5
RECORDS_BATCH: Final = 10
METRICS_BATCH: Final = 1000

T = TypeVar("T")


def batches(items: Sequence[T], size: int) -> Iterator[Sequence[T]]:
    """``items`` in consecutive slices of at most ``size``.

    Example:
        >>> [list(b) for b in batches([1, 2, 3], 2)]
        [[1, 2], [3]]
    """
    for start in range(0, len(items), size):
        yield items[start : start + size]


def described(
    pools: Sequence[str],
    describe: Callable[[Sequence[str]], Sequence[Mapping[str, Any]]],
    not_found: type[Exception],
) -> dict[str, Mapping[str, Any] | None]:
    """Each of ``pools`` (IDs or ARNs) -> its DescribePools entry, None when it does not exist.

    ``describe`` makes one DescribePools call (the handler's ``client.describe_pools``, the command's
    own); it is asked ``DESCRIBE_BATCH`` pools at a time. A batch naming a pool that does not exist is
    refused whole (``not_found``: ResourceNotFoundException), so that batch is asked again pool by pool.

    Example:
        >>> def describe(batch):
        ...     if "pool-gone" in batch:
        ...         raise LookupError
        ...     return [{"PoolId": p, "PoolArn": "arn:aws:sms-voice:us-east-1:1:pool/" + p} for p in batch]
        >>> described(["pool-1", "pool-gone"], describe, LookupError)["pool-gone"] is None
        True
    """
    entries: list[Mapping[str, Any]] = []
    asked = list(dict.fromkeys(pools))
    for batch in batches(asked, DESCRIBE_BATCH):
        try:
            entries += describe(batch)
        except not_found:
            for pool in batch:
                try:
                    entries += describe([pool])
                except not_found:
                    continue
    by_key = {str(entry.get(key)): entry for entry in entries for key in ("PoolId", "PoolArn")}
    return {pool: by_key.get(pool) for pool in asked}


def deploying(stack_status: str) -> bool:
    """Whether CloudFormation is working on the stack (``..._IN_PROGRESS``, CloudFormation User Guide,
    "Stack status codes"): its handler may be between writing a record and writing the pool, so a
    comparison now could see drift that is not there, and a correction could undo the deploy."""
    return stack_status.endswith("_IN_PROGRESS")


def requested(event: Mapping[str, Any]) -> dict[str, bool]:
    """The rule's input as logical ID -> whether to correct its drift.

    Raises:
        ValueError: ``Check`` or ``Correct`` is not a list of strings (naming the key and the value).

    Example:
        >>> requested({"Check": ["A"], "Correct": ["B"]})
        {'A': False, 'B': True}
    """
    wanted: dict[str, bool] = {}
    for key, correct in ((c.DRIFT_CHECK_KEY, False), (c.DRIFT_CORRECT_KEY, True)):
        ids = event.get(key, [])
        if not isinstance(ids, list) or not all(isinstance(i, str) for i in ids):
            raise ValueError(f"drift check input {key} must be a list of logical IDs, got {ids!r}")
        wanted.update(dict.fromkeys(ids, correct))
    return wanted


@dataclass(frozen=True)
class Target:
    """One resource to compare: its logical ID, its pool (the resource's physical ID) and its record."""

    logical_id: str
    pool_arn: str
    record_name: str
    correct: bool

    @property
    def pool_id(self) -> str:
        return records.pool_id_of(self.pool_arn)


def targets(
    wanted: Mapping[str, bool], resources: Mapping[str, str], stack_id: str
) -> tuple[list[Target], list[str]]:
    """The resources to compare, and the wanted logical IDs the stack has no pool for (yet).

    Args:
        wanted: ``requested(event)``.
        resources: logical ID -> physical ID of the stack's ``Custom::SmsPoolSettings`` resources; the
            physical ID is the pool's ARN once a Create succeeded.
        stack_id: the stack's ID (records are named after its UUID).
    """
    found, missing = [], []
    for logical_id, correct in wanted.items():
        arn = resources.get(logical_id, "")
        name = records.record_name_of(arn, stack_id, logical_id)
        if name is None:
            missing.append(logical_id)
        else:
            found.append(Target(logical_id, arn, name, correct))
    return found, missing


@dataclass
class Findings:
    """What one check found.

    Attributes:
        drifted: pool ID -> number of managed settings whose live value is not the applied one
            (0 when in sync); a pool only when at least one of its resources has a record.
        corrections: pool ARN -> the applied values to write back (resources with ``correct``).
        problems: one line per resource that could not be compared.
    """

    drifted: dict[str, int] = field(default_factory=dict)
    corrections: dict[str, dict[str, Setting]] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)


def compare(
    found: Sequence[Target], texts: Mapping[str, str], pools: Mapping[str, Mapping[str, Any] | None]
) -> Findings:
    """Count each pool's drifted settings and collect the corrections.

    Args:
        found: ``targets(...)``.
        texts: record name -> the parameter's value; a record absent here does not exist.
        pools: pool ARN -> the pool as DescribePools reports it, None when it does not exist (every
            setting its records manage has then drifted, and nothing can be written back).

    Example:
        >>> record = ('{"PoolArn":"a","StackId":"s","LogicalResourceId":"L","Settings":'
        ...           '{"SharedRoutesEnabled":{"Prior":true,"Applied":false}}}')
        >>> arn = "arn:aws:sms-voice:us-east-1:123456789012:pool/pool-1"
        >>> target = Target("L", arn, "/r", correct=True)
        >>> found = compare([target], {"/r": record}, {arn: {"SharedRoutesEnabled": True}})
        >>> found.drifted, list(found.corrections.values())
        ({'pool-1': 1}, [{'SharedRoutesEnabled': False}])
    """
    findings = Findings()
    for target in found:
        text = texts.get(target.record_name)
        if text is None:
            findings.problems.append(f"{target.logical_id}: no record {target.record_name}")
            continue
        try:
            record = records.parse_record(target.record_name, text)
        except InvalidRecordError as exc:
            findings.problems.append(f"{target.logical_id}: {exc}")
            continue
        pool = pools.get(target.pool_arn)
        if pool is None:  # deleted out of band: every setting it managed is gone with it
            findings.drifted[target.pool_id] = findings.drifted.get(target.pool_id, 0) + len(record.settings)
            findings.problems.append(f"{target.logical_id}: pool {target.pool_arn} not found")
            continue
        drifts = records.drifted(record, pool)
        findings.drifted[target.pool_id] = findings.drifted.get(target.pool_id, 0) + len(drifts)
        if target.correct and drifts:
            fields = findings.corrections.setdefault(target.pool_arn, {})
            fields.update({name: applied for name, (applied, _live) in drifts.items()})
    return findings


def metric_data(drifted: Mapping[str, int]) -> list[dict[str, Any]]:
    """PutMetricData's ``MetricData``: one datapoint per pool, the number of settings drifted.

    Example:
        >>> metric_data({"pool-1": 0})[0]["Dimensions"]
        [{'Name': 'PoolId', 'Value': 'pool-1'}]
    """
    return [
        {
            "MetricName": c.DRIFT_METRIC_NAME,
            "Dimensions": [{"Name": c.DRIFT_DIMENSION, "Value": pool_id}],
            "Value": float(count),
            "Unit": "Count",
        }
        for pool_id, count in sorted(drifted.items())
    ]
