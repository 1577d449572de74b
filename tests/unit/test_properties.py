"""Strict coercion and validation of ResourceProperties: every bad input names the property and value."""

import pytest
from pool_settings_handler import constants as c
from pool_settings_handler.errors import InvalidPropertyError
from pool_settings_handler.properties import opt_out_list_name, parse_properties

POOL_ARN = "arn:aws:sms-voice:us-east-1:123456789012:pool/pool-0123456789abcdef0123456789abcdef"
TOPIC_ARN = "arn:aws:sns:us-east-1:123456789012:inbound-sms"
ROLE_ARN = "arn:aws:iam::123456789012:role/service/SmsTwoWay"
LIST_ARN = "arn:aws:sms-voice:us-east-1:123456789012:opt-out-list/MainList"


def reason_of(properties, **place):
    with pytest.raises(InvalidPropertyError) as caught:
        parse_properties(properties, **place)
    return caught.value.reason


def test_only_given_settings_are_managed_and_flags_become_booleans():
    parsed = parse_properties(
        {
            "ServiceToken": "arn:aws:lambda:us-east-1:123456789012:function:f",
            "ServiceTimeout": "300",
            "ReconcileToken": "build-42",
            "PoolId": "pool-1",
            "TwoWayEnabled": "true",
            "SharedRoutesEnabled": "false",
            "DeletionProtectionEnabled": True,
        }
    )
    assert parsed.pool_id == "pool-1"
    assert parsed.settings == {
        "TwoWayEnabled": True,
        "SharedRoutesEnabled": False,
        "DeletionProtectionEnabled": True,
    }


def test_every_setting_is_accepted_with_valid_values():
    parsed = parse_properties(
        {
            "PoolId": POOL_ARN,
            "TwoWayEnabled": "true",
            "TwoWayChannelArn": TOPIC_ARN,
            "TwoWayChannelRole": ROLE_ARN,
            "SelfManagedOptOutsEnabled": "false",
            "OptOutListName": LIST_ARN,
            "SharedRoutesEnabled": False,
            "DeletionProtectionEnabled": "false",
        },
        partition="aws",
        region="us-east-1",
    )
    assert list(parsed.settings) == list(c.MANAGED_SETTINGS)
    assert parsed.settings[c.PROP_TWO_WAY_CHANNEL_ROLE] == ROLE_ARN


@pytest.mark.parametrize(
    "channel",
    [TOPIC_ARN, "arn:aws:sns:us-east-1:123456789012:orders.fifo", "connect.us-east-1.amazonaws.com"],
)
def test_two_way_channel_accepts_an_sns_topic_or_amazon_connect(channel):
    assert parse_properties({"PoolId": "p", "TwoWayChannelArn": channel}).settings == {
        "TwoWayChannelArn": channel
    }


def test_the_sms_api_never_sees_service_token_service_timeout_or_reconcile_token():
    parsed = parse_properties(
        {"PoolId": "p", "ServiceToken": "x", "ServiceTimeout": "60", "ReconcileToken": "1"}
    )
    assert parsed.settings == {}


@pytest.mark.parametrize("flag", c.BOOLEAN_SETTINGS)
@pytest.mark.parametrize(
    ("value", "shown"),
    [
        ("yes", "'yes'"),
        ("True", "'True'"),
        ("TRUE", "'TRUE'"),
        ("1", "'1'"),
        ("", "''"),
        (" true", "' true'"),
        (1, "1"),
        (0, "0"),
        (None, "None"),
        (["true"], "['true']"),
        ({"value": "true"}, "{'value': 'true'}"),
    ],
)
def test_flags_accept_exactly_true_or_false(flag, value, shown):
    assert reason_of({"PoolId": "p", flag: value}) == (
        f'Invalid property {flag}: expected "true" or "false", got {shown}'
    )


@pytest.mark.parametrize(
    ("key", "reason"),
    [
        (
            "SharedRoutsEnabled",
            "Invalid property SharedRoutsEnabled: unknown property (did you mean SharedRoutesEnabled?)",
        ),
        ("poolId", "Invalid property poolId: unknown property (did you mean PoolId?)"),
        (
            "TwoWayChannel",
            "Invalid property TwoWayChannel: unknown property (did you mean TwoWayChannelArn?)",
        ),
        (
            "Tags",
            "Invalid property Tags: unknown property; expected one of PoolId, PoolSelector, TwoWayEnabled, "
            "TwoWayChannelArn, TwoWayChannelRole, SelfManagedOptOutsEnabled, OptOutListName, "
            "SharedRoutesEnabled, "
            "DeletionProtectionEnabled, ReconcileToken, RemovalPolicy",
        ),
    ],
)
def test_an_unknown_property_fails_naming_it(key, reason):
    assert reason_of({"PoolId": "p", "TwoWayEnabled": "true", key: "true"}) == reason


def test_a_missing_pool_id_fails():
    assert reason_of({"TwoWayEnabled": "true"}) == (
        "Invalid property PoolId: required (a pool ID or pool ARN), got nothing"
    )


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        (
            "my pool",
            "Invalid property PoolId: expected a pool ID or pool ARN matching [A-Za-z0-9_:/-]{1,256}, "
            "got 'my pool'",
        ),
        (
            "",
            "Invalid property PoolId: expected a pool ID or pool ARN matching [A-Za-z0-9_:/-]{1,256}, got ''",
        ),
        (
            "pool-é",
            "Invalid property PoolId: expected a pool ID or pool ARN matching [A-Za-z0-9_:/-]{1,256}, "
            "got 'pool-é'",
        ),
        (7, "Invalid property PoolId: expected a string, got 7"),
        (["pool-1"], "Invalid property PoolId: expected a string, got ['pool-1']"),
        (
            "arn:aws:sns:us-east-1:123456789012:pool/pool-1",
            "Invalid property PoolId: expected a pool ARN "
            "arn:<partition>:sms-voice:<region>:<account>:pool/<pool ID>, "
            "got 'arn:aws:sns:us-east-1:123456789012:pool/pool-1'",
        ),
    ],
)
def test_a_malformed_pool_id_fails(value, reason):
    assert reason_of({"PoolId": value}) == reason


def test_a_pool_id_longer_than_256_characters_fails_with_a_shortened_value():
    reason = reason_of({"PoolId": "p" * 300})
    assert reason.startswith("Invalid property PoolId: expected a pool ID or pool ARN matching")
    assert reason.endswith("... (300 characters)")
    assert len(reason) <= c.MAX_REASON_LENGTH


CHANNEL_RULE = (
    "expected an SNS topic ARN arn:<partition>:sns:<region>:<account>:<topic> "
    "or connect.<region>.amazonaws.com"
)


@pytest.mark.parametrize(
    "value",
    [
        "arn:aws:sqs:us-east-1:123456789012:inbound",
        "arn:aws:sns:us-east-1:1234:inbound",
        "arn:aws:sns:us-east-1:123456789012:",
        "inbound-sms",
        "connect.amazonaws.com",
        "",
    ],
)
def test_two_way_channel_must_be_an_sns_topic_or_connect(value):
    assert reason_of({"PoolId": "p", "TwoWayChannelArn": value}) == (
        f"Invalid property TwoWayChannelArn: {CHANNEL_RULE}, got {value!r}"
    )


@pytest.mark.parametrize(
    "value",
    [
        "arn:aws:iam::123456789012:user/someone",
        "arn:aws:sts::123456789012:assumed-role/x/y",
        "arn:aws:iam:us-east-1:123456789012:role/x",
        "SmsTwoWay",
    ],
)
def test_two_way_channel_role_must_be_an_iam_role_arn(value):
    assert reason_of({"PoolId": "p", "TwoWayChannelRole": value}) == (
        "Invalid property TwoWayChannelRole: expected an IAM role ARN "
        "arn:<partition>:iam::<account>:role/<name>, "
        f"got {value!r}"
    )


@pytest.mark.parametrize(
    "value",
    ["main list", "x" * 65, "arn:aws:sms-voice:us-east-1:123456789012:pool/pool-1", ""],
)
def test_opt_out_list_must_be_a_name_or_an_opt_out_list_arn(value):
    assert reason_of({"PoolId": "p", "OptOutListName": value}).startswith(
        "Invalid property OptOutListName: expected an opt-out list name matching [A-Za-z0-9_-]{1,64} "
        "or ARN arn:<partition>:sms-voice:<region>:<account>:opt-out-list/<name>, got "
    )


@pytest.mark.parametrize(
    ("key", "value", "reason"),
    [
        (
            "TwoWayChannelArn",
            "arn:aws:sns:eu-west-1:123456789012:inbound",
            "Invalid property TwoWayChannelArn: expected region us-east-1 (the handler's own), "
            "got 'arn:aws:sns:eu-west-1:123456789012:inbound'",
        ),
        (
            "TwoWayChannelArn",
            "connect.eu-west-1.amazonaws.com",
            "Invalid property TwoWayChannelArn: expected region us-east-1 (the handler's own), "
            "got 'connect.eu-west-1.amazonaws.com'",
        ),
        (
            "TwoWayChannelRole",
            "arn:aws-cn:iam::123456789012:role/x",
            "Invalid property TwoWayChannelRole: expected partition aws (the handler's own), "
            "got 'arn:aws-cn:iam::123456789012:role/x'",
        ),
        (
            "OptOutListName",
            "arn:aws:sms-voice:us-west-2:123456789012:opt-out-list/x",
            "Invalid property OptOutListName: expected region us-east-1 (the handler's own), "
            "got 'arn:aws:sms-voice:us-west-2:123456789012:opt-out-list/x'",
        ),
        (
            "PoolId",
            "arn:aws-us-gov:sms-voice:us-east-1:123456789012:pool/pool-1",
            "Invalid property PoolId: expected partition aws (the handler's own), "
            "got 'arn:aws-us-gov:sms-voice:us-east-1:123456789012:pool/pool-1'",
        ),
    ],
)
def test_arns_of_another_region_or_partition_fail(key, value, reason):
    properties = {"PoolId": "p", key: value}
    assert reason_of(properties, partition="aws", region="us-east-1") == reason
    # Without knowing the handler's place, the shape alone is checked.
    parse_properties(properties)


@pytest.mark.parametrize("value", [7, 1.5, None, True, [TOPIC_ARN], {"Ref": "Topic"}])
@pytest.mark.parametrize("key", c.STRING_SETTINGS)
def test_string_settings_reject_other_json_types(key, value):
    assert (
        reason_of({"PoolId": "p", key: value}) == f"Invalid property {key}: expected a string, got {value!r}"
    )


def test_properties_that_are_not_an_object_fail():
    assert reason_of(["PoolId"]) == "Invalid property ResourceProperties: expected an object, got ['PoolId']"


def test_a_4kb_property_gives_a_reason_under_256_characters():
    reason = reason_of({"PoolId": "p", "TwoWayChannelArn": "arn:aws:sns:" + "x" * 4096})
    assert reason.startswith(f"Invalid property TwoWayChannelArn: {CHANNEL_RULE}, got 'arn:aws:sns:xxx")
    assert reason.endswith(" (4108 characters)")
    assert len(reason) <= c.MAX_REASON_LENGTH


def test_a_huge_unknown_key_gives_a_reason_under_256_characters():
    reason = reason_of({"PoolId": "p", "K" * 5000: "1"})
    assert reason.startswith("Invalid property KKKK")
    assert len(reason) <= c.MAX_REASON_LENGTH


def test_opt_out_list_name_is_taken_from_an_arn():
    assert opt_out_list_name(LIST_ARN) == "MainList"
    assert opt_out_list_name("MainList") == "MainList"


def test_removal_policy_is_retain_when_absent_and_never_a_setting():
    parsed = parse_properties({"PoolId": "pool-1", "SharedRoutesEnabled": "true"})
    assert parsed.removal_policy == c.REMOVAL_RETAIN
    chosen = parse_properties({"PoolId": "pool-1", "RemovalPolicy": "destroy"})
    assert (chosen.removal_policy, dict(chosen.settings)) == (c.REMOVAL_DESTROY, {})


@pytest.mark.parametrize("value", ["Destroy", "RETAIN", "snapshot", "", True, ["destroy"], None])
def test_removal_policy_accepts_exactly_retain_or_destroy(value):
    reason = reason_of({"PoolId": "pool-1", "RemovalPolicy": value})
    assert reason.startswith('Invalid property RemovalPolicy: expected "retain" or "destroy", got ')
    assert repr(value) in reason
