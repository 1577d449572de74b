"""``PoolSelector``: name the pool by a tag, found at deploy time in the account and region deployed to.

Pool IDs differ in every account, and the SMS API gives a pool no name (``PoolInformation`` has no name
member, and ``DescribePools`` filters on status, message type and the settings only), so the selector is
a tag: the handler pages through ``DescribePools`` and reads each pool's tags with
``ListTagsForResource``; exactly one pool must carry the tag.
"""

from __future__ import annotations

from typing import Any

from pool_settings_handler.constants import SELECTOR_TAG_KEY, SELECTOR_TAG_VALUE

from ._provider import is_unresolved

# The lengths of the SMS API's Tag shape (botocore's TagKey 1-128, TagValue 0-256); the handler checks
# the same (pool_settings_handler.lookup).
TAG_KEY_MAX_LENGTH = 128
TAG_VALUE_MAX_LENGTH = 256


class PoolSelector:
    """The pool to manage, chosen at deploy time: the one pool of the account and region with a tag.

    Give it as ``PoolSettings(pool=PoolSelector.tag("team", "alerts"), ...)``. The deploy fails, changing
    nothing, when no pool or more than one carries the tag; the Reason lists what was found. The
    provider's role may then list the pools (``DescribePools`` on ``*``, the only resource that call
    authorizes on), read the tags of the stack's account and region's pools, and update only pools that
    carry the tag (``aws:ResourceTag`` condition).

    Example:
        >>> PoolSettings(stack, "Settings", pool=PoolSelector.tag("team", "alerts"),
        ...              deletion_protection_enabled=True)  # doctest: +SKIP
    """

    def __init__(self, key: str, value: str) -> None:
        """Use :meth:`tag`."""
        self.key = key
        self.value = value

    @classmethod
    def tag(cls, key: str, value: str) -> PoolSelector:
        """The pool tagged ``key`` = ``value`` (both case-sensitive, as tags are).

        Args:
            key: the tag key, 1 to 128 characters, a literal.
            value: the tag value, 0 to 256 characters, or a token.

        Raises:
            ValueError: a key that is a token, or a literal key or value outside those lengths.
            TypeError: a key or value that is not a string.

        Example:
            >>> PoolSelector.tag("team", "alerts").key
            'team'
        """
        for name, given in (("key", key), ("value", value)):
            if not isinstance(given, str):
                raise TypeError(f"PoolSelector.tag {name} must be a string, got {given!r}")
        if is_unresolved(key):
            # The key becomes part of an IAM condition key (aws:ResourceTag/<key>), and CloudFormation
            # resolves no intrinsic inside a JSON key.
            raise ValueError(
                f"PoolSelector.tag key must be a literal string (it names an IAM condition key), got {key!r}"
            )
        if not 1 <= len(key) <= TAG_KEY_MAX_LENGTH:
            raise ValueError(
                f"PoolSelector.tag key must be 1 to {TAG_KEY_MAX_LENGTH} characters, got {key!r} ({len(key)})"
            )
        if not is_unresolved(value) and len(value) > TAG_VALUE_MAX_LENGTH:
            raise ValueError(
                f"PoolSelector.tag value must be at most {TAG_VALUE_MAX_LENGTH} characters, "
                f"got {len(value)} characters"
            )
        return cls(key, value)

    def to_property(self) -> dict[str, Any]:
        """The ``PoolSelector`` resource property the handler reads: ``{"TagKey": ..., "TagValue": ...}``."""
        return {SELECTOR_TAG_KEY: self.key, SELECTOR_TAG_VALUE: self.value}

    def __repr__(self) -> str:
        return f"PoolSelector.tag({self.key!r}, {self.value!r})"
