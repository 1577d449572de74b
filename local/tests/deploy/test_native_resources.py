"""The native SMS resources on the emulator, with small hand-written templates (no synth needed)."""

from __future__ import annotations

import pytest
from sms_pool_settings_local.deploy.errors import TemplateError
from sms_pool_settings_local.deploy.session import LocalAccount
from sms_pool_settings_local.deploy.template import Template


def stack(list_name: str, **pool_props) -> Template:
    return Template(
        "Native",
        {
            "Resources": {
                "List": {"Type": "AWS::SMSVOICE::OptOutList", "Properties": {"OptOutListName": list_name}},
                "Pool": {
                    "Type": "AWS::SMSVOICE::Pool",
                    "Properties": {
                        "OriginationIdentities": [
                            {"Fn::Sub": "arn:${AWS::Partition}:sms-voice:${AWS::Region}:1:x"}
                        ],
                        "MandatoryKeywords": {"HELP": {"Message": "h"}, "STOP": {"Message": "s"}},
                        "OptOutListName": {"Ref": "List"},
                        **pool_props,
                    },
                },
            }
        },
    )


@pytest.fixture
def account(tmp_path):
    with LocalAccount(tmp_path / "state") as acct:
        yield acct


def test_a_new_opt_out_list_name_replaces_the_list_and_the_old_one_is_deleted_after_the_pool_moved(account):
    assert account.deploy(stack("first")).ok
    pool_id = account.store.load("Native").resources["Pool"].physical_id
    # WHEN
    result = account.deploy(stack("second"))
    # THEN
    assert result.ok
    order = [(e.logical_id, e.status) for e in result.events]
    assert order.index(("List", "UPDATE_COMPLETE")) < order.index(("Pool", "UPDATE_COMPLETE"))
    assert order.index(("Pool", "UPDATE_COMPLETE")) < order.index(("List", "DELETE_COMPLETE"))
    assert account.sms().describe_pool(pool_id)["OptOutListName"] == "second"
    names = {x["OptOutListName"] for x in account.sms()._sms.describe_opt_out_lists()["OptOutLists"]}
    assert "second" in names and "first" not in names


def test_a_pool_update_sends_only_the_settings_that_changed(account):
    account.deploy(stack("list", SharedRoutesEnabled=True))
    account.control.clear_calls()
    assert account.deploy(stack("list", SharedRoutesEnabled=True, DeletionProtectionEnabled=True)).ok
    (call,) = account.control.calls("UpdatePool")
    assert set(call["request"]) == {"PoolId", "DeletionProtectionEnabled"}
    pool_id = account.store.load("Native").resources["Pool"].physical_id
    live = account.sms().describe_pool(pool_id)
    assert (live["SharedRoutesEnabled"], live["DeletionProtectionEnabled"]) == (True, True)


def test_a_resource_type_that_cannot_be_emulated_is_named_before_anything_is_created(account):
    template = stack("list")
    template.body["Resources"]["Queue"] = {"Type": "AWS::SQS::Queue", "Properties": {}}
    with pytest.raises(
        TemplateError, match="Queue: resource type AWS::SQS::Queue cannot be emulated locally"
    ):
        account.deploy(template)
    assert account.control.calls() == []


def test_cfn_lint_errors_stop_the_deploy_before_any_change_and_name_the_rule(account):
    template = stack("list")
    template.body["Resources"]["Pool"]["Properties"]["DeletionProtection"] = True  # not a Pool property
    with pytest.raises(
        TemplateError, match=r"failed cfn-lint with 1 error\(s\), nothing was changed:\n  E3002 "
    ):
        account.deploy(template)
    assert account.control.calls() == [] and account.store.load("Native") is None


def test_each_role_the_driver_creates_is_registered_assumable_after_the_propagation_delay(tmp_path):
    import time

    template = stack("list")
    template.body["Resources"]["Role"] = {
        "Type": "AWS::IAM::Role",
        "Properties": {
            "AssumeRolePolicyDocument": {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Principal": {"Service": "sms-voice.amazonaws.com"},
                        "Action": "sts:AssumeRole",
                    }
                ],
            }
        },
    }
    with LocalAccount(tmp_path / "state", role_propagation_seconds=30) as account:
        before = time.time()
        assert account.deploy(template).ok
        arn = account.store.load("Native").resources["Role"].attributes["Arn"]
        (role,) = account.control.roles()
        assert role["role_arn"] == arn and before + 29 <= role["assumable_at"] <= time.time() + 31


def test_an_sns_topic_is_recorded_with_its_arn_as_ref_and_its_name_and_arn_as_attributes(account):
    # GIVEN a pool's two-way channel is a topic of the stack (Ref is the ARN; GetAtt TopicName)
    template = stack("list")
    template.body["Resources"]["Topic"] = {"Type": "AWS::SNS::Topic", "Properties": {"FifoTopic": "true"}}
    template.body["Outputs"] = {
        "TopicRef": {"Value": {"Ref": "Topic"}},
        "TopicName": {"Value": {"Fn::GetAtt": ["Topic", "TopicName"]}},
    }
    # WHEN
    assert account.deploy(template).ok
    # THEN
    state = account.store.load("Native")
    topic = state.resources["Topic"]
    assert not topic.local
    assert topic.physical_id == f"arn:aws:sns:us-east-1:123456789012:{topic.attributes['TopicName']}"
    assert topic.attributes["TopicName"].startswith("Native-Topic") and topic.attributes[
        "TopicName"
    ].endswith(".fifo")
    assert state.outputs["TopicRef"]["Value"] == topic.physical_id == topic.attributes["TopicArn"]


def test_get_template_answers_the_template_deployed_and_the_previous_one_after_an_update_rolled_back(account):
    # GIVEN a deployed stack, then an update whose pool change the service refuses
    first = stack("list", SharedRoutesEnabled=True)
    assert account.deploy(first).ok
    second = stack("list", SharedRoutesEnabled=False)
    account.control.add_fault("UpdatePool", "conflict", reason="RESOURCE_MODIFICATION_NOT_ALLOWED")
    # WHEN
    assert not account.deploy(second).ok
    # THEN CloudFormation keeps the first template (GetTemplate), and the state says so for later commands
    state = account.store.load("Native")
    assert state.status == "UPDATE_ROLLBACK_COMPLETE"
    assert state.template == first.body
    (published,) = account.stand_ins.directory.stacks().values()
    assert published.template == first.body
    # AND after a successful update, the new one
    third = stack("list", DeletionProtectionEnabled=True)
    assert account.deploy(third).ok
    assert account.store.load("Native").template == third.body
    (published,) = account.stand_ins.directory.stacks().values()
    assert published.template == third.body
