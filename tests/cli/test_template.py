"""The template fallback (``sms_pool_settings_cli.template``, pure): what CloudFormation's answers give
back for a ``PoolSettings`` without a record, and a clear error for what they cannot."""

from __future__ import annotations

import doctest

import pytest
from sms_pool_settings_cli import report, template
from sms_pool_settings_cli.errors import UndeterminedError
from sms_pool_settings_cli.template import Deployed, declared_properties, imports_anything

STACK_ID = "arn:aws:cloudformation:eu-west-1:123456789012:stack/Messaging/5f6a-11ef"
TOPIC_ARN = "arn:aws:sns:eu-west-1:123456789012:Messaging-Inbound-ABC"


def _deployed(properties: dict, **extra) -> Deployed:
    body = {
        "Parameters": {
            "Flag": {"Type": "String", "Default": "true"},
            "Names": {"Type": "CommaDelimitedList"},
            "Secret": {"Type": "String", "NoEcho": True},
        },
        "Conditions": {
            "IsProd": {"Fn::Equals": [{"Ref": "Flag"}, "false"]},
            "NotProd": {"Fn::Not": [{"Condition": "IsProd"}]},
            "Both": {
                "Fn::And": [
                    {"Condition": "IsProd"},
                    {"Fn::Or": [{"Condition": "NotProd"}, {"Fn::Equals": ["a", "a"]}]},
                ]
            },
        },
        "Mappings": {"Stages": {"prod": {"Protect": "true"}}},
        "Resources": {
            "Settings": {"Type": "Custom::SmsPoolSettings", "Properties": {"PoolId": "pool-1", **properties}},
            "Topic": {"Type": "AWS::SNS::Topic"},
            "Role": {"Type": "AWS::IAM::Role", "Properties": {"Path": "/sms/"}},
            "Pool": {"Type": "AWS::SMSVOICE::Pool"},
            "List": {"Type": "AWS::SMSVOICE::OptOutList"},
            "Other": {"Type": "Custom::Other"},
        },
        **extra,
    }
    physical = {
        "Topic": TOPIC_ARN,
        "Role": "Messaging-Role-XYZ",
        "Pool": "pool-2",
        "List": "Messaging-List-1",
    }
    return Deployed(body, "Messaging", STACK_ID, {"Flag": "false", "Names": "a,b", "Secret": "****"},
                    physical, {"Shared:List": "SharedList"})  # fmt: skip


@pytest.mark.parametrize("module", [template, report])
def test_the_modules_examples_hold(module):
    result = doctest.testmod(module)
    assert result.attempted > 0
    assert result.failed == 0


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ({"Ref": "Flag"}, "false"),  # as deployed, not the Default
        ({"Ref": "Topic"}, TOPIC_ARN),  # a topic of the stack: Ref is its ARN
        ({"Fn::GetAtt": ["Topic", "TopicArn"]}, TOPIC_ARN),
        ({"Fn::GetAtt": "Topic.TopicName"}, "Messaging-Inbound-ABC"),
        ({"Fn::GetAtt": ["Role", "Arn"]}, "arn:aws:iam::123456789012:role/sms/Messaging-Role-XYZ"),
        ({"Fn::GetAtt": ["Pool", "Arn"]}, "arn:aws:sms-voice:eu-west-1:123456789012:pool/pool-2"),
        (
            {"Fn::GetAtt": ["List", "Arn"]},
            "arn:aws:sms-voice:eu-west-1:123456789012:opt-out-list/Messaging-List-1",
        ),
        ({"Fn::ImportValue": "Shared:List"}, "SharedList"),
        (
            {"Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"}, ":", {"Ref": "AWS::Region"}]]},
            "arn:aws:eu-west-1",
        ),
        ({"Fn::Sub": "${AWS::AccountId}/${Topic.TopicName}"}, "123456789012/Messaging-Inbound-ABC"),
        ({"Fn::Sub": "x", "Other": {"Ref": "Flag"}}, {"Fn::Sub": "x", "Other": "false"}),  # no intrinsic
        ({"Fn::Sub": ["${AWS::StackName}-${Suffix}", {"Suffix": {"Ref": "Flag"}}]}, "Messaging-false"),
        ({"Fn::Select": [1, {"Ref": "Names"}]}, "b"),
        ({"Fn::Select": ["0", {"Fn::Split": [",", "x,y"]}]}, "x"),
        ({"Fn::If": ["IsProd", "true", "false"]}, "true"),
        ({"Fn::If": ["NotProd", "true", {"Ref": "AWS::NoValue"}]}, "absent"),
        ({"Fn::If": ["Both", "yes", "no"]}, "yes"),
        ({"Fn::FindInMap": ["Stages", "prod", "Protect"]}, "true"),
    ],
)
def test_what_cloudformation_gives_back_is_resolved(value, expected):
    properties = declared_properties(_deployed({"TwoWayChannelArn": value}), "Settings")
    if expected == "absent":
        assert "TwoWayChannelArn" not in properties
    else:
        assert properties["TwoWayChannelArn"] == expected


def test_an_escaped_sub_variable_is_literal_text():
    properties = declared_properties(_deployed({"OptOutListName": {"Fn::Sub": "a-${!Name}"}}), "Settings")

    assert properties["OptOutListName"] == "a-${Name}"


def test_only_the_pool_and_the_settings_are_read_back():
    deployed = _deployed(
        {"ServiceToken": {"Fn::GetAtt": ["Other", "Arn"]}, "ReconcileToken": {"Ref": "Nope"}}
    )

    assert declared_properties(deployed, "Settings") == {"PoolId": "pool-1"}


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ({"Ref": "Secret"}, "Ref Secret: a NoEcho parameter's deployed value cannot be read back"),
        ({"Ref": "Missing"}, "Ref Missing: no such parameter, resource or pseudo parameter"),
        (
            {"Ref": "AWS::NotificationARNs"},
            "Ref AWS::NotificationARNs: this pseudo parameter cannot be read back",
        ),
        (
            {"Fn::GetAtt": ["Other", "PoolArn"]},
            "Fn::GetAtt Other.PoolArn (Custom::Other) cannot be derived from the physical ID CloudFormation "
            "reports",
        ),
        ({"Fn::GetAtt": ["Role", "RoleId"]}, "Fn::GetAtt Role.RoleId (AWS::IAM::Role) cannot be derived"),
        ({"Ref": "Other"}, "Ref Other: CloudFormation reports no physical ID for it"),
        ({"Fn::ImportValue": "Nope"}, "Fn::ImportValue Nope: ListExports has no such export in eu-west-1"),
        ({"Fn::Base64": "x"}, "Fn::Base64 cannot be read back from CloudFormation's answers"),
        ({"Fn::If": ["Unknown", "a", "b"]}, "Condition Unknown: no such condition in the template"),
        ({"Fn::Select": [5, ["a"]]}, "Fn::Select index 5 is not in ['a']"),
        ({"Fn::FindInMap": ["Stages", "dev", "Protect"]}, "Fn::FindInMap Stages.dev.Protect: no such entry"),
    ],
)
def test_a_value_that_cannot_be_determined_is_an_error_naming_resource_property_and_reason(value, reason):
    with pytest.raises(UndeterminedError) as raised:
        declared_properties(_deployed({"TwoWayChannelRole": value}), "Settings")

    assert str(raised.value).startswith(f"Messaging Settings.TwoWayChannelRole: {reason}")


def test_a_resource_the_template_does_not_have_is_an_error():
    with pytest.raises(UndeterminedError, match=r"^Gone: the deployed template has no such resource$"):
        declared_properties(_deployed({}), "Gone")


def test_exports_are_asked_for_only_when_something_imports():
    assert imports_anything({"A": {"B": [{"Fn::ImportValue": "x"}]}})
    assert not imports_anything({"A": {"Ref": "B"}, "C": ["ImportValue"]})
