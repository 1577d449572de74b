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
from dataclasses import dataclass

from pool_settings_handler.constants import (
    ARN_ACCOUNT_PATTERN,
    ARN_MAX_LENGTH,
    ARN_MIN_LENGTH,
    ARN_PARTITION_PATTERN,
    ARN_REGION_PATTERN,
    IAM_ROLE_NAME_PATTERN,
    IAM_ROLE_PATH_PATTERN,
    OPT_OUT_LIST_NAME_OR_ARN_PATTERN,
    OPT_OUT_LIST_NAME_PATTERN,
    POOL_ID_IN_ARN_PATTERN,
    POOL_ID_OR_ARN_PATTERN,
    SNS_TOPIC_NAME_PATTERN,
)

_PARTITION = rf"(?P<partition>{ARN_PARTITION_PATTERN})"
_REGION = rf"(?P<region>{ARN_REGION_PATTERN})"
_ACCOUNT = rf"(?P<account>{ARN_ACCOUNT_PATTERN})"
POOL_ARN = re.compile(rf"arn:{_PARTITION}:sms-voice:{_REGION}:{_ACCOUNT}:pool/{POOL_ID_IN_ARN_PATTERN}")
OPT_OUT_LIST_ARN = re.compile(
    rf"arn:{_PARTITION}:sms-voice:{_REGION}:{_ACCOUNT}:opt-out-list/{OPT_OUT_LIST_NAME_PATTERN}"
)
TOPIC_ARN = re.compile(rf"arn:{_PARTITION}:sns:{_REGION}:{_ACCOUNT}:{SNS_TOPIC_NAME_PATTERN}")
# Amazon Connect as the two-way destination is named by its endpoint, not by an ARN.
CONNECT_CHANNEL = re.compile(rf"connect\.{_REGION}\.amazonaws\.com")
ROLE_ARN = re.compile(
    rf"arn:{_PARTITION}:iam::{_ACCOUNT}:role/(?:{IAM_ROLE_PATH_PATTERN}/)?{IAM_ROLE_NAME_PATTERN}"
)

POOL_ARN_SHAPE = "arn:<partition>:sms-voice:<region>:<account>:pool/<pool ID>"
OPT_OUT_LIST_ARN_SHAPE = "arn:<partition>:sms-voice:<region>:<account>:opt-out-list/<name>"
TOPIC_ARN_SHAPE = "arn:<partition>:sns:<region>:<account>:<topic name>"
ROLE_ARN_SHAPE = "arn:<partition>:iam::<account>:role/<name>"
MAX_RECONCILE_TOKEN_LENGTH = 256


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
        raise ValueError(
            f"{argument} must be in the stack's partition {place.partition}, got {value!r} "
            f"(partition {found['partition']})"
        )
    if place.region and found.get("region") and found["region"] != place.region:
        raise ValueError(
            f"{argument} must be in the stack's region {place.region}, "
            f"got {value!r} (region {found['region']})"
        )
    if place.account and found.get("account") and found["account"] != place.account:
        if other_account == "error":
            raise ValueError(
                f"{argument} must be in the stack's account {place.account} "
                f"(iam:PassRole cannot pass another account's role), got {value!r}"
            )
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
        raise ValueError(
            f"pool must be a pool ID or pool ARN matching {POOL_ID_OR_ARN_PATTERN}, got {value!r}"
        )
    if ":" not in value and "/" not in value:
        return []
    match = POOL_ARN.fullmatch(value)
    if match is None:
        raise ValueError(f"pool must be a pool ID or a pool ARN shaped {POOL_ARN_SHAPE}, got {value!r}")
    return _check_place("pool", value, match, place, other_account="warn")


def check_opt_out_list(value: str, place: StackPlace) -> list[str]:
    """Check a literal opt-out list name or ARN; return warnings.

    Raises:
        ValueError: not a name or ARN the service accepts, or an ARN of another partition or region.
    """
    if not _fullmatch(OPT_OUT_LIST_NAME_OR_ARN_PATTERN, value):
        raise ValueError(
            f"opt_out_list must be an opt-out list name or ARN matching {OPT_OUT_LIST_NAME_OR_ARN_PATTERN}, "
            f"got {value!r}"
        )
    if ":" not in value and "/" not in value:
        if not _fullmatch(OPT_OUT_LIST_NAME_PATTERN, value):
            raise ValueError(
                f"opt_out_list must be an opt-out list name matching {OPT_OUT_LIST_NAME_PATTERN}, "
                f"got {value!r}"
            )
        return []
    match = OPT_OUT_LIST_ARN.fullmatch(value)
    if match is None:
        raise ValueError(
            f"opt_out_list must be an opt-out list name or an ARN shaped {OPT_OUT_LIST_ARN_SHAPE}, "
            f"got {value!r}"
        )
    return _check_place("opt_out_list", value, match, place, other_account="warn")


def _check_arn_length(argument: str, value: str) -> None:
    if not ARN_MIN_LENGTH <= len(value) <= ARN_MAX_LENGTH or not _fullmatch(r"\S+", value):
        raise ValueError(
            f"{argument} must be {ARN_MIN_LENGTH} to {ARN_MAX_LENGTH} characters without spaces, "
            f"got {value!r} ({len(value)} characters)"
        )


def _name_hint(value: str, kind: str) -> str:
    """A hint for a value that looks like a bare name rather than an ARN, else ""."""
    if value.startswith("arn:") or ":" in value or "/" in value:
        return ""
    construct = {"role": "iam.IRole", "topic": "sns.ITopic"}[kind]
    return f" (a {kind} name? give its ARN or an {construct})"


def check_two_way_channel(value: str, place: StackPlace) -> list[str]:
    """Check a literal two-way channel: an SNS topic ARN or Amazon Connect's endpoint; return warnings.

    Raises:
        ValueError: anything else, or a topic of another partition or region.
    """
    connect = CONNECT_CHANNEL.fullmatch(value)
    if connect is None and not value.startswith("arn:"):
        # The shape first: a topic name given instead of its ARN is the usual mistake.
        raise ValueError(
            f"two_way_channel must be an SNS topic ARN shaped {TOPIC_ARN_SHAPE} or "
            f"connect.<region>.amazonaws.com for Amazon Connect, got {value!r}{_name_hint(value, 'topic')}"
        )
    _check_arn_length("two_way_channel", value)
    if connect is not None:
        return _check_place("two_way_channel", value, connect, place, other_account="warn")
    match = TOPIC_ARN.fullmatch(value)
    if match is None:
        raise ValueError(
            f"two_way_channel must be an SNS topic ARN shaped {TOPIC_ARN_SHAPE} or "
            f"connect.<region>.amazonaws.com for Amazon Connect, got {value!r}"
        )
    return _check_place("two_way_channel", value, match, place, other_account="warn")


def check_two_way_channel_role(value: str, place: StackPlace) -> list[str]:
    """Check a literal IAM role ARN for the two-way channel; return warnings.

    Raises:
        ValueError: not a role ARN, or a role of another partition or account.
    """
    if not value.startswith("arn:"):
        # The shape first: a role name given instead of its ARN is the usual mistake.
        raise ValueError(
            f"two_way_channel_role must be an IAM role ARN shaped {ROLE_ARN_SHAPE}, "
            f"got {value!r}{_name_hint(value, 'role')}"
        )
    _check_arn_length("two_way_channel_role", value)
    match = ROLE_ARN.fullmatch(value)
    if match is None:
        raise ValueError(
            f"two_way_channel_role must be an IAM role ARN shaped {ROLE_ARN_SHAPE}, got {value!r}"
        )
    return _check_place("two_way_channel_role", value, match, place, other_account="error")


def check_boolean(argument: str, value: object) -> None:
    """Reject anything but True and False (a string "true" is a mistake in Python code).

    Raises:
        ValueError: ``value`` is not a bool.
    """
    if not isinstance(value, bool):
        raise ValueError(f"{argument} must be True or False, got {value!r}")


def check_reconcile_token(value: object) -> None:
    """Require a non-empty string of at most 256 characters.

    Raises:
        ValueError: anything else.
    """
    if not isinstance(value, str) or not 1 <= len(value) <= MAX_RECONCILE_TOKEN_LENGTH:
        raise ValueError(
            f"reconcile_token must be a non-empty string of at most {MAX_RECONCILE_TOKEN_LENGTH} characters, "
            f"got {value!r}"
        )
