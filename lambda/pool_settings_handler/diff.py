"""Desired settings x live pool -> the fields ``UpdatePool`` must write (pure: no boto3, no crhelper).

Comparing with the live pool, not with the previous template, is what makes every Update correct drift
and makes a rollback (an Update with old and new swapped) restore the old values. A property removed
from the template is simply absent from ``desired``: it is no longer managed and is left as it is.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from . import constants as c
from .properties import Setting, opt_out_list_name


def _comparable(name: str, value: object) -> object:
    # The template may give the opt-out list as a name or an ARN; DescribePools reports the name.
    if name == c.PROP_OPT_OUT_LIST_NAME and isinstance(value, str):
        return opt_out_list_name(value)
    return value


def changes(desired: Mapping[str, Setting], live: Mapping[str, Any]) -> dict[str, Setting]:
    """Return the managed settings whose desired value differs from the pool's live value.

    Args:
        desired: managed setting -> desired value (from ``parse_properties``).
        live: the pool as ``DescribePools`` reports it (a missing key differs from any desired value).

    Returns:
        setting -> value to write, in ``constants.MANAGED_SETTINGS`` order; empty when nothing differs.

    Example:
        >>> changes({"TwoWayEnabled": True, "SharedRoutesEnabled": False},
        ...         {"TwoWayEnabled": True, "SharedRoutesEnabled": True})
        {'SharedRoutesEnabled': False}
    """
    return {
        name: desired[name]
        for name in c.MANAGED_SETTINGS
        if name in desired and _comparable(name, desired[name]) != _comparable(name, live.get(name))
    }


def after_write(
    before: Mapping[str, Any], written: Mapping[str, Setting], answer: Mapping[str, Any]
) -> dict[str, Any]:
    """The pool after a write: as read before, then the values written, then what the service answered.

    The service's answer (UpdatePool's, or DescribePools' after waiting) has the last word on every
    member it carries; a member it leaves out keeps the value written rather than the stale one read
    before. An opt-out list written as an ARN is reported by name, as the service reports it.

    Example:
        >>> after_write({"SharedRoutesEnabled": True, "Status": "ACTIVE"}, {"SharedRoutesEnabled": False},
        ...             {"Status": "ACTIVE"})
        {'SharedRoutesEnabled': False, 'Status': 'ACTIVE'}
    """
    return {**before, **{name: _comparable(name, value) for name, value in written.items()}, **answer}


def format_setting(value: object) -> str:
    """Render a setting for the response ``Data``: booleans as ``"true"``/``"false"``, None as ``""``.

    Example:
        >>> format_setting(True), format_setting(None), format_setting("name")
        ('true', '', 'name')
    """
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return ""
    return str(value)


def response_data(pool: Mapping[str, Any], changed: Mapping[str, Setting]) -> dict[str, str]:
    """Return the response ``Data``: the pool's identity, its settings after the call, ChangedFields.

    Args:
        pool: the pool after the call (``UpdatePool``'s answer, or ``DescribePools``' when no write).
        changed: the fields written (empty when none).

    Example:
        >>> response_data({"PoolArn": "arn:p", "PoolId": "p", "Status": "ACTIVE",
        ...                "MessageType": "TRANSACTIONAL", "TwoWayEnabled": False}, {})["ChangedFields"]
        ''
    """
    data = {
        c.ATTR_POOL_ARN: format_setting(pool.get("PoolArn")),
        c.ATTR_POOL_ID: format_setting(pool.get("PoolId")),
        c.ATTR_STATUS: format_setting(pool.get("Status")),
        c.ATTR_MESSAGE_TYPE: format_setting(pool.get("MessageType")),
    }
    for name in c.MANAGED_SETTINGS:
        data[name] = format_setting(pool.get(name))
    data[c.ATTR_CHANGED_FIELDS] = ",".join(name for name in c.MANAGED_SETTINGS if name in changed)
    return data
