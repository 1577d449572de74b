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
from collections.abc import Mapping
from dataclasses import dataclass, field

from . import constants as c
from .errors import InvalidPropertyError
from .lookup import PoolTag, parse_selector

Setting = bool | str

IGNORED_PROPERTIES = (c.PROP_SERVICE_TOKEN, c.PROP_SERVICE_TIMEOUT, c.PROP_RECONCILE_TOKEN)

_PARTITION = c.ARN_PARTITION_PATTERN
_REGION = c.ARN_REGION_PATTERN
_ACCOUNT = c.ARN_ACCOUNT_PATTERN
POOL_ID_RE = re.compile(c.POOL_ID_OR_ARN_PATTERN)
POOL_ARN_RE = re.compile(
    rf"arn:(?P<partition>{_PARTITION}):sms-voice:(?P<region>{_REGION}):{_ACCOUNT}"
    rf":pool/(?P<id>{c.POOL_ID_IN_ARN_PATTERN})"
)
OPT_OUT_LIST_NAME_RE = re.compile(c.OPT_OUT_LIST_NAME_PATTERN)
OPT_OUT_LIST_ARN_RE = re.compile(
    rf"arn:(?P<partition>{_PARTITION}):sms-voice:(?P<region>{_REGION}):{_ACCOUNT}"
    rf":opt-out-list/(?P<name>{c.OPT_OUT_LIST_NAME_PATTERN})"
)
SNS_TOPIC_ARN_RE = re.compile(
    rf"arn:(?P<partition>{_PARTITION}):sns:(?P<region>{_REGION}):{_ACCOUNT}:{c.SNS_TOPIC_NAME_PATTERN}"
)
CONNECT_CHANNEL_RE = re.compile(rf"connect\.(?P<region>{_REGION})\.amazonaws\.com")
IAM_ROLE_ARN_RE = re.compile(
    rf"arn:(?P<partition>{_PARTITION}):iam::{_ACCOUNT}"
    rf":role/(?:{c.IAM_ROLE_PATH_PATTERN}/)?{c.IAM_ROLE_NAME_PATTERN}"
)

RULE_BOOLEAN = 'expected "true" or "false"'
RULE_STRING = "expected a string"
RULE_POOL_ID = f"expected a pool ID or pool ARN matching {c.POOL_ID_OR_ARN_PATTERN}"
RULE_POOL_ARN = "expected a pool ARN arn:<partition>:sms-voice:<region>:<account>:pool/<pool ID>"
RULE_CHANNEL = (
    "expected an SNS topic ARN arn:<partition>:sns:<region>:<account>:<topic> "
    "or connect.<region>.amazonaws.com"
)
RULE_ROLE = "expected an IAM role ARN arn:<partition>:iam::<account>:role/<name>"
RULE_OPT_OUT_LIST = (
    f"expected an opt-out list name matching {c.OPT_OUT_LIST_NAME_PATTERN} "
    "or ARN arn:<partition>:sms-voice:<region>:<account>:opt-out-list/<name>"
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
    if not isinstance(properties, Mapping):
        raise InvalidPropertyError("ResourceProperties", "expected an object", properties)
    for key in sorted(properties, key=str):
        if key not in c.ALL_PROPERTIES:
            raise _unknown(key)
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
    for name in c.MANAGED_SETTINGS:
        if name not in properties:
            continue
        value = properties[name]
        if name in c.BOOLEAN_SETTINGS:
            settings[name] = _boolean(name, value)
        elif name == c.PROP_TWO_WAY_CHANNEL_ARN:
            settings[name] = _channel(value, partition, region)
        elif name == c.PROP_TWO_WAY_CHANNEL_ROLE:
            settings[name] = _role(value, partition)
        else:
            settings[name] = _opt_out_list(value, partition, region)
    policy = properties.get(c.PROP_REMOVAL_POLICY, c.REMOVAL_RETAIN)
    if policy not in c.REMOVAL_POLICIES:
        raise InvalidPropertyError(c.PROP_REMOVAL_POLICY, 'expected "retain" or "destroy"', policy)
    return PoolSettingsProperties(
        pool_id=pool_id, settings=settings, removal_policy=policy, pool_selector=selector
    )


def _unknown(key: object) -> InvalidPropertyError:
    name = str(key)
    close = difflib.get_close_matches(name, c.ALL_PROPERTIES, n=1)
    if close:
        rule = f"unknown property (did you mean {close[0]}?)"
    else:
        rule = "unknown property; expected one of " + ", ".join(
            p for p in c.ALL_PROPERTIES if p not in (c.PROP_SERVICE_TOKEN, c.PROP_SERVICE_TIMEOUT)
        )
    return InvalidPropertyError(name, rule, show=False)


def _string(name: str, value: object) -> str:
    if not isinstance(value, str):
        raise InvalidPropertyError(name, RULE_STRING, value)
    return value


def _boolean(name: str, value: object) -> bool:
    # CloudFormation sends booleans as strings; real booleans come from direct invocations.
    if isinstance(value, bool):
        return value
    if value == "true":
        return True
    if value == "false":
        return False
    raise InvalidPropertyError(name, RULE_BOOLEAN, value)


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
    text = _string(name, value)
    if text.startswith("arn:"):
        match = POOL_ARN_RE.fullmatch(text)
        if match is None or len(text) > 256:
            raise InvalidPropertyError(name, RULE_POOL_ARN, text)
        _check_place(name, text, match, partition, region)
        return text
    if not POOL_ID_RE.fullmatch(text):
        raise InvalidPropertyError(name, RULE_POOL_ID, text)
    return text


def _channel(value: object, partition: str | None, region: str | None) -> str:
    name = c.PROP_TWO_WAY_CHANNEL_ARN
    text = _string(name, value)
    match = SNS_TOPIC_ARN_RE.fullmatch(text) or CONNECT_CHANNEL_RE.fullmatch(text)
    if match is None or not c.ARN_MIN_LENGTH <= len(text) <= c.ARN_MAX_LENGTH:
        raise InvalidPropertyError(name, RULE_CHANNEL, text)
    _check_place(name, text, match, partition, region)
    return text


def _role(value: object, partition: str | None) -> str:
    name = c.PROP_TWO_WAY_CHANNEL_ROLE
    text = _string(name, value)
    match = IAM_ROLE_ARN_RE.fullmatch(text)
    if match is None or not c.ARN_MIN_LENGTH <= len(text) <= c.ARN_MAX_LENGTH:
        raise InvalidPropertyError(name, RULE_ROLE, text)
    _check_place(name, text, match, partition, None)
    return text


def _opt_out_list(value: object, partition: str | None, region: str | None) -> str:
    name = c.PROP_OPT_OUT_LIST_NAME
    text = _string(name, value)
    if text.startswith("arn:"):
        match = OPT_OUT_LIST_ARN_RE.fullmatch(text)
        if match is None or len(text) > 256:
            raise InvalidPropertyError(name, RULE_OPT_OUT_LIST, text)
        _check_place(name, text, match, partition, region)
        return text
    if not OPT_OUT_LIST_NAME_RE.fullmatch(text):
        raise InvalidPropertyError(name, RULE_OPT_OUT_LIST, text)
    return text


def opt_out_list_name(name_or_arn: str) -> str:
    """Return the opt-out list's name, whether given as a name or an ARN (the service reports names).

    Example:
        >>> opt_out_list_name("arn:aws:sms-voice:us-east-1:123456789012:opt-out-list/Main")
        'Main'
    """
    if name_or_arn.startswith("arn:"):
        return name_or_arn.rsplit("/", 1)[-1]
    return name_or_arn
