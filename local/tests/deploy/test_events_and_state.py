"""Unit tests of event building and the state store (pure, no emulator)."""

import json
import os

import pytest
from sms_pool_settings_local.deploy.errors import StateError, TemplateError
from sms_pool_settings_local.deploy.events import custom_resource_event, stringify
from sms_pool_settings_local.deploy.state import ResourceState, StackState, StateStore, atomic_write_json
from sms_pool_settings_local.deploy.template import Template, read_assembly

STACK_ID = "arn:aws:cloudformation:us-east-1:123456789012:stack/S/0f0f"


def test_every_scalar_is_stringified_at_any_depth():
    props = {"B": True, "F": False, "N": 7, "X": 1.5, "S": "s", "L": [True, 2], "D": {"E": False}}
    assert stringify(props) == {
        "B": "true",
        "F": "false",
        "N": "7",
        "X": "1.5",
        "S": "s",
        "L": ["true", "2"],
        "D": {"E": "false"},
    }


def test_create_event_has_cloudformations_keys_and_no_physical_id():
    event = custom_resource_event(
        "Create",
        resource_type="Custom::SmsPoolSettings",
        logical_id="Settings",
        stack_id=STACK_ID,
        response_url="https://127.0.0.1:1/r",
        properties={"ServiceToken": "arn:fn", "TwoWayEnabled": True, "ServiceTimeout": 300},
    )
    assert set(event) == {
        "RequestType",
        "ServiceToken",
        "ResponseURL",
        "StackId",
        "RequestId",
        "LogicalResourceId",
        "ResourceType",
        "ResourceProperties",
    }
    assert event["ResourceProperties"] == {
        "ServiceToken": "arn:fn",
        "TwoWayEnabled": "true",
        "ServiceTimeout": "300",
    }
    assert event["ServiceToken"] == "arn:fn"


def test_update_event_carries_old_properties_and_the_physical_id_and_unique_request_ids():
    kwargs = dict(
        resource_type="Custom::X",
        logical_id="R",
        stack_id=STACK_ID,
        response_url="https://h/r",
        properties={"ServiceToken": "t", "A": False},
        old_properties={"ServiceToken": "t", "A": True},
        physical_id="arn:pool",
    )
    first, second = custom_resource_event("Update", **kwargs), custom_resource_event("Update", **kwargs)
    assert first["OldResourceProperties"] == {"ServiceToken": "t", "A": "true"}
    assert first["PhysicalResourceId"] == "arn:pool"
    assert first["RequestId"] != second["RequestId"]
    delete = custom_resource_event("Delete", **{**kwargs, "old_properties": None})
    assert delete["PhysicalResourceId"] == "arn:pool" and "OldResourceProperties" not in delete


@pytest.mark.parametrize(
    ("request_type", "extra", "message"),
    [
        ("Upsert", {}, "request_type must be Create, Update or Delete, got 'Upsert'"),
        ("Delete", {}, "Delete needs physical_id, got None"),
        ("Update", {"physical_id": "p"}, "Update needs old_properties, got None"),
    ],
)
def test_malformed_requests_are_refused(request_type, extra, message):
    with pytest.raises(ValueError, match=message.replace("(", r"\(")):
        custom_resource_event(
            request_type,
            resource_type="T",
            logical_id="R",
            stack_id="s",
            response_url="u",
            properties={},
            **extra,
        )


def test_state_round_trips_through_the_store(tmp_path):
    store = StateStore(tmp_path)
    state = StackState("S", STACK_ID, "UPDATE_COMPLETE")
    state.resources["Pool"] = ResourceState("AWS::SMSVOICE::Pool", "pool-1", {"A": 1}, {"Arn": "arn"}, ["B"])
    store.save(state)
    assert store.load("S") == state
    assert store.stacks() == ["S"]
    store.delete("S")
    assert store.load("S") is None


def test_a_failed_write_leaves_the_previous_file_intact_and_no_temporary_file(tmp_path):
    path = tmp_path / "state.json"
    atomic_write_json(path, {"v": 1})
    with pytest.raises(TypeError):
        atomic_write_json(path, {"v": object()})  # not JSON: fails half way through the write
    assert json.loads(path.read_text()) == {"v": 1}
    assert os.listdir(tmp_path) == ["state.json"]


def test_a_corrupt_or_foreign_state_file_is_named_in_the_error(tmp_path):
    store = StateStore(tmp_path)
    store.path("S").parent.mkdir(parents=True)
    store.path("S").write_text("{not json")
    with pytest.raises(StateError, match=r"state file .*S\.json is not valid JSON"):
        store.load("S")
    store.path("S").write_text('{"version": 99}')
    with pytest.raises(StateError, match="state version must be 1, got 99"):
        store.load("S")


def test_parameters_take_their_defaults_and_cdks_bootstrap_parameter_stays_unresolved():
    template = Template(
        "S",
        {
            "Parameters": {
                "BootstrapVersion": {
                    "Type": "AWS::SSM::Parameter::Value<String>",
                    "Default": "/cdk-bootstrap/hnb659fds/version",
                },
                "Size": {"Type": "Number", "Default": 3},
                "Names": {"Type": "CommaDelimitedList", "Default": "a,b"},
            }
        },
    )
    assert template.parameter_values() == {"Size": "3", "Names": ["a", "b"]}


def test_a_parameter_without_a_value_is_named_as_cloudformation_names_it():
    template = Template("S", {"Parameters": {"Env": {"Type": "String"}}})
    with pytest.raises(TemplateError, match=r"Parameters: \[Env\] must have values"):
        template.parameter_values()
    assert template.parameter_values({"Env": "dev"}) == {"Env": "dev"}
    with pytest.raises(TemplateError, match=r"Parameters: \[Nope\] do not exist in the template"):
        template.parameter_values({"Env": "dev", "Nope": "x"})


def test_a_given_value_wins_over_the_previous_one_which_wins_over_the_default():
    template = Template("S", {"Parameters": {"Env": {"Type": "String", "Default": "dev"}}})
    assert template.parameter_values() == {"Env": "dev"}
    assert template.parameter_values(previous={"Env": "test"}) == {"Env": "test"}
    assert template.parameter_values({"Env": "prod"}, previous={"Env": "test"}) == {"Env": "prod"}


@pytest.mark.parametrize(
    ("spec", "value", "message"),
    [
        (
            {"AllowedValues": ["dev", "prod"]},
            "test",
            "Parameter 'P' must be one of AllowedValues, got 'test'",
        ),
        ({"AllowedPattern": "[a-z]+"}, "abc1", r"Parameter 'P' must match pattern \[a-z\]\+, got 'abc1'"),
        ({"MinLength": 3}, "ab", "Parameter 'P' must contain at least 3 characters"),
        ({"MaxLength": 2}, "abc", "Parameter 'P' must contain at most 2 characters"),
        ({"Type": "Number"}, "x", "Parameter 'P' must be a number, got 'x'"),
        ({"Type": "Number", "MaxValue": 5}, "6", "Parameter 'P' must be a number not greater than 5"),
        ({"AllowedPattern": "[a-z]+", "ConstraintDescription": "lower case"}, "A", "got 'A': lower case"),
    ],
)
def test_parameter_constraints_refuse_a_value_in_cloudformations_words(spec, value, message):
    template = Template("S", {"Parameters": {"P": {"Type": "String", **spec}}})
    with pytest.raises(TemplateError, match=message):
        template.parameter_values({"P": value})


def write_assembly(root, *stacks):
    artifacts = {}
    for name in stacks:
        (root / f"{name}.template.json").write_text(json.dumps({"Resources": {}}))
        artifacts[name] = {
            "type": "aws:cloudformation:stack",
            "properties": {"templateFile": f"{name}.template.json"},
        }
    artifacts["Tree"] = {"type": "cdk:tree"}
    (root / "manifest.json").write_text(json.dumps({"artifacts": artifacts}))


def test_the_only_stack_is_read_without_a_name_and_several_need_one(tmp_path):
    write_assembly(tmp_path, "One")
    assert read_assembly(tmp_path).stack_name == "One"
    write_assembly(tmp_path, "One", "Two")
    with pytest.raises(TemplateError, match="--stack is required when the assembly holds 2 stacks"):
        read_assembly(tmp_path)
    assert read_assembly(tmp_path, "Two").stack_name == "Two"
    with pytest.raises(TemplateError, match=r"got 'Three'; stacks: One, Two"):
        read_assembly(tmp_path, "Three")
    with pytest.raises(TemplateError, match=r"No cloud assembly at .*missing; run `npx cdk synth`"):
        read_assembly(tmp_path / "nowhere")
