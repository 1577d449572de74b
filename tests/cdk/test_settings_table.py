"""The settings table (``constants.SETTINGS``) against botocore's model of ``UpdatePool`` and CDK's CfnPool.

STYLE.md, "One table, many readers": the handler, the construct and the driver read one row per setting,
and this contract test holds the table to the service's own model rather than two copies to each other.
"""

from __future__ import annotations

import inspect
import re
from typing import Any

import botocore.session
import pytest
from aws_cdk import aws_smsvoice as smsvoice
from pool_settings_handler import constants as c
from pool_settings_handler.constants import BOOLEAN, KINDS, SETTINGS
from pool_settings_handler.errors import InvalidPropertyError
from pool_settings_handler.properties import parse_properties
from sms_pool_settings import PoolSettings

ACCOUNT = "123456789012"
# Not settings: the pool, and the construct's own arguments.
NOT_SETTINGS = (
    "pool",
    "reconcile_token",
    "removal_policy",
    "drift_check",
    "drift_alarm_topic",
    "drift_auto_correct",
)


def _update_pool_members() -> dict[str, Any]:
    model = botocore.session.get_session().get_service_model("pinpoint-sms-voice-v2")
    members = dict(model.operation_model("UpdatePool").input_shape.members)
    members.pop("PoolId")  # which pool, not a setting
    return members


def test_the_table_has_one_row_per_update_pool_setting_in_the_apis_order() -> None:
    # THEN: every UpdatePool parameter but PoolId is a row, and nothing else is
    assert [row.key for row in SETTINGS] == list(_update_pool_members())


@pytest.mark.parametrize("row", SETTINGS, ids=[row.key for row in SETTINGS])
def test_each_row_has_botocores_type_pattern_and_lengths(row: c.SettingRow) -> None:
    shape = _update_pool_members()[row.key]
    assert row.kind in KINDS
    assert (row.kind == BOOLEAN) == (shape.type_name == "boolean")
    assert row.api_pattern == shape.metadata.get("pattern")
    assert row.api_min == shape.metadata.get("min")
    assert row.api_max == shape.metadata.get("max")


ACCEPTED = {
    "TwoWayChannelArn": [f"arn:aws:sns:us-east-1:{ACCOUNT}:inbound", "connect.us-east-1.amazonaws.com"],
    "TwoWayChannelRole": [f"arn:aws:iam::{ACCOUNT}:role/path/SmsInbound"],
    "OptOutListName": ["Main", f"arn:aws:sms-voice:us-east-1:{ACCOUNT}:opt-out-list/Main"],
}
REJECTED_BY_BOTOCORE = {
    "TwoWayChannelArn": ["arn:aws:sns:x:1:t", "has a space in it, long enough"],
    "TwoWayChannelRole": ["role/SmsInbound-long-enough", "arn:aws:iam::" + ACCOUNT + ":role/a b"],
    "OptOutListName": ["", "name with spaces", "n" * 257],
}


@pytest.mark.parametrize("key", sorted(ACCEPTED))
def test_what_the_handler_accepts_botocore_accepts_and_what_botocore_rejects_the_handler_rejects(
    key: str,
) -> None:
    row = next(r for r in SETTINGS if r.key == key)
    assert row.api_pattern is not None and row.api_min is not None and row.api_max is not None

    def botocore_accepts(value: str) -> bool:
        assert row.api_pattern is not None and row.api_min is not None and row.api_max is not None
        return row.api_min <= len(value) <= row.api_max and re.fullmatch(row.api_pattern, value) is not None

    def handler_accepts(value: str) -> bool:
        try:
            parse_properties({"PoolId": "pool-1", key: value}, partition="aws", region="us-east-1")
        except InvalidPropertyError:
            return False
        return True

    for value in ACCEPTED[key]:
        assert handler_accepts(value) and botocore_accepts(value), value
    for value in REJECTED_BY_BOTOCORE[key]:
        assert not botocore_accepts(value) and not handler_accepts(value), value


def test_the_constructs_setting_arguments_are_exactly_the_tables_in_its_order() -> None:
    # GIVEN: PoolSettings' explicit keyword signature
    parameters = inspect.signature(PoolSettings.__init__).parameters
    keyword_only = [name for name, p in parameters.items() if p.kind is inspect.Parameter.KEYWORD_ONLY]
    # THEN: its settings are the table's arguments, each documented with its default
    assert [name for name in keyword_only if name not in NOT_SETTINGS] == [row.argument for row in SETTINGS]
    doc = inspect.getdoc(PoolSettings) or ""
    for row in SETTINGS:
        assert re.search(rf"^\s+{row.argument}: .*?Default: ", doc, re.MULTILINE | re.DOTALL), row.argument


@pytest.mark.parametrize("row", SETTINGS, ids=[row.key for row in SETTINGS])
def test_each_rows_cfn_pool_counterpart_exists_in_cdk(row: c.SettingRow) -> None:
    # THEN: the CfnPool attribute path names real attributes (the struct class for a nested property)
    attribute, *members = row.cdk_path
    assert isinstance(getattr(smsvoice.CfnPool, attribute), property)
    struct = smsvoice.CfnPool.TwoWayProperty if members else None
    for member in members:
        assert struct is not None and isinstance(getattr(struct, member), property)
    # and the CloudFormation key is the same path in PascalCase
    camel = [part.title().replace("_", "") for part in row.cdk_path]
    assert list(row.cfn_path) == camel
