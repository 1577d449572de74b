"""`drift --aws` reads the deployed stack from CloudFormation (stubbed here) and the pools via the SDK."""

from __future__ import annotations

import json

import boto3
import pytest
from botocore.stub import Stubber
from sms_pool_settings_local.deploy.client import CloudFormationClient
from sms_pool_settings_local.deploy.errors import DeployError
from sms_pool_settings_local.deploy.remote import deployed_state
from sms_pool_settings_local.deploy.session import LocalAccount, drift_of
from sms_pool_settings_local.deploy.template import read_assembly

from .conftest import EXISTING_POOL, STACK

pytestmark = pytest.mark.slow


def stubbed_cloudformation(stack_id: str, template: dict, physical: dict[str, str]):
    client = boto3.client("cloudformation", region_name="us-east-1")
    stubber = Stubber(client)
    stubber.add_response("describe_stacks", {"Stacks": [{
        "StackName": STACK, "StackId": stack_id, "CreationTime": "2026-01-01T00:00:00Z",
        "StackStatus": "UPDATE_COMPLETE"}]}, {"StackName": STACK})  # fmt: skip
    stubber.add_response(
        "get_template",
        {"TemplateBody": json.dumps(template)},
        {"StackName": STACK, "TemplateStage": "Original"},
    )
    types = {name: spec["Type"] for name, spec in template["Resources"].items()}
    summaries = [
        {"LogicalResourceId": name, "PhysicalResourceId": pid, "ResourceType": types[name],
         "LastUpdatedTimestamp": "2026-01-01T00:00:00Z", "ResourceStatus": "CREATE_COMPLETE"}
        for name, pid in physical.items()
    ]  # fmt: skip
    stubber.add_response("list_stack_resources", {"StackResourceSummaries": summaries}, {"StackName": STACK})
    stubber.activate()
    return CloudFormationClient(client=client), stubber


def test_drift_from_the_deployed_stack_matches_drift_from_local_state(tmp_path, assemblies):
    template = read_assembly(assemblies["base"], STACK)
    with LocalAccount(tmp_path / "state") as account:
        account.control.seed_pool(EXISTING_POOL)
        assert account.deploy(template).ok
        local = account.store.load(STACK)
        account.sms().update_pool(EXISTING_POOL, SharedRoutesEnabled=True)
        physical = {name: res.physical_id for name, res in local.resources.items()}
        cfn, stubber = stubbed_cloudformation(local.stack_id, template.body, physical)
        # WHEN
        remote = deployed_state(cfn, account.sms(), STACK)
        # THEN
        stubber.assert_no_pending_responses()
        for name, res in local.resources.items():
            if res.type == "Custom::SmsPoolSettings":
                assert remote.resources[name].properties == res.properties
        differences = drift_of(remote, account.sms())
        assert [str(d) for d in differences] == [str(d) for d in drift_of(local, account.sms())]
        assert [d.setting for d in differences] == ["SharedRoutesEnabled"]


def test_a_stack_cloudformation_does_not_know_is_a_clear_error():
    client = boto3.client("cloudformation", region_name="us-east-1")
    with Stubber(client) as stubber:
        stubber.add_client_error(
            "describe_stacks", "ValidationError", f"Stack with id {STACK} does not exist", 400
        )
        with pytest.raises(
            DeployError, match=f"DescribeStacks {STACK} rejected: ValidationError: Stack with id"
        ):
            CloudFormationClient(client=client).stack_id(STACK)
