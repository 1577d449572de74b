"""deploy.cloudformation_api: real boto3 against it, CloudFormation's shapes, codes and words."""

import http.client
from urllib.parse import urlsplit

import boto3
import pytest
from botocore.exceptions import ClientError
from sms_pool_settings_local.deploy.cloudformation_api import (
    CloudFormationApi,
    CloudFormationApiError,
    Output,
    signed_region,
)

STACK = "arn:aws:cloudformation:us-east-1:123456789012:stack/App/5f6a0a70-8a1b-11ef-9f5e-0affd1f2c3b5"


@pytest.fixture(scope="module")
def api():
    with CloudFormationApi() as server:
        yield server


@pytest.fixture
def cfn(api):
    api.clear()
    return boto3.client("cloudformation", endpoint_url=api.endpoint_url)


def error_of(call, **params):
    with pytest.raises(ClientError) as caught:
        call(**params)
    return caught.value.response["Error"]["Code"], caught.value.response["Error"]["Message"]


def test_describe_stacks_by_id_or_name_reports_the_status_the_driver_set(api, cfn):
    api.set_stack(STACK, "UPDATE_ROLLBACK_IN_PROGRESS", ["Settings"])
    for name in (STACK, "App"):
        [stack] = cfn.describe_stacks(StackName=name)["Stacks"]
        assert (stack["StackId"], stack["StackName"], stack["StackStatus"]) == (
            STACK,
            "App",
            "UPDATE_ROLLBACK_IN_PROGRESS",
        )
    assert [s["StackId"] for s in cfn.describe_stacks()["Stacks"]] == [STACK]


def test_an_unknown_stack_is_cloudformations_validation_error(cfn):
    assert error_of(cfn.describe_stacks, StackName=STACK) == (
        "ValidationError",
        f"Stack with id {STACK} does not exist",
    )
    assert error_of(cfn.describe_stack_resource, StackName="Nope", LogicalResourceId="X")[1] == (
        "Stack with id Nope does not exist"
    )


def test_a_deleted_stack_is_found_by_id_only_and_its_resources_are_deleted(api, cfn):
    api.set_stack(STACK, "CREATE_COMPLETE", ["Settings", "Kept"])
    api.set_resource(STACK, "Kept", "DELETE_SKIPPED")
    api.set_stack(STACK, "DELETE_COMPLETE")
    assert cfn.describe_stacks(StackName=STACK)["Stacks"][0]["StackStatus"] == "DELETE_COMPLETE"
    assert error_of(cfn.describe_stacks, StackName="App")[0] == "ValidationError"
    assert cfn.describe_stacks()["Stacks"] == []
    statuses = {
        lid: cfn.describe_stack_resource(StackName=STACK, LogicalResourceId=lid)["StackResourceDetail"][
            "ResourceStatus"
        ]
        for lid in ("Settings", "Kept")
    }
    assert statuses == {"Settings": "DELETE_COMPLETE", "Kept": "DELETE_SKIPPED"}


def test_describe_stack_resource_reports_a_resource_and_words_a_missing_one_as_cloudformation(api, cfn):
    api.set_stack(STACK, "CREATE_IN_PROGRESS", ["Settings"])
    detail = cfn.describe_stack_resource(StackName=STACK, LogicalResourceId="Settings")["StackResourceDetail"]
    assert (detail["LogicalResourceId"], detail["ResourceStatus"], detail["StackId"]) == (
        "Settings",
        "CREATE_COMPLETE",
        STACK,
    )
    api.remove_resource(STACK, "Settings")
    assert error_of(cfn.describe_stack_resource, StackName=STACK, LogicalResourceId="Settings") == (
        "ValidationError",
        "Resource Settings does not exist for stack App",
    )
    api.forget_stack(STACK)
    assert error_of(cfn.describe_stacks, StackName=STACK)[0] == "ValidationError"


def test_a_missing_parameter_or_an_unknown_action_is_refused(api):
    parts = urlsplit(api.endpoint_url)
    for body, code in (
        ("Action=DescribeStackResource&Version=2010-05-15&StackName=App", b"<Code>ValidationError</Code>"),
        ("Action=DeleteStack&Version=2010-05-15&StackName=App", b"<Code>InvalidAction</Code>"),
    ):
        connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=5)
        connection.request(
            "POST", "/", body=body, headers={"Content-Type": "application/x-www-form-urlencoded"}
        )
        answer = connection.getresponse()
        assert (answer.status, code in answer.read()) == (400, True)
        connection.close()


def test_the_directory_refuses_what_cloudformation_could_not_have(api):
    with pytest.raises(CloudFormationApiError, match="stack_id must be arn:"):
        api.set_stack("App", "CREATE_COMPLETE")
    with pytest.raises(CloudFormationApiError, match="set_stack it first"):
        api.set_resource(STACK.replace("App", "Other"), "Settings", "CREATE_COMPLETE")


def test_what_sms_pool_settings_drift_reads_parameters_resources_template_and_exports(api, cfn):
    # GIVEN a deployed stack with a parameter, a resource, an exported output, and a deleted stack's export
    template = {"Parameters": {"Stage": {"Type": "String", "Default": "dev"}}, "Resources": {}}
    api.set_stack(STACK, "UPDATE_COMPLETE", ["Settings"])
    api.set_resource(STACK, "Settings", "UPDATE_COMPLETE", resource_type="Custom::SmsPoolSettings",
                     physical_id="arn:aws:sms-voice:us-east-1:123456789012:pool/pool-1")  # fmt: skip
    api.set_stack_details(
        STACK,
        template=template,
        parameters={"Stage": "prod"},
        outputs=[Output("ListName", "lists-1", export="App:ListName"), Output("Plain", "x")],
    )
    gone = STACK.replace("/App/", "/Gone/")
    api.set_stack(gone, "DELETE_COMPLETE")
    api.set_stack_details(gone, template=None, parameters={}, outputs=[Output("L", "v", export="Gone:L")])
    # WHEN / THEN DescribeStacks has the parameter as deployed (not its Default) and the outputs
    [stack] = cfn.describe_stacks(StackName="App")["Stacks"]
    assert stack["Parameters"] == [{"ParameterKey": "Stage", "ParameterValue": "prod"}]
    assert {o["OutputKey"]: o.get("ExportName") for o in stack["Outputs"]} == {
        "ListName": "App:ListName",
        "Plain": None,
    }
    # THEN ListStackResources lists the resource with its type and physical ID
    [summary] = cfn.list_stack_resources(StackName="App")["StackResourceSummaries"]
    assert (summary["LogicalResourceId"], summary["ResourceType"], summary["ResourceStatus"]) == (
        "Settings", "Custom::SmsPoolSettings", "UPDATE_COMPLETE")  # fmt: skip
    assert summary["PhysicalResourceId"] == "arn:aws:sms-voice:us-east-1:123456789012:pool/pool-1"
    # THEN GetTemplate gives the template back (botocore parses the JSON body), for both stages
    for stage in ("Original", "Processed"):
        assert cfn.get_template(StackName=STACK, TemplateStage=stage)["TemplateBody"] == template
    assert error_of(cfn.get_template, StackName="App", TemplateStage="Deployed")[0] == "ValidationError"
    # THEN ListExports has the live stack's export only
    exports = cfn.list_exports()["Exports"]
    assert [(e["Name"], e["Value"], e["ExportingStackId"]) for e in exports] == [
        ("App:ListName", "lists-1", STACK)
    ]


def test_a_no_echo_parameter_is_masked_in_describe_stacks_and_the_others_are_as_deployed(api, cfn):
    # GIVEN a stack whose template declares Secret NoEcho (as a boolean) and Token NoEcho (as a string)
    template = {
        "Parameters": {
            "Secret": {"Type": "String", "NoEcho": True},
            "Token": {"Type": "String", "NoEcho": "true"},
            "Stage": {"Type": "String", "NoEcho": False},
        },
        "Resources": {},
    }
    api.set_stack(STACK, "CREATE_COMPLETE", [])
    api.set_stack_details(
        STACK, template=template, parameters={"Secret": "s3cr3t", "Token": "t", "Stage": "prod"}, outputs=[]
    )
    # WHEN
    [stack] = cfn.describe_stacks(StackName="App")["Stacks"]
    # THEN the NoEcho values are asterisks, the other one is the value deployed
    assert {p["ParameterKey"]: p["ParameterValue"] for p in stack["Parameters"]} == {
        "Secret": "****",
        "Token": "****",
        "Stage": "prod",
    }
    # THEN GetTemplate still gives the template as deployed (NoEcho masks values, not the template)
    assert cfn.get_template(StackName="App")["TemplateBody"] == template


def test_a_stack_is_answered_only_in_the_region_the_request_is_signed_for(api):
    # GIVEN one stack in us-east-1 and one in eu-west-1, each with an export
    api.clear()
    west = STACK.replace("us-east-1", "eu-west-1").replace("/App/", "/AppEu/")
    for stack_id, export in ((STACK, "App:List"), (west, "AppEu:List")):
        api.set_stack(stack_id, "CREATE_COMPLETE", ["Settings"])
        api.set_stack_details(stack_id, template={"Resources": {}}, parameters={},
                              outputs=[Output("List", "v", export=export)])  # fmt: skip
    east_client, west_client = (
        boto3.client("cloudformation", endpoint_url=api.endpoint_url, region_name=region)
        for region in ("us-east-1", "eu-west-1")
    )
    # WHEN / THEN each region's client finds its own stack, by name and by ID, and lists its own exports
    for client, own, other in ((east_client, STACK, west), (west_client, west, STACK)):
        assert [s["StackId"] for s in client.describe_stacks()["Stacks"]] == [own]
        assert client.describe_stacks(StackName=own)["Stacks"][0]["StackId"] == own
        [export] = client.list_exports()["Exports"]
        assert export["ExportingStackId"] == own
        # THEN the other region's stack is unknown, by ID and by name, to every read call
        other_name = other.split("/")[1]
        for name in (other, other_name):
            assert error_of(client.describe_stacks, StackName=name) == (
                "ValidationError",
                f"Stack with id {name} does not exist",
            )
            assert error_of(client.list_stack_resources, StackName=name)[0] == "ValidationError"
            assert error_of(client.get_template, StackName=name)[0] == "ValidationError"
            assert (
                error_of(client.describe_stack_resource, StackName=name, LogicalResourceId="Settings")[0]
                == "ValidationError"
            )
    # THEN the directory's own view (the driver's) still has both
    assert {api.find(STACK).stack_id, api.find(west).stack_id} == {STACK, west}


def test_the_region_of_a_request_is_its_sigv4_credential_scope():
    header = (
        "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20261201/ap-southeast-2/cloudformation/aws4_request, "
        "SignedHeaders=content-type;host;x-amz-date, Signature=abc123"
    )
    assert signed_region(header) == "ap-southeast-2"
    assert signed_region(None) == ""
    assert signed_region("Bearer token") == ""
