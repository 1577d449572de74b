"""Templates CDK users have: a ``cdk init app`` stack and a two-stack app with a cross-stack reference,
synthesized with aws-cdk-lib (``cdk_apps.py``) and deployed with the driver on the emulator."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from sms_pool_settings_local.deploy.cli import EXIT_FAILED, EXIT_OK, run
from sms_pool_settings_local.deploy.engine import StackStatusError
from sms_pool_settings_local.deploy.errors import TemplateError
from sms_pool_settings_local.deploy.session import LocalAccount
from sms_pool_settings_local.deploy.template import read_assembly, read_assembly_stacks

pytestmark = pytest.mark.slow

HERE = Path(__file__).resolve().parent


@pytest.fixture(scope="module")
def apps(tmp_path_factory):
    sys.path.insert(0, str(HERE))
    try:
        import cdk_apps

        root = tmp_path_factory.mktemp("apps")
        return {
            "init": cdk_apps.init_app(root / "init"),
            "two": cdk_apps.two_stack_app(root / "two"),
        }
    finally:
        sys.path.remove(str(HERE))


@pytest.fixture
def account(tmp_path):
    with LocalAccount(tmp_path / "state") as acct:
        yield acct


def test_a_cdk_init_app_deploys_with_its_condition_evaluated_and_is_destroyed(account, apps):
    template = read_assembly(apps["init"], "HelloCdkStack")
    assert "CDKMetadataAvailable" in template.conditions  # today: "Conditions ... are not supported"
    result = account.deploy(template)
    assert result.ok
    assert [(e.logical_id, e.status) for e in result.events] == [
        ("HelloCdkStack", "CREATE_IN_PROGRESS"),
        ("HelloCdkStack", "CREATE_COMPLETE"),
    ]
    assert "CDKMetadata" in account.store.load("HelloCdkStack").resources  # us-east-1: the condition holds
    assert account.destroy("HelloCdkStack").ok


def test_a_two_stack_app_deploys_in_order_and_the_import_carries_the_exported_value(account, apps):
    producer, consumer = read_assembly_stacks(apps["two"])
    assert (producer.stack_name, consumer.stack_name) == ("SharedLists", "Messaging")
    # WHEN the consumer is deployed before the producer
    with pytest.raises(TemplateError, match="No export named SharedLists:ExportsOutputRefOptOuts"):
        account.deploy(consumer)
    # THEN nothing was created; in order, both deploy
    assert account.control.pools() == []
    assert account.deploy(producer).ok and account.deploy(consumer).ok
    list_name = account.store.load("SharedLists").resources["OptOuts"].physical_id
    pool_id = account.store.load("Messaging").resources["Pool"].physical_id
    live = account.sms().describe_pool(pool_id)
    assert (live["OptOutListName"], live["SelfManagedOptOutsEnabled"]) == (list_name, True)
    # AND the producer cannot be deleted while its export is imported
    with pytest.raises(
        StackStatusError,
        match=r"Export SharedLists:ExportsOutputRef\w+ cannot be deleted as it is in use by Messaging",
    ):
        account.destroy("SharedLists")
    assert account.destroy("Messaging").ok and account.destroy("SharedLists").ok


def test_parameters_given_at_deploy_time_are_checked_and_drive_conditions(tmp_path, apps, capsys):
    cli = ["--state-dir", str(tmp_path / "state"), "deploy", "--no-synth", "--app-dir", str(apps["two"])]
    assert run([*cli, "--stack", "SharedLists", "--parameters", "Stage=test"]) == EXIT_FAILED
    assert (
        "Parameter 'Stage' must be one of AllowedValues, got 'test' (allowed: dev, prod)"
        in capsys.readouterr().err
    )
    assert run([*cli, "--stack", "SharedLists", "--parameters", "Stage=prod"]) == EXIT_OK
    with LocalAccount(tmp_path / "state") as account:
        state = account.store.load("SharedLists")
    assert state.parameters == {"Stage": "prod"}
    assert state.resources["OptOuts"].properties["Tags"] == [{"Key": "stage", "Value": "production"}]


def test_deploy_all_deploys_every_stack_of_the_app_in_dependency_order(tmp_path, apps, capsys):
    cli = [
        "--state-dir",
        str(tmp_path / "state"),
        "deploy",
        "--no-synth",
        "--all",
        "--app-dir",
        str(apps["two"]),
    ]
    assert run(cli) == EXIT_OK
    out = capsys.readouterr().out
    assert out.index("SharedLists | ") < out.index("Messaging | ")
    assert "SharedLists.ExportsOutputRefOptOuts" in out  # the Outputs, as cdk deploy prints them
