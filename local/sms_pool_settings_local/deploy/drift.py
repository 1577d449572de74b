"""Drift: the settings each ``Custom::SmsPoolSettings`` declares against the live pool. Pure comparison.

It reuses the handler's own parsing and comparison (``pool_settings_handler.properties``/``diff``), so
a setting is reported as drifted exactly when the next Update (for example a reconcile) would write it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from pool_settings_handler import constants as c
from pool_settings_handler.diff import changes, format_setting
from pool_settings_handler.properties import parse_properties


@dataclass(frozen=True)
class Difference:
    """One drifted setting of one resource."""

    logical_id: str
    pool_id: str
    setting: str
    declared: str
    live: str

    def __str__(self) -> str:
        return (
            f"{self.logical_id} ({self.pool_id}): {self.setting} declared {self.declared}, live {self.live}"
        )


def declared_settings(properties: Mapping[str, Any]) -> tuple[str, dict[str, Any]]:
    """(pool ID or ARN, managed setting -> declared value) of a resource's properties.

    Raises:
        pool_settings_handler.errors.InvalidPropertyError: properties the handler would reject.

    Example:
        >>> declared_settings({"PoolId": "pool-1", "TwoWayEnabled": "false", "ServiceToken": "t"})
        ('pool-1', {'TwoWayEnabled': False})
    """
    parsed = parse_properties({k: v for k, v in properties.items() if v is not None})
    return parsed.pool_id, dict(parsed.settings)


def compare(logical_id: str, properties: Mapping[str, Any], live_pool: Mapping[str, Any]) -> list[Difference]:
    """The declared settings that differ from ``live_pool`` (a DescribePools entry), in API order.

    Example:
        >>> [str(d) for d in compare("S", {"PoolId": "p", "SharedRoutesEnabled": True},
        ...                          {"SharedRoutesEnabled": False})]
        ['S (p): SharedRoutesEnabled declared true, live false']
    """
    pool_id, settings = declared_settings(properties)
    differing = changes(settings, live_pool)
    return [
        Difference(logical_id, pool_id, name, format_setting(value), format_setting(live_pool.get(name)))
        for name, value in differing.items()
    ]


def managed_resources(resources: Mapping[str, Any]) -> list[str]:
    """Logical IDs of the ``Custom::SmsPoolSettings`` resources among ``resources`` (sorted)."""
    return sorted(name for name, res in resources.items() if _type(res) == c.RESOURCE_TYPE)


def _type(resource: Any) -> str:
    return str(resource["Type"] if isinstance(resource, Mapping) else resource.type)
