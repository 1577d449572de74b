"""The SSM and CloudFormation stand-ins the driver starts for the handler (``deploy/stand_ins.py``).

What a handler reads from CloudFormation at each event (``cr_handlers.looks`` asks ``DescribeStacks``
and ``DescribeStackResource`` through ``AWS_ENDPOINT_URL_CLOUDFORMATION``, as the real handler does),
the SSM parameters carried from one command to the next, and a user's own endpoint respected.
Hand-written templates, real boto3 against the servers on loopback.
"""

from __future__ import annotations

import json
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from sms_pool_settings_local.deploy.handwritten import custom_stack
from sms_pool_settings_local.deploy.session import LocalAccount
from sms_pool_settings_local.deploy.stand_ins import SSM_STATE_FILE, SSM_VARIABLE
from sms_pool_settings_local.deploy.template import Template
from sms_pool_settings_local.moto_server import MotoServer


def looking(things: dict[str, dict[str, Any]], name: str = "Looked") -> Template:
    """A stack of ``cr_handlers.looks`` resources: logical ID -> extra properties."""
    return custom_stack(name, "cr_handlers.looks", "Custom::Looks", things)


def test_a_handler_reads_its_stacks_status_as_cloudformation_reports_it_at_each_event(tmp_path, handlers):
    with LocalAccount(tmp_path / "state", max_parallel=1) as account:
        # WHEN a first deploy fails on B (A done first), then a good one, an update that adds C and
        # fails on B, an update removing A, and a destroy
        assert not account.deploy(looking({"A": {}, "B": {"Fail": "true", "After": "A"}})).ok
        account.destroy("Looked")
        assert account.deploy(looking({"A": {}, "B": {"V": "1", "After": "A"}})).ok
        assert not account.deploy(
            looking({"A": {}, "B": {"V": "2", "Fail": "true", "After": "C"}, "C": {"After": "A"}})
        ).ok
        assert account.deploy(looking({"B": {"V": "1"}})).ok
        assert account.destroy("Looked").ok
    # THEN each event saw the stack status CloudFormation shows at that point, and its own resource's
    assert handlers.SEEN == [
        ("Create", "A", "CREATE_IN_PROGRESS", "CREATE_IN_PROGRESS"),
        ("Create", "B", "CREATE_IN_PROGRESS", "CREATE_IN_PROGRESS"),
        ("Delete", "B", "ROLLBACK_IN_PROGRESS", "DELETE_IN_PROGRESS"),
        ("Delete", "A", "ROLLBACK_IN_PROGRESS", "DELETE_IN_PROGRESS"),
        ("Create", "A", "CREATE_IN_PROGRESS", "CREATE_IN_PROGRESS"),
        ("Create", "B", "CREATE_IN_PROGRESS", "CREATE_IN_PROGRESS"),
        ("Create", "C", "UPDATE_IN_PROGRESS", "CREATE_IN_PROGRESS"),
        ("Update", "B", "UPDATE_IN_PROGRESS", "UPDATE_IN_PROGRESS"),
        ("Update", "B", "UPDATE_ROLLBACK_IN_PROGRESS", "UPDATE_IN_PROGRESS"),
        ("Delete", "C", "UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS", "DELETE_IN_PROGRESS"),
        ("Delete", "A", "UPDATE_COMPLETE_CLEANUP_IN_PROGRESS", "DELETE_IN_PROGRESS"),
        ("Delete", "B", "DELETE_IN_PROGRESS", "DELETE_IN_PROGRESS"),
    ]


def test_cloudformation_knows_the_stacks_of_earlier_commands_and_not_those_the_driver_deleted(
    tmp_path, handlers
):
    state = tmp_path / "state"
    with LocalAccount(state) as account:
        assert account.deploy(looking({"A": {}}, "Kept")).ok
        assert account.deploy(looking({"A": {}}, "Gone")).ok
        kept, gone = (account.store.load(n).stack_id for n in ("Kept", "Gone"))
        assert account.destroy("Gone").ok
        directory = account.stand_ins.directory
        # Within the command that deleted it, by its ID only, DELETE_COMPLETE (as CloudFormation keeps it)
        assert directory.find(gone).status == "DELETE_COMPLETE"
        assert directory.find("Gone") is None
    # WHEN the next command starts
    with LocalAccount(state) as account:
        endpoint = account.stand_ins_started().environment["AWS_ENDPOINT_URL_CLOUDFORMATION"]
        cloudformation = boto3.client(
            "cloudformation", endpoint_url=endpoint, region_name="us-east-1",
            aws_access_key_id="testing", aws_secret_access_key="testing",
        )  # fmt: skip
        # THEN the stack left in the state is there with its resources, the destroyed one is unknown
        assert cloudformation.describe_stacks(StackName=kept)["Stacks"][0]["StackStatus"] == "CREATE_COMPLETE"
        detail = cloudformation.describe_stack_resource(StackName=kept, LogicalResourceId="A")
        assert detail["StackResourceDetail"]["PhysicalResourceId"] == "looks-A"
        with pytest.raises(ClientError, match=f"Stack with id {gone} does not exist"):
            cloudformation.describe_stack_resource(StackName=gone, LogicalResourceId="A")


def test_ssm_parameters_are_carried_from_one_command_to_the_next(tmp_path):
    state = tmp_path / "state"
    with LocalAccount(state) as account:
        endpoint = account.stand_ins_started().ssm_endpoint_url
        ssm(endpoint).put_parameter(Name="/sms-pool-settings/p/s/L", Value='{"a": 1}', Type="String")
    saved = json.loads((state / SSM_STATE_FILE).read_text())
    assert [p["Name"] for p in saved["regions"]["us-east-1"]] == ["/sms-pool-settings/p/s/L"]
    with LocalAccount(state) as account:
        endpoint = account.stand_ins_started().ssm_endpoint_url
        assert endpoint is not None
        again = ssm(endpoint).get_parameter(Name="/sms-pool-settings/p/s/L")["Parameter"]
        assert again["Value"] == '{"a": 1}'


def test_an_ssm_endpoint_the_user_set_is_used_and_not_persisted(tmp_path, handlers, monkeypatch):
    with MotoServer() as theirs:
        monkeypatch.setenv(SSM_VARIABLE, theirs.endpoint_url)
        with LocalAccount(tmp_path / "state") as account:
            stand_ins = account.stand_ins_started()
            assert stand_ins.ssm_endpoint_url == theirs.endpoint_url
            assert SSM_VARIABLE not in stand_ins.environment  # the handler inherits the user's
            ssm(theirs.endpoint_url).put_parameter(Name="/theirs", Value="v", Type="String")
    assert not (tmp_path / "state" / SSM_STATE_FILE).exists()


def ssm(endpoint: str | None) -> Any:
    return boto3.client(
        "ssm", endpoint_url=endpoint, region_name="us-east-1",
        aws_access_key_id="testing", aws_secret_access_key="testing",
    )  # fmt: skip
