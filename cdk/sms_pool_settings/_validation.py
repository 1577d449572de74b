"""Synth-time checks of PoolSettings' literal arguments: reject what the SMS service would reject.

Each check gets a literal (the caller skips tokens, which the handler checks at deploy time) and the
stack's region and account when they are concrete. A message names the argument, the rule and the value.

ARNs of another partition or region are errors: the provider calls the API of its own region, where
such a resource cannot be found. Another account is an error for the two-way role (``iam:PassRole``
cannot pass another account's role) and only a warning for pools, opt-out lists and topics, which can
be shared across accounts (AWS RAM, SNS topic policies).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from pool_settings_handler import constants as table
from pool_settings_handler.constants import (
    ARN_MAX_LENGTH,
    ARN_MIN_LENGTH,
    OPT_OUT_LIST_ARN_SHAPE,
    OPT_OUT_LIST_NAME_OR_ARN_PATTERN,
    OPT_OUT_LIST_NAME_PATTERN,
    POOL_ARN_SHAPE,
    POOL_ID_OR_ARN_PATTERN,
    ROLE_ARN_SHAPE,
    SETTINGS,
    TOPIC_ARN_SHAPE,
    SettingRow,
)

# The table's patterns, under the names _owners.py and the tests know.
POOL_ARN = table.POOL_ARN_RE
OPT_OUT_LIST_ARN = table.OPT_OUT_LIST_ARN_RE
TOPIC_ARN = table.SNS_TOPIC_ARN_RE
CONNECT_CHANNEL = table.CONNECT_CHANNEL_RE
ROLE_ARN = table.IAM_ROLE_ARN_RE
MAX_RECONCILE_TOKEN_LENGTH = 256
# The argument a kind's check names when called without one: the table's (first) row of that kind.
_ARGUMENT_OF = {row.kind: row.argument for row in reversed(SETTINGS)}


_CHANNEL_RULE = (
    f"an SNS topic ARN shaped {TOPIC_ARN_SHAPE} or {table.CONNECT_CHANNEL_SHAPE} for Amazon Connect"
)
_ROLE_RULE = f"an IAM role ARN shaped {ROLE_ARN_SHAPE}"


def invalid(argument: str, rule: str, value: object, note: str = "") -> ValueError:
    """The one shape of a synth-time error: the argument, the rule, the value (and a note after it).

    Example:
        >>> str(invalid("shared_routes_enabled", "True or False", "yes"))
        "shared_routes_enabled must be True or False, got 'yes'"
    """
    return ValueError(f"{argument} must be {rule}, got {value!r}{note}")


@dataclass(frozen=True)
class StackPlace:
    """The stack's partition, region and account, each None when not known at synth time."""

    partition: str | None
    region: str | None
    account: str | None


def _fullmatch(pattern: str, value: str) -> bool:
    return re.fullmatch(pattern, value) is not None


def _check_place(
    argument: str, value: str, match: re.Match[str], place: StackPlace, *, other_account: str
) -> list[str]:
    """Errors for another partition or region; a warning (returned) for another account, or an error
    when ``other_account`` is "error"."""
    found = match.groupdict()
    if place.partition and found.get("partition") and found["partition"] != place.partition:
        raise invalid(
            argument,
            f"in the stack's partition {place.partition}",
            value,
            f" (partition {found['partition']})",
        )
    if place.region and found.get("region") and found["region"] != place.region:
        raise invalid(
            argument, f"in the stack's region {place.region}", value, f" (region {found['region']})"
        )
    if place.account and found.get("account") and found["account"] != place.account:
        if other_account == "error":
            rule = f"in the stack's account {place.account} (iam:PassRole cannot pass another account's role)"
            raise invalid(argument, rule, value)
        return [
            f"{argument} {value!r} is in account {found['account']}, "
            f"not the stack's account {place.account}: it must be shared with this account "
            "or the provider will be denied access"
        ]
    return []


def check_pool(value: str, place: StackPlace) -> list[str]:
    """Check a literal pool ID or pool ARN; return warnings.

    Raises:
        ValueError: not a pool ID or pool ARN, or an ARN of another partition or region.

    Example:
        >>> check_pool("pool-0123456789abcdef0123456789abcdef", StackPlace(None, None, None))
        []
    """
    if not _fullmatch(POOL_ID_OR_ARN_PATTERN, value):
        raise invalid("pool", f"a pool ID or pool ARN matching {POOL_ID_OR_ARN_PATTERN}", value)
    if ":" not in value and "/" not in value:
        return []
    match = POOL_ARN.fullmatch(value)
    if match is None:
        raise invalid("pool", f"a pool ID or a pool ARN shaped {POOL_ARN_SHAPE}", value)
    return _check_place("pool", value, match, place, other_account="warn")


def check_opt_out_list(
    value: str, place: StackPlace, argument: str = _ARGUMENT_OF[table.OPT_OUT_LIST]
) -> list[str]:
    """Check a literal opt-out list name or ARN; return warnings.

    Raises:
        ValueError: not a name or ARN the service accepts, or an ARN of another partition or region.
    """
    if not _fullmatch(OPT_OUT_LIST_NAME_OR_ARN_PATTERN, value):
        raise invalid(
            argument, f"an opt-out list name or ARN matching {OPT_OUT_LIST_NAME_OR_ARN_PATTERN}", value
        )
    if ":" not in value and "/" not in value:
        if not _fullmatch(OPT_OUT_LIST_NAME_PATTERN, value):
            raise invalid(argument, f"an opt-out list name matching {OPT_OUT_LIST_NAME_PATTERN}", value)
        return []
    match = OPT_OUT_LIST_ARN.fullmatch(value)
    if match is None:
        raise invalid(argument, f"an opt-out list name or an ARN shaped {OPT_OUT_LIST_ARN_SHAPE}", value)
    return _check_place(argument, value, match, place, other_account="warn")


def _check_arn_length(argument: str, value: str) -> None:
    if not ARN_MIN_LENGTH <= len(value) <= ARN_MAX_LENGTH or not _fullmatch(r"\S+", value):
        rule = f"{ARN_MIN_LENGTH} to {ARN_MAX_LENGTH} characters without spaces"
        raise invalid(argument, rule, value, f" ({len(value)} characters)")


def _name_hint(value: str, kind: str) -> str:
    """A hint for a value that looks like a bare name rather than an ARN, else ""."""
    if value.startswith("arn:") or ":" in value or "/" in value:
        return ""
    construct = {"role": "iam.IRole", "topic": "sns.ITopic"}[kind]
    return f" (a {kind} name? give its ARN or an {construct})"


def check_two_way_channel(
    value: str, place: StackPlace, argument: str = _ARGUMENT_OF[table.TWO_WAY_CHANNEL]
) -> list[str]:
    """Check a literal two-way channel: an SNS topic ARN or Amazon Connect's endpoint; return warnings.

    Raises:
        ValueError: anything else, or a topic of another partition or region.
    """
    connect = CONNECT_CHANNEL.fullmatch(value)
    if connect is None and not value.startswith("arn:"):
        # The shape first: a topic name given instead of its ARN is the usual mistake.
        raise invalid(argument, _CHANNEL_RULE, value, _name_hint(value, "topic"))
    _check_arn_length(argument, value)
    if connect is not None:
        return _check_place(argument, value, connect, place, other_account="warn")
    match = TOPIC_ARN.fullmatch(value)
    if match is None:
        raise invalid(argument, _CHANNEL_RULE, value)
    return _check_place(argument, value, match, place, other_account="warn")


def check_two_way_channel_role(
    value: str, place: StackPlace, argument: str = _ARGUMENT_OF[table.IAM_ROLE]
) -> list[str]:
    """Check a literal IAM role ARN for the two-way channel; return warnings.

    Raises:
        ValueError: not a role ARN, or a role of another partition or account.
    """
    if not value.startswith("arn:"):
        # The shape first: a role name given instead of its ARN is the usual mistake.
        raise invalid(argument, _ROLE_RULE, value, _name_hint(value, "role"))
    _check_arn_length(argument, value)
    match = ROLE_ARN.fullmatch(value)
    if match is None:
        raise invalid(argument, _ROLE_RULE, value)
    return _check_place(argument, value, match, place, other_account="error")


def check_boolean(argument: str, value: object) -> None:
    """Reject anything but True and False (a string "true" is a mistake in Python code).

    Raises:
        ValueError: ``value`` is not a bool.
    """
    if not isinstance(value, bool):
        raise invalid(argument, "True or False", value)


# One synth-time rule per kind of setting (constants.KINDS): (argument, literal value, place) -> warnings.
def _check_boolean_kind(argument: str, value: object, place: StackPlace) -> list[str]:
    check_boolean(argument, value)
    return []


def _check_string_kind(
    check: Callable[[str, StackPlace, str], list[str]],
) -> Callable[[str, object, StackPlace], list[str]]:
    def run(argument: str, value: object, place: StackPlace) -> list[str]:
        assert isinstance(value, str)  # the construct turned ITopic, IRole and CfnOptOutList into strings
        return check(value, place, argument)

    return run


_RULES: dict[str, Callable[[str, object, StackPlace], list[str]]] = {
    table.BOOLEAN: _check_boolean_kind,
    table.TWO_WAY_CHANNEL: _check_string_kind(check_two_way_channel),
    table.IAM_ROLE: _check_string_kind(check_two_way_channel_role),
    table.OPT_OUT_LIST: _check_string_kind(check_opt_out_list),
}


def check_settings(
    literals: Mapping[str, object], place: StackPlace, rows: tuple[SettingRow, ...] = SETTINGS
) -> list[str]:
    """Check each literal setting by its row's kind; return the warnings.

    Args:
        literals: construct argument -> literal value (None and tokens already left out).
        place: the stack's partition, region and account.
        rows: the settings table. Default: ``constants.SETTINGS``

    Raises:
        ValueError: the first value its kind's rule rejects, naming the argument.

    Example:
        >>> check_settings({"shared_routes_enabled": False}, StackPlace(None, None, None))
        []
    """
    warnings: list[str] = []
    for row in rows:
        if row.argument in literals:
            warnings += _RULES[row.kind](row.argument, literals[row.argument], place)
    return warnings


def check_reconcile_token(value: object) -> None:
    """Require a non-empty string of at most 256 characters.

    Raises:
        ValueError: anything else.
    """
    if not isinstance(value, str) or not 1 <= len(value) <= MAX_RECONCILE_TOKEN_LENGTH:
        rule = f"a non-empty string of at most {MAX_RECONCILE_TOKEN_LENGTH} characters"
        raise invalid("reconcile_token", rule, value)
