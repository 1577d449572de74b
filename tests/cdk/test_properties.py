"""The properties PoolSettings emits, for every form each argument takes, and nothing for what is left out."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest
from aws_cdk import CfnParameter, Stack, Token
from aws_cdk import aws_iam as iam
from aws_cdk import aws_smsvoice as smsvoice
from aws_cdk import aws_sns as sns
from aws_cdk.assertions import Match, Template
from pool_settings_handler.constants import (
    ALL_PROPERTIES,
    ATTR_CHANGED_FIELDS,
    ATTR_MESSAGE_TYPE,
    ATTR_POOL_ARN,
    ATTR_POOL_ID,
    ATTR_STATUS,
    MANAGED_SETTINGS,
    PROP_RECONCILE_TOKEN,
    RESOURCE_TYPE,
)
from sms_pool_settings import PoolSettings

POOL = "pool-0123456789abcdef0123456789abcdef"
POOL_ARN = f"arn:aws:sms-voice:us-east-1:123456789012:pool/{POOL}"
# Other pools: one app may not manage one setting of a pool twice (tests/cdk/test_ownership.py).
LITERALS_POOL = "pool-1123456789abcdef0123456789abcdef"
OPT_OUT_LIST_POOL = "pool-2223456789abcdef0123456789abcdef"
CONNECT_POOL = "pool-3333456789abcdef0123456789abcdef"
TOPIC_ARN = "arn:aws:sns:us-east-1:123456789012:inbound-sms"
ROLE_ARN = "arn:aws:iam::123456789012:role/sms-inbound"
OPT_OUT_LIST_ARN = "arn:aws:sms-voice:us-east-1:123456789012:opt-out-list/customers"


def _mandatory_keywords() -> smsvoice.CfnPool.MandatoryKeywordsProperty:
    return smsvoice.CfnPool.MandatoryKeywordsProperty(
        help=smsvoice.CfnPool.MandatoryKeywordProperty(message="help"),
        stop=smsvoice.CfnPool.MandatoryKeywordProperty(message="stop"),
    )


@pytest.fixture(scope="module")
def forms(h: SimpleNamespace) -> SimpleNamespace:
    """One stack, one PoolSettings per argument form, synthesized once."""
    # GIVEN
    stack: Stack = h.new_stack()
    pool = smsvoice.CfnPool(
        stack,
        "Pool",
        origination_identities=[f"arn:aws:sms-voice:us-east-1:123456789012:phone-number/phone-{'0' * 32}"],
        mandatory_keywords=_mandatory_keywords(),
    )
    opt_out_list = smsvoice.CfnOptOutList(stack, "OptOutList")
    topic = sns.Topic(stack, "Topic")
    role = iam.Role(stack, "InboundRole", assumed_by=iam.ServicePrincipal("sms-voice.amazonaws.com"))
    parameter = CfnParameter(stack, "PoolParameter", type="String")
    flag = CfnParameter(stack, "FlagParameter", type="String", allowed_values=["true", "false"])

    # WHEN
    made = {
        "bare_id": PoolSettings(stack, "BareId", pool=POOL),
        "arn_booleans": PoolSettings(
            stack,
            "ArnBooleans",
            pool=POOL_ARN,
            two_way_enabled=True,
            self_managed_opt_outs_enabled=False,
            shared_routes_enabled=True,
            deletion_protection_enabled=False,
        ),
        "cfn_objects": PoolSettings(stack, "CfnObjects", pool=pool, opt_out_list=opt_out_list),
        "l2_objects": PoolSettings(
            stack, "L2Objects", pool=POOL, two_way_channel=topic, two_way_channel_role=role
        ),
        "literals": PoolSettings(
            stack,
            "Literals",
            pool=LITERALS_POOL,
            two_way_channel=TOPIC_ARN,
            two_way_channel_role=ROLE_ARN,
            opt_out_list="customers",
        ),
        "opt_out_list_arn": PoolSettings(
            stack, "OptOutListArn", pool=OPT_OUT_LIST_POOL, opt_out_list=OPT_OUT_LIST_ARN
        ),
        "connect": PoolSettings(
            stack, "Connect", pool=CONNECT_POOL, two_way_channel="connect.us-east-1.amazonaws.com"
        ),
        "tokens": PoolSettings(
            stack,
            "Tokens",
            pool=parameter.value_as_string,
            two_way_enabled=flag.value_as_string,  # type: ignore[arg-type]
            two_way_channel=parameter.value_as_string,
            two_way_channel_role=parameter.value_as_string,
            opt_out_list=parameter.value_as_string,
            reconcile_token=parameter.value_as_string,
        ),
        "reconcile": PoolSettings(stack, "Reconcile", pool=POOL, reconcile_token="build-42"),
    }
    template = Template.from_stack(stack)
    resources = template.to_json()["Resources"]

    def props(name: str) -> dict[str, Any]:
        logical_id = stack.resolve(made[name]._resource.node.default_child.logical_id)  # type: ignore[union-attr]
        return dict(resources[logical_id]["Properties"])

    return SimpleNamespace(
        stack=stack, template=template, props=props, made=made, pool=pool, topic=topic, role=role
    )


def _without_framework(properties: dict[str, Any]) -> dict[str, Any]:
    service_token = properties.pop("ServiceToken")
    assert service_token["Fn::GetAtt"][0].startswith("SmsPoolSettingsProviderFunction")
    properties.pop("ServiceTimeout")
    return properties


def test_a_bare_pool_id_emits_only_the_pool_id(forms: SimpleNamespace) -> None:
    # THEN
    assert _without_framework(forms.props("bare_id")) == {"PoolId": POOL}


def test_a_bare_pool_leaves_every_setting_absent(forms: SimpleNamespace) -> None:
    # THEN
    forms.template.has_resource_properties(
        RESOURCE_TYPE,
        {
            "PoolId": POOL,
            **{key: Match.absent() for key in MANAGED_SETTINGS},
            PROP_RECONCILE_TOKEN: Match.absent(),
        },
    )


def test_booleans_are_emitted_as_real_booleans_true_and_false(forms: SimpleNamespace) -> None:
    # THEN
    assert _without_framework(forms.props("arn_booleans")) == {
        "PoolId": POOL_ARN,
        "TwoWayEnabled": True,
        "SelfManagedOptOutsEnabled": False,
        "SharedRoutesEnabled": True,
        "DeletionProtectionEnabled": False,
    }


def test_a_cfn_pool_gives_its_pool_id_and_a_cfn_opt_out_list_its_name(forms: SimpleNamespace) -> None:
    # THEN
    assert _without_framework(forms.props("cfn_objects")) == {
        "PoolId": {"Fn::GetAtt": ["Pool", "PoolId"]},
        "OptOutListName": {"Ref": "OptOutList"},
    }


def test_a_topic_and_a_role_give_their_arns(forms: SimpleNamespace) -> None:
    # THEN
    stack = forms.stack
    assert _without_framework(forms.props("l2_objects")) == {
        "PoolId": POOL,
        "TwoWayChannelArn": stack.resolve(forms.topic.topic_arn),
        "TwoWayChannelRole": stack.resolve(forms.role.role_arn),
    }


def test_literal_arns_and_an_opt_out_list_name_are_passed_through(forms: SimpleNamespace) -> None:
    # THEN
    assert _without_framework(forms.props("literals")) == {
        "PoolId": LITERALS_POOL,
        "TwoWayChannelArn": TOPIC_ARN,
        "TwoWayChannelRole": ROLE_ARN,
        "OptOutListName": "customers",
    }
    assert _without_framework(forms.props("opt_out_list_arn")) == {
        "PoolId": OPT_OUT_LIST_POOL,
        "OptOutListName": OPT_OUT_LIST_ARN,
    }


def test_amazon_connect_is_accepted_as_the_two_way_channel(forms: SimpleNamespace) -> None:
    # THEN
    assert forms.props("connect")["TwoWayChannelArn"] == "connect.us-east-1.amazonaws.com"


def test_tokens_are_accepted_and_emitted_as_references(forms: SimpleNamespace) -> None:
    # THEN
    reference = {"Ref": "PoolParameter"}
    assert _without_framework(forms.props("tokens")) == {
        "PoolId": reference,
        "TwoWayEnabled": {"Ref": "FlagParameter"},
        "TwoWayChannelArn": reference,
        "TwoWayChannelRole": reference,
        "OptOutListName": reference,
        "ReconcileToken": reference,
    }


def test_the_reconcile_token_is_emitted_only_when_given(forms: SimpleNamespace) -> None:
    # THEN
    assert forms.props("reconcile")[PROP_RECONCILE_TOKEN] == "build-42"
    assert PROP_RECONCILE_TOKEN not in forms.props("bare_id")


def test_the_custom_resource_fails_in_minutes_and_after_the_lambda_timeout(forms: SimpleNamespace) -> None:
    # THEN
    timeouts = {
        r["Properties"]["ServiceTimeout"] for r in forms.template.find_resources(RESOURCE_TYPE).values()
    }
    (function,) = forms.template.find_resources("AWS::Lambda::Function").values()
    assert timeouts == {"900"}
    assert int(next(iter(timeouts))) > function["Properties"]["Timeout"] == 600


@pytest.mark.parametrize(
    ("attribute", "name"),
    [
        ("attr_pool_arn", ATTR_POOL_ARN),
        ("attr_pool_id", ATTR_POOL_ID),
        ("attr_status", ATTR_STATUS),
        ("attr_message_type", ATTR_MESSAGE_TYPE),
        ("attr_changed_fields", ATTR_CHANGED_FIELDS),
    ],
)
def test_each_attribute_reads_the_handlers_data_key(
    forms: SimpleNamespace, attribute: str, name: str
) -> None:
    # WHEN
    value = getattr(forms.made["bare_id"], attribute)
    # THEN
    assert Token.is_unresolved(value)
    logical_id = forms.stack.resolve(forms.made["bare_id"]._resource.node.default_child.logical_id)
    assert forms.stack.resolve(value) == {"Fn::GetAtt": [logical_id, name]}


def test_every_property_key_is_one_the_handler_accepts(forms: SimpleNamespace) -> None:
    # THEN
    emitted = {key for r in forms.template.find_resources(RESOURCE_TYPE).values() for key in r["Properties"]}
    assert emitted <= set(ALL_PROPERTIES)
