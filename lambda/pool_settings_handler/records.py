"""What each resource wrote to a pool, and what to write and put back (pure: no boto3, no clock).

A record is one SSM parameter per resource, ``RECORD_PREFIX/<pool ID>/<stack UUID>/<logical ID>``,
holding JSON: the pool's ARN, the owner (StackId, LogicalResourceId), for each managed setting the
value the pool had before this resource first managed it (``Prior``) and the value it applies
(``Applied``), the settings it stopped managing under ``retain`` with their prior (``Released``, kept so
that a rollback re-managing them keeps the first prior), and the time of the last change. The handler
writes it before any UpdatePool that needs it and deletes it when the resource is gone.

The decisions, each a function below:

- ``claim``: the record before and after an Update/Create, and what to put back. A setting no longer
  declared goes back to its prior when ``restore_undeclared`` (``destroy``, or a rollback), else it is
  released (``retain``). Settings being put back stay in the record written before the UpdatePool
  and leave it only after (so a failed write can be rolled back again).
- ``restores``: what a Delete puts back (every managed setting whose prior is known).
- ``conflicts``: the settings another resource's record owns among those this one declares.
- ``gained`` and ``first``: two resources that claim one setting at once both pass the check before
  their writes; each lists again after writing its record, and the later claim gives way.
- ``drifted``: the managed settings whose applied value the live pool no longer has (the CLI's
  ``drift`` and the scheduled drift check both read it); ``differences`` is the same comparison for
  settings known without a record.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from . import constants as c
from .diff import changes
from .errors import InvalidRecordError
from .properties import Setting, opt_out_list_name

PRIOR, APPLIED = "Prior", "Applied"
# One drifted setting: (the value the resource applies, the pool's live value or None).
Drift = tuple[Setting, Setting | None]


def pool_id_of(pool: str) -> str:
    """The pool ID of a pool ID or pool ARN.

    Example:
        >>> pool_id_of("arn:aws:sms-voice:us-east-1:123456789012:pool/pool-1"), pool_id_of("pool-1")
        ('pool-1', 'pool-1')
    """
    return pool.rsplit("/", 1)[-1] if pool.startswith("arn:") else pool


def pool_path(pool_id: str) -> str:
    """The parameter path under which every record of ``pool_id`` lives (``GetParametersByPath``)."""
    return f"{c.RECORD_PREFIX}/{pool_id}"


def record_name(pool_id: str, stack_id: str, logical_id: str) -> str:
    """The parameter name of the record of resource ``logical_id`` of stack ``stack_id`` for ``pool_id``.

    Example:
        >>> record_name("pool-1", "arn:aws:cloudformation:us-east-1:1:stack/S/5f6a-11ef", "Settings")
        '/sms-pool-settings/pool-1/5f6a-11ef/Settings'
    """
    return f"{pool_path(pool_id)}/{stack_id.rsplit('/', 1)[-1]}/{logical_id}"


def record_name_of(physical_id: str, stack_id: str, logical_id: str) -> str | None:
    """The record name of resource ``logical_id``, from its physical ID (the pool's ARN once a Create
    succeeded); None when the physical ID is no pool ARN (the resource never managed a pool).

    Example:
        >>> record_name_of("arn:aws:sms-voice:us-east-1:123456789012:pool/pool-1", "stack/S/5f6a", "L")
        '/sms-pool-settings/pool-1/5f6a/L'
        >>> record_name_of("", "stack/S/5f6a", "L") is None
        True
    """
    match = c.POOL_ARN_RE.fullmatch(physical_id)
    return record_name(match.group("id"), stack_id, logical_id) if match else None


@dataclass(frozen=True)
class Record:
    """One resource's record.

    Attributes:
        pool_arn: the pool, as DescribePools reports its ARN.
        stack_id: the owner's stack ID.
        logical_id: the owner's logical ID.
        settings: managed setting -> ``{"Prior": value before, "Applied": value written}`` (a prior
            is None when the pool had no value).
        released: setting -> prior, for settings no longer managed whose value was left (``retain``).
            Default: - none.
        changed: ISO 8601 time of the last change. Default: ``""``.
    """

    pool_arn: str
    stack_id: str
    logical_id: str
    settings: Mapping[str, Mapping[str, Setting | None]]
    released: Mapping[str, Setting | None] = field(default_factory=dict)
    changed: str = ""

    def to_json(self) -> str:
        """The parameter's value (compact JSON).

        Raises:
            InvalidRecordError: longer than ``MAX_RECORD_BYTES`` (a Standard parameter's limit).
        """
        text = json.dumps(
            {
                "PoolArn": self.pool_arn,
                "StackId": self.stack_id,
                "LogicalResourceId": self.logical_id,
                "Settings": self.settings,
                "Released": self.released,
                "LastChange": self.changed,
            },
            separators=(",", ":"),
        )
        if len(text.encode()) > c.MAX_RECORD_BYTES:
            raise InvalidRecordError(
                self.logical_id, f"{len(text.encode())} bytes, over {c.MAX_RECORD_BYTES}"
            )
        return text

    def same_content(self, other: Record | None) -> bool:
        """Equal to ``other`` but for the time of the last change."""
        return other is not None and replace(self, changed="") == replace(other, changed="")


def parse_record(name: str, text: str) -> Record:
    """Read the record stored as parameter ``name``.

    Raises:
        InvalidRecordError: the value is not a record of this handler (naming the parameter).

    Example:
        >>> parse_record("/p", '{"PoolArn":"a","StackId":"s","LogicalResourceId":"l","Settings":{}}').pool_arn
        'a'
    """
    try:
        raw = json.loads(text)
        record = Record(
            str(raw["PoolArn"]),
            str(raw["StackId"]),
            str(raw["LogicalResourceId"]),
            {
                k: {PRIOR: v[PRIOR], APPLIED: v[APPLIED]}
                for k, v in raw["Settings"].items()
                if k in c.MANAGED_SETTINGS
            },
            {k: v for k, v in raw.get("Released", {}).items() if k in c.MANAGED_SETTINGS},
            str(raw.get("LastChange", "")),
        )
    except (ValueError, TypeError, KeyError, AttributeError) as exc:
        raise InvalidRecordError(name, f"not a record of this handler ({type(exc).__name__})") from exc
    return record


def _live(name: str, pool: Mapping[str, Any]) -> Setting | None:
    value = pool.get(name)
    if name == c.PROP_OPT_OUT_LIST_NAME and isinstance(value, str):
        return opt_out_list_name(value)
    return value if isinstance(value, bool | str) else None


@dataclass(frozen=True)
class Claim:
    """What an Update/Create does with the record and the pool.

    Attributes:
        before: the record to write before the UpdatePool; None when the stored one already says it.
        after: the record to write once the UpdatePool succeeded; None when ``before`` (or the stored
            one) already says it.
        restores: setting -> prior, to write with the declared settings.
    """

    before: Record | None
    after: Record | None
    restores: dict[str, Setting]


def claim(
    current: Record | None,
    desired: Mapping[str, Setting],
    pool: Mapping[str, Any],
    *,
    stack_id: str,
    logical_id: str,
    restore_undeclared: bool,
    now: str,
) -> Claim:
    """Decide the record and the restores of a Create/Update that declares ``desired`` on ``pool``.

    Args:
        current: this resource's stored record for the pool. None when there is none (a first Create,
            or a record lost out of band: the priors are then the pool's values now).
        desired: the declared settings.
        pool: the pool as DescribePools reports it now.
        restore_undeclared: a setting of ``current`` that ``desired`` no longer declares goes back to
            its prior (``destroy``, or a rollback); else it is released and left as it is (``retain``).
        now: ISO 8601 time, written as the record's last change when it changes.

    Example:
        >>> first = claim(None, {"SharedRoutesEnabled": True}, {"PoolArn": "a", "SharedRoutesEnabled": False},
        ...               stack_id="s", logical_id="l", restore_undeclared=False, now="t")
        >>> dict(first.before.settings), first.after
        ({'SharedRoutesEnabled': {'Prior': False, 'Applied': True}}, None)
        >>> back = claim(first.before, {}, {"PoolArn": "a", "SharedRoutesEnabled": True},
        ...              stack_id="s", logical_id="l", restore_undeclared=True, now="t2")
        >>> back.restores, dict(back.after.settings)
        ({'SharedRoutesEnabled': False}, {})
    """
    old = current.settings if current else {}
    released = dict(current.released) if current else {}
    settings: dict[str, Mapping[str, Setting | None]] = {}
    for name in c.MANAGED_SETTINGS:
        if name in desired:
            prior = (
                old[name][PRIOR]
                if name in old
                else released.pop(name)
                if name in released
                else _live(name, pool)
            )
            settings[name] = {PRIOR: prior, APPLIED: desired[name]}
    undeclared = {name: entry for name, entry in old.items() if name not in desired}
    restores: dict[str, Setting] = {}
    for name, entry in undeclared.items():
        prior = entry[PRIOR]
        if not restore_undeclared:
            released[name] = prior
        elif prior is not None:  # a value the pool never had cannot be written back (nothing to unset)
            restores[name] = prior
    if current is None and not settings:
        return Claim(None, None, {})
    arn = str(pool.get("PoolArn") or (current.pool_arn if current else ""))
    after = Record(arn, stack_id, logical_id, settings, released, now)
    kept = replace(after, settings={**settings, **{n: undeclared[n] for n in restores}})
    before = None if kept.same_content(current) else kept
    final = None if after.same_content(kept if before else current) else after
    return Claim(before, final, restores)


def undeclared(current: Record | None, desired: Mapping[str, Setting]) -> bool:
    """Whether ``current`` manages a setting that ``desired`` no longer declares."""
    return current is not None and any(name not in desired for name in current.settings)


def restores(record: Record) -> dict[str, Setting]:
    """What a Delete that puts the pool back writes: each managed setting's prior, when the pool had one.

    Example:
        >>> restores(Record("a", "s", "l", {"SharedRoutesEnabled": {"Prior": False, "Applied": True},
        ...                                  "TwoWayChannelRole": {"Prior": None, "Applied": "r"}}))
        {'SharedRoutesEnabled': False}
    """
    return {name: prior for name, entry in record.settings.items() if (prior := entry[PRIOR]) is not None}


def gained(current: Record | None, desired: Mapping[str, Setting]) -> dict[str, Setting]:
    """The declared settings ``current`` does not manage yet: the ones this event claims first.

    Example:
        >>> gained(None, {"SharedRoutesEnabled": True})
        {'SharedRoutesEnabled': True}
    """
    return {name: value for name, value in desired.items() if not current or name not in current.settings}


def first(mine: tuple[Any, str], other: tuple[Any, str]) -> bool:
    """Whether a claim written at ``mine`` = (SSM's LastModifiedDate, parameter name) came before
    ``other``'s: the earlier write wins, the name breaks a tie (one clock, Parameter Store's, for both).

    Example:
        >>> first((1, "/b"), (2, "/a")), first((1, "/b"), (1, "/a"))
        (True, False)
    """
    return mine < other


def conflicts(other: Record, desired: Mapping[str, Setting]) -> list[str]:
    """The settings ``other`` manages among those ``desired`` declares (its released ones are free).

    Example:
        >>> conflicts(Record("a", "s", "l", {"SharedRoutesEnabled": {"Prior": False, "Applied": True}}),
        ...           {"SharedRoutesEnabled": False, "TwoWayEnabled": True})
        ['SharedRoutesEnabled']
    """
    return [name for name in c.MANAGED_SETTINGS if name in desired and name in other.settings]


def differences(desired: Mapping[str, Setting], live_pool: Mapping[str, Any]) -> dict[str, Drift]:
    """The settings of ``desired`` the live pool does not have: setting -> (desired, live).

    The comparison is the handler's own (``diff.changes``), so a setting is reported exactly when the
    next Update would write it; the live value is as DescribePools reports it (an opt-out list by
    name), None when the pool has none.

    Example:
        >>> differences({"SharedRoutesEnabled": True, "OptOutListName": "arn:aws:sms-voice:us-east-1:"
        ...              "123456789012:opt-out-list/Alerts"}, {"SharedRoutesEnabled": False,
        ...              "OptOutListName": "Alerts"})
        {'SharedRoutesEnabled': (True, False)}
    """
    return {name: (value, _live(name, live_pool)) for name, value in changes(desired, live_pool).items()}


def applied(record: Record) -> dict[str, Setting]:
    """The value ``record``'s resource applies to each setting it manages.

    Example:
        >>> applied(Record("a", "s", "l", {"TwoWayEnabled": {"Prior": None, "Applied": False}}))
        {'TwoWayEnabled': False}
    """
    return {name: value for name, entry in record.settings.items() if (value := entry[APPLIED]) is not None}


def drifted(record: Record, live_pool: Mapping[str, Any]) -> dict[str, Drift]:
    """The managed settings whose applied value ``live_pool`` (a DescribePools entry) no longer has.

    Returns:
        setting -> (applied, live) in ``constants.MANAGED_SETTINGS`` order; empty when in sync.
        Released settings are not managed and never drift.

    Example:
        >>> record = Record("a", "s", "l", {"DeletionProtectionEnabled": {"Prior": False, "Applied": True},
        ...                                 "TwoWayEnabled": {"Prior": True, "Applied": False}},
        ...                 released={"SharedRoutesEnabled": True})
        >>> drifted(record, {"DeletionProtectionEnabled": False, "TwoWayEnabled": False,
        ...                  "SharedRoutesEnabled": False})
        {'DeletionProtectionEnabled': (True, False)}
    """
    return differences(applied(record), live_pool)
