"""Select the pool by tag at deploy time (pure: no boto3, no crhelper).

The SMS API gives a pool no name, and ``DescribePools`` cannot filter on tags: its ``Filters`` names are
only ``status``, ``message-type``, the settings and ``two-way-channel-arn`` (botocore's
``PoolFilterName`` enum), and its answer (``PoolInformation``) carries no tags. So the handler pages
through every pool of the account and region (``client.find_pools_by_tag``), reads each pool's tags with
``ListTagsForResource``, and this module decides: exactly one pool must carry the tag key with the tag
value, else the event fails with a Reason listing what was found.

The ``PoolSelector`` property is an object ``{"TagKey": <key>, "TagValue": <value>}``, the construct's
``PoolSelector.tag(key, value)``; its rules are those of the API's ``Tag`` shape (``TagKey`` 1 to 128
characters, ``TagValue`` 0 to 256).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from . import constants as c
from .errors import InvalidPropertyError, PoolSettingsError, format_reason, shorten

# The lengths of botocore's TagKey and TagValue shapes (pinpoint-sms-voice-v2).
TAG_KEY_MAX_LENGTH = 128
TAG_VALUE_MAX_LENGTH = 256
# Pool IDs a Reason lists before it says "+N more": a pool ID is 37 characters and a Reason 256.
LISTED_POOLS = 3


@dataclass(frozen=True)
class PoolTag:
    """The pool to manage is the one pool of the account and region tagged ``key`` = ``value``."""

    key: str
    value: str

    def __str__(self) -> str:
        return f"{self.key}={self.value}"


def parse_selector(value: object) -> PoolTag:
    """Validate the ``PoolSelector`` property: ``{"TagKey": "<1-128 chars>", "TagValue": "<0-256 chars>"}``.

    Raises:
        InvalidPropertyError: naming ``PoolSelector``, the rule and the value.

    Example:
        >>> parse_selector({"TagKey": "team", "TagValue": "alerts"})
        PoolTag(key='team', value='alerts')
    """
    name = c.PROP_POOL_SELECTOR
    rule = (
        f'expected {{"{c.SELECTOR_TAG_KEY}": <1-{TAG_KEY_MAX_LENGTH} characters>, '
        f'"{c.SELECTOR_TAG_VALUE}": <0-{TAG_VALUE_MAX_LENGTH} characters>}}'
    )
    if not isinstance(value, Mapping) or set(value) != {c.SELECTOR_TAG_KEY, c.SELECTOR_TAG_VALUE}:
        raise InvalidPropertyError(name, rule, value)
    key, tag_value = value[c.SELECTOR_TAG_KEY], value[c.SELECTOR_TAG_VALUE]
    if not isinstance(key, str) or not 1 <= len(key) <= TAG_KEY_MAX_LENGTH:
        raise InvalidPropertyError(name, rule, value)
    if not isinstance(tag_value, str) or len(tag_value) > TAG_VALUE_MAX_LENGTH:
        raise InvalidPropertyError(name, rule, value)
    return PoolTag(key, tag_value)


def carries(tags: Sequence[Mapping[str, str]], selector: PoolTag) -> bool:
    """Whether ``tags`` (``ListTagsForResource``'s ``Tags``) hold the selector's key with its value.

    Tag keys and values are case-sensitive (the AWS tagging rules), so the match is exact.

    Example:
        >>> carries([{"Key": "team", "Value": "alerts"}], PoolTag("team", "alerts"))
        True
    """
    return any(t.get("Key") == selector.key and t.get("Value") == selector.value for t in tags)


class PoolSelectionError(PoolSettingsError):
    """No pool, or more than one, carries the selector's tag; raised before any write.

    Example:
        >>> str(PoolSelectionError(PoolTag("team", "alerts"), [], 0, "us-east-1"))
        'PoolSelector team=alerts matched no pool: us-east-1 has no pool; nothing was changed'
    """

    def __init__(
        self,
        selector: PoolTag,
        matched: Sequence[str],
        seen: int,
        region: str | None,
        other_values: Mapping[str, str] | None = None,
    ) -> None:
        self.selector, self.matched, self.seen = selector, list(matched), seen
        where = region or "this region"
        wanted = shorten(str(selector), 80)
        if matched:
            cause = (
                f"PoolSelector {wanted} matched {len(matched)} pools, expected exactly one: "
                f"{_listed(matched)}; tag one pool only; nothing was changed"
            )
        elif seen == 0:
            cause = f"PoolSelector {wanted} matched no pool: {where} has no pool; nothing was changed"
        else:
            others = other_values or {}
            hint = (
                f"; {shorten(selector.key, 40)} is on {_listed([f'{p}={v}' for p, v in others.items()])}"
                if others
                else ""
            )
            cause = f"PoolSelector {wanted} matched none of the {seen} pools in {where}{hint}"
            cause += "; nothing was changed"
        super().__init__(format_reason(cause))


def _listed(items: Sequence[str]) -> str:
    shown = ", ".join(shorten(i, 64) for i in items[:LISTED_POOLS])
    more = len(items) - LISTED_POOLS
    return f"{shown} (+{more} more)" if more > 0 else shown


def choose(
    selector: PoolTag,
    tagged: Sequence[tuple[str, Sequence[Mapping[str, str]]]],
    region: str | None = None,
) -> str:
    """The one pool of ``tagged`` (``(pool ARN or ID, its tags)`` for every pool seen) carrying the tag.

    Args:
        selector: the tag to look for.
        tagged: every pool of the account and region with its tags, in ``DescribePools`` order.
        region: named in the Reason. Default: - "this region"

    Raises:
        PoolSelectionError: no pool or several carry the tag; the Reason lists the matches, or the pools
            carrying the key with another value.

    Example:
        >>> choose(PoolTag("team", "alerts"), [("pool-a", [{"Key": "team", "Value": "alerts"}]),
        ...                                    ("pool-b", [])])
        'pool-a'
    """
    matched = [pool for pool, tags in tagged if carries(tags, selector)]
    if len(matched) == 1:
        return matched[0]
    other_values = {
        _short_id(pool): str(t.get("Value"))
        for pool, tags in tagged
        for t in tags
        if t.get("Key") == selector.key
    }
    raise PoolSelectionError(selector, [_short_id(p) for p in matched], len(tagged), region, other_values)


def _short_id(pool: str) -> str:
    # A Reason names pools by ID: an ARN's account and region are the stack's own, and IDs fit more.
    return pool.rsplit("/", 1)[-1]
