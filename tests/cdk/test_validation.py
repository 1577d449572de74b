"""Synth-time rejection of every literal the SMS service would reject, with the exact message."""

from __future__ import annotations

import re
from types import SimpleNamespace
from typing import Any

import pytest
from aws_cdk import Annotations as CdkAnnotations
from aws_cdk import CfnParameter
from aws_cdk import aws_iam as iam
from aws_cdk import aws_smsvoice as smsvoice
from aws_cdk import aws_sns as sns
from aws_cdk.assertions import Annotations, Match, Template
from sms_pool_settings import PoolSettings

POOL = "pool-0123456789abcdef0123456789abcdef"
POOL_ARN_SHAPE = "arn:<partition>:sms-voice:<region>:<account>:pool/<pool ID>"
OPT_OUT_LIST_ARN_SHAPE = "arn:<partition>:sms-voice:<region>:<account>:opt-out-list/<name>"
TOPIC_SHAPE = "arn:<partition>:sns:<region>:<account>:<topic name>"
ROLE_SHAPE = "arn:<partition>:iam::<account>:role/<name>"
LONG_TOPIC = "arn:aws:sns:us-east-1:123456789012:" + "t" * 2020

REJECTED: list[tuple[str, dict[str, Any], str]] = [
    # pool
    (
        "space",
        {"pool": "my pool"},
        "pool must be a pool ID or pool ARN matching [A-Za-z0-9_:/-]{1,256}, got 'my pool'",
    ),
    ("empty", {"pool": ""}, "pool must be a pool ID or pool ARN matching [A-Za-z0-9_:/-]{1,256}, got ''"),
    (
        "257 characters",
        {"pool": "p" * 257},
        f"pool must be a pool ID or pool ARN matching [A-Za-z0-9_:/-]{{1,256}}, got '{'p' * 257}'",
    ),
    (
        "unicode",
        {"pool": "pool-é"},
        "pool must be a pool ID or pool ARN matching [A-Za-z0-9_:/-]{1,256}, got 'pool-é'",
    ),
    (
        "arn of another service",
        {"pool": "arn:aws:sns:us-east-1:123456789012:pool/x"},
        f"pool must be a pool ID or a pool ARN shaped {POOL_ARN_SHAPE}, "
        "got 'arn:aws:sns:us-east-1:123456789012:pool/x'",
    ),
    (
        "arn of a phone number",
        {"pool": "arn:aws:sms-voice:us-east-1:123456789012:phone-number/phone-1"},
        f"pool must be a pool ID or a pool ARN shaped {POOL_ARN_SHAPE}, "
        "got 'arn:aws:sms-voice:us-east-1:123456789012:phone-number/phone-1'",
    ),
    (
        "id with a slash",
        {"pool": "pools/pool-1"},
        f"pool must be a pool ID or a pool ARN shaped {POOL_ARN_SHAPE}, got 'pools/pool-1'",
    ),
    (
        "arn of another region",
        {"pool": f"arn:aws:sms-voice:eu-west-1:123456789012:pool/{POOL}"},
        "pool must be in the stack's region us-east-1, "
        f"got 'arn:aws:sms-voice:eu-west-1:123456789012:pool/{POOL}' (region eu-west-1)",
    ),
    (
        "arn of another partition",
        {"pool": f"arn:aws-cn:sms-voice:us-east-1:123456789012:pool/{POOL}"},
        "pool must be in the stack's partition aws, "
        f"got 'arn:aws-cn:sms-voice:us-east-1:123456789012:pool/{POOL}' (partition aws-cn)",
    ),
    (
        "wrong type",
        {"pool": 42},
        "pool must be a pool ID, a pool ARN, an aws_smsvoice.CfnPool or a PoolSelector, got 42",
    ),
    # booleans
    ("string true", {"two_way_enabled": "true"}, "two_way_enabled must be True or False, got 'true'"),
    (
        "one",
        {"self_managed_opt_outs_enabled": 1},
        "self_managed_opt_outs_enabled must be True or False, got 1",
    ),
    ("none-like", {"shared_routes_enabled": "no"}, "shared_routes_enabled must be True or False, got 'no'"),
    (
        "list",
        {"deletion_protection_enabled": [True]},
        "deletion_protection_enabled must be True or False, got [True]",
    ),
    # two-way channel
    (
        "not an arn",
        {"two_way_channel": "my-topic-name-is-long"},
        f"two_way_channel must be an SNS topic ARN shaped {TOPIC_SHAPE} or connect.<region>.amazonaws.com "
        "for Amazon Connect, got 'my-topic-name-is-long' (a topic name? give its ARN or an sns.ITopic)",
    ),
    (
        "short topic name",
        {"two_way_channel": "inbound"},
        f"two_way_channel must be an SNS topic ARN shaped {TOPIC_SHAPE} or connect.<region>.amazonaws.com "
        "for Amazon Connect, got 'inbound' (a topic name? give its ARN or an sns.ITopic)",
    ),
    (
        "short",
        {"two_way_channel": "arn:aws:sns"},
        "two_way_channel must be 20 to 2048 characters without spaces, got 'arn:aws:sns' (11 characters)",
    ),
    (
        "too long",
        {"two_way_channel": LONG_TOPIC},
        f"two_way_channel must be 20 to 2048 characters without spaces, got '{LONG_TOPIC}' (2055 characters)",
    ),
    (
        "space",
        {"two_way_channel": "arn:aws:sns:us-east-1:123456789012:my topic"},
        "two_way_channel must be 20 to 2048 characters without spaces, "
        "got 'arn:aws:sns:us-east-1:123456789012:my topic' (43 characters)",
    ),
    (
        "sqs queue",
        {"two_way_channel": "arn:aws:sqs:us-east-1:123456789012:inbound"},
        f"two_way_channel must be an SNS topic ARN shaped {TOPIC_SHAPE} or connect.<region>.amazonaws.com "
        "for Amazon Connect, got 'arn:aws:sqs:us-east-1:123456789012:inbound'",
    ),
    (
        "topic in another region",
        {"two_way_channel": "arn:aws:sns:eu-west-1:123456789012:inbound"},
        "two_way_channel must be in the stack's region us-east-1, "
        "got 'arn:aws:sns:eu-west-1:123456789012:inbound' (region eu-west-1)",
    ),
    (
        "connect in another region",
        {"two_way_channel": "connect.eu-west-1.amazonaws.com"},
        "two_way_channel must be in the stack's region us-east-1, "
        "got 'connect.eu-west-1.amazonaws.com' (region eu-west-1)",
    ),
    (
        "channel of wrong type",
        {"two_way_channel": 7},
        "two_way_channel must be an SNS topic ARN, an sns.ITopic or a Connect endpoint, got 7",
    ),
    # two-way role
    (
        "role name instead of arn",
        {"two_way_channel_role": "SmsRole"},
        f"two_way_channel_role must be an IAM role ARN shaped {ROLE_SHAPE}, got 'SmsRole' "
        "(a role name? give its ARN or an iam.IRole)",
    ),
    (
        "user instead of role",
        {"two_way_channel_role": "arn:aws:iam::123456789012:user/alice"},
        f"two_way_channel_role must be an IAM role ARN shaped {ROLE_SHAPE}, "
        "got 'arn:aws:iam::123456789012:user/alice'",
    ),
    (
        "role of another account",
        {"two_way_channel_role": "arn:aws:iam::210987654321:role/inbound"},
        "two_way_channel_role must be in the stack's account 123456789012 "
        "(iam:PassRole cannot pass another account's role), got 'arn:aws:iam::210987654321:role/inbound'",
    ),
    (
        "role of another partition",
        {"two_way_channel_role": "arn:aws-us-gov:iam::123456789012:role/inbound"},
        "two_way_channel_role must be in the stack's partition aws, "
        "got 'arn:aws-us-gov:iam::123456789012:role/inbound' (partition aws-us-gov)",
    ),
    (
        "role too short",
        {"two_way_channel_role": "arn:aws:iam::1:role"},
        "two_way_channel_role must be 20 to 2048 characters without spaces, "
        "got 'arn:aws:iam::1:role' (19 characters)",
    ),
    # opt-out list
    (
        "name with a space",
        {"opt_out_list": "my list"},
        "opt_out_list must be an opt-out list name or ARN matching [A-Za-z0-9_:/-]{1,256}, got 'my list'",
    ),
    (
        "name of 65 characters",
        {"opt_out_list": "n" * 65},
        f"opt_out_list must be an opt-out list name matching [A-Za-z0-9_-]{{1,64}}, got '{'n' * 65}'",
    ),
    (
        "arn of a pool",
        {"opt_out_list": f"arn:aws:sms-voice:us-east-1:123456789012:pool/{POOL}"},
        f"opt_out_list must be an opt-out list name or an ARN shaped {OPT_OUT_LIST_ARN_SHAPE}, "
        f"got 'arn:aws:sms-voice:us-east-1:123456789012:pool/{POOL}'",
    ),
    (
        "arn of another region",
        {"opt_out_list": "arn:aws:sms-voice:us-west-2:123456789012:opt-out-list/customers"},
        "opt_out_list must be in the stack's region us-east-1, "
        "got 'arn:aws:sms-voice:us-west-2:123456789012:opt-out-list/customers' (region us-west-2)",
    ),
    (
        "opt-out list of wrong type",
        {"opt_out_list": ["customers"]},
        "opt_out_list must be an opt-out list name, an ARN or an aws_smsvoice.CfnOptOutList, "
        "got ['customers']",
    ),
    # reconcile token
    (
        "numeric token",
        {"reconcile_token": 42},
        "reconcile_token must be a non-empty string of at most 256 characters, got 42",
    ),
]


@pytest.mark.parametrize(("case", "arguments", "message"), REJECTED, ids=[case for case, _, _ in REJECTED])
def test_a_literal_the_service_would_reject_fails_at_synth_with_its_message(
    h: SimpleNamespace, case: str, arguments: dict[str, Any], message: str
) -> None:
    # GIVEN
    stack = h.new_stack()
    # WHEN / THEN
    with pytest.raises((ValueError, TypeError)) as raised:
        PoolSettings(stack, "Settings", **{"pool": POOL, **arguments})
    assert str(raised.value) == message


def test_a_rejected_argument_creates_no_provider(h: SimpleNamespace) -> None:
    # GIVEN
    stack = h.new_stack()
    # WHEN
    with pytest.raises(ValueError):
        PoolSettings(stack, "Settings", pool="my pool")
    # THEN
    assert stack.node.try_find_child("SmsPoolSettingsProvider") is None


@pytest.mark.parametrize(
    "arguments",
    [
        {"pool": POOL},
        {"pool": f"arn:aws:sms-voice:us-east-1:123456789012:pool/{POOL}"},
        {"pool": "p"},
        {"pool": "A" * 256},
        {"two_way_channel": "arn:aws:sns:us-east-1:123456789012:inbound.fifo"},
        {"two_way_channel": "connect.us-east-1.amazonaws.com"},
        {"two_way_channel_role": "arn:aws:iam::123456789012:role/service-role/sms/inbound"},
        {"opt_out_list": "o"},
        {"opt_out_list": "n" * 64},
        {"opt_out_list": "arn:aws:sms-voice:us-east-1:123456789012:opt-out-list/customers"},
        {"reconcile_token": "r" * 256},
        {"reconcile_token": ""},  # an unset CI variable: no token (see the test below)
        {"two_way_enabled": True, "self_managed_opt_outs_enabled": False},
    ],
)
def test_a_literal_at_the_edge_of_the_service_rules_is_accepted(
    h: SimpleNamespace, arguments: dict[str, Any]
) -> None:
    # GIVEN
    stack = h.new_stack()
    # WHEN
    settings = PoolSettings(stack, "Settings", **{"pool": POOL, **arguments})
    # THEN
    assert settings.node.try_find_child("Resource") is not None


def test_an_arn_of_another_account_is_accepted_with_a_warning(h: SimpleNamespace) -> None:
    # GIVEN
    stack = h.new_stack()
    shared = f"arn:aws:sms-voice:us-east-1:210987654321:pool/{POOL}"
    # WHEN
    PoolSettings(stack, "Settings", pool=shared)
    # THEN
    Annotations.from_stack(stack).has_warning(
        "/TestStack/Settings",
        Match.string_like_regexp(
            f"pool '{shared}' is in account 210987654321, "
            "not the stack's account 123456789012: it must be shared"
        ),
    )


def test_arns_are_not_compared_with_an_environment_agnostic_stack(h: SimpleNamespace) -> None:
    # GIVEN
    stack = h.new_stack(account=None, region=None)
    # WHEN
    PoolSettings(
        stack,
        "Settings",
        pool=f"arn:aws-cn:sms-voice:cn-north-1:210987654321:pool/{POOL}",
        two_way_channel_role="arn:aws-cn:iam::210987654321:role/inbound",
    )
    # THEN
    Annotations.from_stack(stack).has_no_warning("*", Match.string_like_regexp("account"))


def test_tokens_are_left_to_the_handler(h: SimpleNamespace) -> None:
    # GIVEN
    stack = h.new_stack()
    topic = sns.Topic(stack, "Topic")
    role = iam.Role(stack, "Role", assumed_by=iam.ServicePrincipal("sms-voice.amazonaws.com"))
    # WHEN
    settings = PoolSettings(
        stack,
        "Settings",
        pool=stack.format_arn(service="sms-voice", resource="pool", resource_name=POOL),
        two_way_channel=topic,
        two_way_channel_role=role,
        opt_out_list=stack.format_arn(service="sms-voice", resource="opt-out-list", resource_name="x"),
        reconcile_token=stack.stack_id,
    )
    # THEN
    assert settings.node.try_find_child("Resource") is not None


def _pool(stack: Any, **declared: Any) -> smsvoice.CfnPool:
    return smsvoice.CfnPool(
        stack,
        "Pool",
        origination_identities=["arn:aws:sms-voice:us-east-1:123456789012:phone-number/phone-1"],
        mandatory_keywords=smsvoice.CfnPool.MandatoryKeywordsProperty(
            help=smsvoice.CfnPool.MandatoryKeywordProperty(message="help"),
            stop=smsvoice.CfnPool.MandatoryKeywordProperty(message="stop"),
        ),
        **declared,
    )


def _both(cfn_key: str, argument: str) -> str:
    return f"{cfn_key} and PoolSettings argument {argument}"


CHANNEL = "arn:aws:sns:us-east-1:123456789012:t"
CONFLICTS = [
    ({"deletion_protection_enabled": True}, {"deletion_protection_enabled": True},
     _both("DeletionProtectionEnabled", "deletion_protection_enabled")),
    ({"deletion_protection_enabled": False}, {"deletion_protection_enabled": True},
     _both("DeletionProtectionEnabled", "deletion_protection_enabled")),
    ({"shared_routes_enabled": True}, {"shared_routes_enabled": True},
     _both("SharedRoutesEnabled", "shared_routes_enabled")),
    ({"self_managed_opt_outs_enabled": True}, {"self_managed_opt_outs_enabled": False},
     _both("SelfManagedOptOutsEnabled", "self_managed_opt_outs_enabled")),
    ({"opt_out_list_name": "a"}, {"opt_out_list": "b"}, _both("OptOutListName", "opt_out_list")),
    ({"two_way": {"enabled": True}}, {"two_way_enabled": False}, _both("TwoWay.Enabled", "two_way_enabled")),
    ({"two_way": smsvoice.CfnPool.TwoWayProperty(enabled=True, channel_arn=CHANNEL)},
     {"two_way_channel": CHANNEL + "2"}, _both("TwoWay.ChannelArn", "two_way_channel")),
]  # fmt: skip


@pytest.mark.parametrize(("declared", "managed", "named"), CONFLICTS)
def test_a_cfn_pool_that_declares_a_managed_setting_is_rejected_naming_both(
    h: SimpleNamespace, declared: dict[str, Any], managed: dict[str, Any], named: str
) -> None:
    # GIVEN
    stack = h.new_stack()
    pool = _pool(stack, **declared)
    # WHEN / THEN
    with pytest.raises(ValueError) as raised:
        PoolSettings(stack, "Settings", pool=pool, **managed)
    assert str(raised.value) == (
        f"pool CfnPool TestStack/Pool declares {named}: "
        "the two would fight over the setting on every deploy; keep it on one of them"
    )


def test_a_cfn_pool_conflict_names_every_setting_declared_twice(h: SimpleNamespace) -> None:
    # GIVEN
    stack = h.new_stack()
    pool = _pool(
        stack,
        deletion_protection_enabled=True,
        two_way=smsvoice.CfnPool.TwoWayProperty(
            enabled=False, channel_role="arn:aws:iam::123456789012:role/r"
        ),
    )
    # WHEN / THEN
    with pytest.raises(
        ValueError,
        match=re.escape(
            "declares TwoWay.Enabled and PoolSettings argument two_way_enabled; "
            "TwoWay.ChannelRole and PoolSettings argument two_way_channel_role; "
            "DeletionProtectionEnabled and PoolSettings argument deletion_protection_enabled: "
        ),
    ):
        PoolSettings(
            stack,
            "Settings",
            pool=pool,
            two_way_enabled=True,
            two_way_channel_role="arn:aws:iam::123456789012:role/inbound",
            deletion_protection_enabled=True,
        )  # fmt: skip


def test_a_cfn_pool_may_declare_settings_that_pool_settings_leaves_alone(h: SimpleNamespace) -> None:
    # GIVEN
    stack = h.new_stack()
    pool = _pool(stack, deletion_protection_enabled=True, two_way={"enabled": True})
    # WHEN
    settings = PoolSettings(stack, "Settings", pool=pool, two_way_channel="connect.us-east-1.amazonaws.com",
                            shared_routes_enabled=False)  # fmt: skip
    # THEN
    assert settings.node.try_find_child("Resource") is not None


def test_an_empty_reconcile_token_is_no_token(h: SimpleNamespace) -> None:
    # GIVEN: `reconcile_token=os.environ.get("BUILD_ID", "")` in a run where the variable is unset
    stack = h.new_stack()
    # WHEN
    PoolSettings(stack, "Settings", pool=POOL, deletion_protection_enabled=True, reconcile_token="")
    # THEN
    Template.from_stack(stack).has_resource_properties(
        "Custom::SmsPoolSettings", {"PoolId": POOL, "ReconcileToken": Match.absent()}
    )


def test_boolean_flags_take_a_string_token_from_a_cfn_parameter(h: SimpleNamespace) -> None:
    # GIVEN: the documented parameter: allowed values "true"/"false", its value_as_string as it is
    stack = h.new_stack()
    protect = CfnParameter(stack, "Protect", type="String", allowed_values=["true", "false"])
    # WHEN
    PoolSettings(
        stack,
        "Settings",
        pool=POOL,
        two_way_enabled=protect.value_as_string,
        self_managed_opt_outs_enabled=protect.value_as_string,
        shared_routes_enabled=protect.value_as_string,
        deletion_protection_enabled=protect.value_as_string,
    )
    # THEN: the parameter's Ref goes to the template; the handler checks the deployed value
    reference = {"Ref": "Protect"}
    Template.from_stack(stack).has_resource_properties(
        "Custom::SmsPoolSettings",
        {
            "TwoWayEnabled": reference,
            "SelfManagedOptOutsEnabled": reference,
            "SharedRoutesEnabled": reference,
            "DeletionProtectionEnabled": reference,
        },
    )


def _warnings(stack: Any) -> list[tuple[str, str]]:
    return [(m.id, m.entry.data) for m in Annotations.from_stack(stack).find_warning("*", Match.any_value())]


def test_a_pool_settings_that_manages_nothing_gets_an_acknowledgeable_warning(h: SimpleNamespace) -> None:
    # GIVEN
    stack = h.new_stack()
    # WHEN
    PoolSettings(stack, "Nothing", pool=POOL, reconcile_token="build-1")
    PoolSettings(stack, "Something", pool=POOL, shared_routes_enabled=False)
    # THEN
    assert _warnings(stack) == [
        (
            "/TestStack/Nothing",
            "PoolSettings manages no setting: every argument after pool is None, so deploying it changes "
            "nothing on the pool; declare at least one setting or remove it "
            "[ack: sms-pool-settings:managesNothing]",
        )
    ]


def test_two_way_enabled_without_a_channel_anywhere_gets_an_acknowledgeable_warning(
    h: SimpleNamespace,
) -> None:
    # GIVEN
    stack = h.new_stack()
    channel = "connect.us-east-1.amazonaws.com"
    # WHEN
    PoolSettings(stack, "NoChannel", pool=h.pool_id(1), two_way_enabled=True)
    PoolSettings(stack, "Channel", pool=h.pool_id(2), two_way_enabled=True, two_way_channel=channel)
    PoolSettings(stack, "Off", pool=h.pool_id(3), two_way_enabled=False)
    # THEN
    assert _warnings(stack) == [
        (
            "/TestStack/NoChannel",
            "two_way_enabled=True without two_way_channel: a pool with no channel cannot enable two-way "
            "messaging (ValidationException TWO_WAY_CHANNEL_NOT_PRESENT); give two_way_channel unless the "
            "pool already has one [ack: sms-pool-settings:twoWayWithoutChannel]",
        )
    ]


def test_the_warnings_can_be_acknowledged(h: SimpleNamespace) -> None:
    # GIVEN
    stack = h.new_stack()
    settings = PoolSettings(stack, "NoChannel", pool=POOL, two_way_enabled=True)
    # WHEN
    CdkAnnotations.of(settings).acknowledge_warning(
        "sms-pool-settings:twoWayWithoutChannel", "the pool has a channel set in the console"
    )
    # THEN
    assert _warnings(stack) == []


def test_a_cfn_pool_setting_assigned_after_the_pool_settings_fails_at_synth(h: SimpleNamespace) -> None:
    # GIVEN: the CfnPool declares nothing PoolSettings manages when PoolSettings is created
    stack = h.new_stack()
    pool = _pool(stack)
    PoolSettings(stack, "Settings", pool=pool, deletion_protection_enabled=True)
    # WHEN: the CfnPool gets the same setting later
    pool.deletion_protection_enabled = False
    # THEN
    with pytest.raises(RuntimeError) as raised:
        stack.node.root.synth()
    assert (
        "pool CfnPool TestStack/Pool declares DeletionProtectionEnabled and PoolSettings argument "
        "deletion_protection_enabled: the two would fight over the setting on every deploy"
    ) in str(raised.value)
