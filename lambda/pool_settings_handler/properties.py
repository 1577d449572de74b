"""Parse and strictly coerce the custom resource's ``ResourceProperties`` (pure: no boto3, no crhelper).

CloudFormation hands every scalar over as a string. The rules, each named in the error it raises:

- Keys: exactly ``constants.ALL_PROPERTIES``. ``ServiceToken``, ``ServiceTimeout`` and
  ``ReconcileToken`` are accepted and never sent to the API; any other key (a typo such as
  ``SharedRoutsEnabled``) is rejected, with the nearest known name suggested.
- ``PoolId``: a pool ID matching ``[A-Za-z0-9_:/-]{1,256}``, or a pool ARN
  ``arn:<partition>:sms-voice:<region>:<account>:pool/<pool ID>``; or instead ``PoolSelector``, the
  object ``{"TagKey": ..., "TagValue": ...}`` (``lookup.parse_selector``). Exactly one of the two.
- The four flags: exactly ``"true"`` / ``"false"`` or real booleans.
- ``TwoWayChannelArn``: an SNS topic ARN ``arn:<partition>:sns:<region>:<account>:<topic>``, or the
  Amazon Connect channel ``connect.<region>.amazonaws.com``; 20 to 2048 characters.
- ``TwoWayChannelRole``: an IAM role ARN ``arn:<partition>:iam::<account>:role/<path/><name>``.
- ``OptOutListName``: a name matching ``[A-Za-z0-9_-]{1,64}``, or an opt-out list ARN
  ``arn:<partition>:sms-voice:<region>:<account>:opt-out-list/<name>``.
- When the caller knows the Lambda's partition and region (from its own ARN), every ARN and the Connect
  channel must be in them: the service only accepts resources of its own partition and region.
- ``RemovalPolicy``: exactly ``"retain"`` (the default when absent) or ``"destroy"``.
- Anything that is not a string (lists, objects, numbers, null) is rejected, but ``PoolSelector``.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from . import constants as c
from . import constants as table_module
from .constants import (
    CONNECT_CHANNEL_RE,
    IAM_ROLE_ARN_RE,
    OPT_OUT_LIST_ARN_RE,
    OPT_OUT_LIST_NAME_PATTERN,
    POOL_ARN_RE,
    POOL_ID_OR_ARN_PATTERN,
    SETTINGS,
    SNS_TOPIC_ARN_RE,
    SettingRow,
    parse_flag,
)
from .errors import InvalidPropertyError
from .lookup import PoolTag, parse_selector

Setting = bool | str

IGNORED_PROPERTIES = (c.PROP_SERVICE_TOKEN, c.PROP_SERVICE_TIMEOUT, c.PROP_RECONCILE_TOKEN)

__all__ = ["POOL_ARN_RE", "PoolSettingsProperties", "Setting", "opt_out_list_name", "parse_properties"]

POOL_ID_RE = re.compile(POOL_ID_OR_ARN_PATTERN)
OPT_OUT_LIST_NAME_RE = re.compile(OPT_OUT_LIST_NAME_PATTERN)

RULE_BOOLEAN = 'expected "true" or "false"'
RULE_STRING = "expected a string"
RULE_POOL_ID = f"expected a pool ID or pool ARN matching {POOL_ID_OR_ARN_PATTERN}"
RULE_POOL_ARN = f"expected a pool ARN {table_module.POOL_ARN_SHAPE}"
RULE_CHANNEL = (
    "expected an SNS topic ARN arn:<partition>:sns:<region>:<account>:<topic> "
    f"or {table_module.CONNECT_CHANNEL_SHAPE}"
)
RULE_ROLE = f"expected an IAM role ARN {table_module.ROLE_ARN_SHAPE}"
RULE_OPT_OUT_LIST = (
    f"expected an opt-out list name matching {OPT_OUT_LIST_NAME_PATTERN} "
    f"or ARN {table_module.OPT_OUT_LIST_ARN_SHAPE}"
)


@dataclass(frozen=True)
class PoolSettingsProperties:
    """The parsed properties: the pool and the settings to manage (absent ones are not managed).

    Attributes:
        pool_id: the pool ID or ARN as given; "" until the selector is resolved when ``pool_selector``
            is set.
        settings: managed setting name (API parameter name) -> desired value, in
            ``constants.MANAGED_SETTINGS`` order.
        removal_policy: ``RemovalPolicy``, one of ``constants.REMOVAL_POLICIES``. Default: ``"retain"``.
    """

    pool_id: str
    settings: Mapping[str, Setting] = field(default_factory=dict)
    removal_policy: str = c.REMOVAL_RETAIN
    pool_selector: PoolTag | None = None


def parse_properties(
    properties: object, *, partition: str | None = None, region: str | None = None
) -> PoolSettingsProperties:
    """Validate and coerce ``ResourceProperties`` into what ``UpdatePool`` takes.

    Args:
        properties: the event's ``ResourceProperties`` (or ``OldResourceProperties``).
        partition: the Lambda's partition; ARNs must be in it. Default: - not checked.
        region: the Lambda's region; regional ARNs must be in it. Default: - not checked.

    Raises:
        InvalidPropertyError: naming the first offending property, the rule and the value.

    Example:
        >>> parse_properties({"PoolId": "pool-1", "TwoWayEnabled": "true"}).settings
        {'TwoWayEnabled': True}
    """
    return parse_properties_with_table(properties, SETTINGS, partition=partition, region=region)


def parse_properties_with_table(
    properties: object,
    table: tuple[SettingRow, ...],
    *,
    partition: str | None = None,
    region: str | None = None,
) -> PoolSettingsProperties:
    """``parse_properties`` with the settings of ``table``, each checked by its kind's rule.

    The handler always parses with ``constants.SETTINGS``; a test parses with a table that has one more
    row to show a new setting needs no other edit here.
    """
    if not isinstance(properties, Mapping):
        raise InvalidPropertyError("ResourceProperties", "expected an object", properties)
    known = c.all_properties(table)
    for key in sorted(properties, key=str):
        if key not in known:
            raise _unknown(key, known)
    for key in IGNORED_PROPERTIES:
        if key in properties and properties[key] is not None:
            _string(key, properties[key])

    selector = None
    if c.PROP_POOL_ID in properties and c.PROP_POOL_SELECTOR in properties:
        raise InvalidPropertyError(
            c.PROP_POOL_SELECTOR, f"give {c.PROP_POOL_ID} or {c.PROP_POOL_SELECTOR}, not both", show=False
        )
    if c.PROP_POOL_SELECTOR in properties:
        selector, pool_id = parse_selector(properties[c.PROP_POOL_SELECTOR]), ""
    elif c.PROP_POOL_ID not in properties:
        raise InvalidPropertyError(
            c.PROP_POOL_ID, "required (a pool ID or pool ARN), got nothing", show=False
        )
    else:
        pool_id = _pool_id(properties[c.PROP_POOL_ID], partition, region)

    settings: dict[str, Setting] = {}
    for row in table:
        if row.key in properties:
            settings[row.key] = _RULES[row.kind](row.key, properties[row.key], partition, region)
    policy = properties.get(c.PROP_REMOVAL_POLICY, c.REMOVAL_RETAIN)
    if policy not in c.REMOVAL_POLICIES:
        raise InvalidPropertyError(c.PROP_REMOVAL_POLICY, 'expected "retain" or "destroy"', policy)
    return PoolSettingsProperties(
        pool_id=pool_id, settings=settings, removal_policy=policy, pool_selector=selector
    )


def _unknown(key: object, known: tuple[str, ...]) -> InvalidPropertyError:
    name = str(key)
    close = difflib.get_close_matches(name, known, n=1)
    if close:
        rule = f"unknown property (did you mean {close[0]}?)"
    else:
        rule = "unknown property; expected one of " + ", ".join(
            p for p in known if p not in (c.PROP_SERVICE_TOKEN, c.PROP_SERVICE_TIMEOUT)
        )
    return InvalidPropertyError(name, rule, show=False)


def _string(name: str, value: object) -> str:
    if not isinstance(value, str):
        raise InvalidPropertyError(name, RULE_STRING, value)
    return value


def _boolean(name: str, value: object, partition: str | None, region: str | None) -> bool:
    try:
        return parse_flag(value)
    except ValueError:
        raise InvalidPropertyError(name, RULE_BOOLEAN, value) from None


def _check_place(
    name: str, value: str, match: re.Match[str], partition: str | None, region: str | None
) -> None:
    found_partition = match.groupdict().get("partition")
    if partition and found_partition and found_partition != partition:
        raise InvalidPropertyError(name, f"expected partition {partition} (the handler's own)", value)
    found_region = match.groupdict().get("region")
    if region and found_region and found_region != region:
        raise InvalidPropertyError(name, f"expected region {region} (the handler's own)", value)


def _pool_id(value: object, partition: str | None, region: str | None) -> str:
    name = c.PROP_POOL_ID
    return _name_or_arn(name, _string(name, value), POOL_ARN_RE, RULE_POOL_ARN, POOL_ID_RE, RULE_POOL_ID,
                        partition, region)  # fmt: skip


def _name_or_arn(
    name: str,
    text: str,
    arn_re: re.Pattern[str],
    arn_rule: str,
    name_re: re.Pattern[str],
    name_rule: str,
    partition: str | None,
    region: str | None,
) -> str:
    """A value the service takes as a name or as an ARN of at most 256 characters (botocore's max)."""
    if text.startswith("arn:"):
        match = arn_re.fullmatch(text)
        if match is None or len(text) > 256:
            raise InvalidPropertyError(name, arn_rule, text)
        _check_place(name, text, match, partition, region)
        return text
    if not name_re.fullmatch(text):
        raise InvalidPropertyError(name, name_rule, text)
    return text


def _channel(name: str, value: object, partition: str | None, region: str | None) -> str:
    text = _string(name, value)
    match = SNS_TOPIC_ARN_RE.fullmatch(text) or CONNECT_CHANNEL_RE.fullmatch(text)
    if match is None or not table_module.ARN_MIN_LENGTH <= len(text) <= table_module.ARN_MAX_LENGTH:
        raise InvalidPropertyError(name, RULE_CHANNEL, text)
    _check_place(name, text, match, partition, region)
    return text


def _role(name: str, value: object, partition: str | None, region: str | None) -> str:
    # IAM is global: a role ARN names no region.
    text = _string(name, value)
    match = IAM_ROLE_ARN_RE.fullmatch(text)
    if match is None or not table_module.ARN_MIN_LENGTH <= len(text) <= table_module.ARN_MAX_LENGTH:
        raise InvalidPropertyError(name, RULE_ROLE, text)
    _check_place(name, text, match, partition, None)
    return text


def _opt_out_list(name: str, value: object, partition: str | None, region: str | None) -> str:
    text = _string(name, value)
    return _name_or_arn(name, text, OPT_OUT_LIST_ARN_RE, RULE_OPT_OUT_LIST, OPT_OUT_LIST_NAME_RE,
                        RULE_OPT_OUT_LIST, partition, region)  # fmt: skip


# One deploy-time rule per kind of setting (constants.KINDS): (property key, value, partition, region).
_RULES: dict[str, Callable[[str, object, str | None, str | None], Setting]] = {
    table_module.BOOLEAN: _boolean,
    table_module.TWO_WAY_CHANNEL: _channel,
    table_module.IAM_ROLE: _role,
    table_module.OPT_OUT_LIST: _opt_out_list,
}


def opt_out_list_name(name_or_arn: str) -> str:
    """Return the opt-out list's name, whether given as a name or an ARN (the service reports names).

    Example:
        >>> opt_out_list_name("arn:aws:sms-voice:us-east-1:123456789012:opt-out-list/Main")
        'Main'
    """
    if name_or_arn.startswith("arn:"):
        return name_or_arn.rsplit("/", 1)[-1]
    return name_or_arn
