"""``sms-pool-settings drift`` on stacks the local driver deployed: records first, CloudFormation's answers
when a record is missing, the live pools through the emulator; text and JSON; two regions."""

from __future__ import annotations

import copy
import dataclasses
import json

import pytest

from . import app
from .conftest import SEEDED

ALERTS, MARKETING, ROUTES = "Alerts91F83244", "Marketing3B454061", "Routes4F6D566C"


def _resource(report: dict, stack: str, logical_id: str) -> dict:
    (found,) = [s for s in report["Stacks"] if s["StackName"] == stack]
    (resource,) = [r for r in found["Resources"] if r["LogicalResourceId"] == logical_id]
    return resource


def _delete_records(world, region: str = app.EAST) -> None:
    for name in world.record_names(region):
        world.ssm(region).delete_parameter(Name=name)


def test_stacks_as_deployed_are_in_sync_exit_0_in_text_and_json(deployed, cli):
    # WHEN
    text = cli("drift", "--stack", app.MESSAGING, "--stack", app.SHARED, "--stack", app.DEFAULTS)
    machine = cli("--output", "json", "drift", "--stack", app.MESSAGING)
    # THEN
    assert (text.code, text.err) == (0, "")
    assert text.out.splitlines() == [
        f"{app.MESSAGING} (us-east-1, CREATE_COMPLETE)",
        f"  {ALERTS} ({app.ALERTS_POOL}, from its record): in sync, 5 settings managed",
        f"  {MARKETING} ({app.MARKETING_POOL}, from its record): in sync, 2 settings managed",
        f"{app.SHARED} (us-east-1, CREATE_COMPLETE)",
        "  no PoolSettings in this stack",
        f"{app.DEFAULTS} (us-east-1, CREATE_COMPLETE)",
        f"  {ROUTES} ({app.ROUTES_POOL}, from its record): in sync, 1 setting managed",
        "No drift: every managed setting matches its live pool.",
    ]
    assert machine.code == 0
    report = json.loads(machine.out)
    assert report["ExitCode"] == 0
    alerts = _resource(report, app.MESSAGING, ALERTS)
    role = deployed.physical_id(app.MESSAGING, "TwoWayRole")
    assert alerts["Applied"] == {
        "TwoWayEnabled": True,
        "TwoWayChannelArn": deployed.physical_id(app.MESSAGING, "Inbound"),  # Ref: the ARN
        "TwoWayChannelRole": f"arn:aws:iam::{app.ACCOUNT}:role/{role}",
        "SharedRoutesEnabled": False,
        "DeletionProtectionEnabled": True,
    }
    assert (alerts["Source"], alerts["Drifted"], alerts["Error"]) == ("record", {}, None)
    assert alerts["PoolArn"] == f"arn:aws:sms-voice:us-east-1:{app.ACCOUNT}:pool/{app.ALERTS_POOL}"


@pytest.mark.parametrize("record", ["kept", "deleted"])
def test_a_parameter_deployed_false_whose_default_is_true_drifts_when_the_pool_turns_it_on(
    deployed, cli, record
):
    """The issue's false "no drift": the old ``drift --aws`` evaluated the template with the parameter's
    Default (true) and printed "No drift" and exit 0 for this very pool."""
    # GIVEN SharedRoutes deployed "false" (its Default is "true"), then turned on out of band
    assert deployed.pool(app.ROUTES_POOL)["SharedRoutesEnabled"] is False
    if record == "deleted":
        _delete_records(deployed)
    deployed.set_pool(app.ROUTES_POOL, SharedRoutesEnabled=True)
    # WHEN
    result = cli("drift", "--stack", app.DEFAULTS)
    # THEN
    source = "record" if record == "kept" else "template"
    assert result.code == 3, result.err
    assert result.out.splitlines()[1:] == [
        f"  {ROUTES} ({app.ROUTES_POOL}, from its {source}): SharedRoutesEnabled applied false, live true",
        "Drift found: 1 setting of 1 resource differs from its live pool.",
    ]


def test_each_drifted_setting_is_reported_with_its_applied_and_live_value_exit_3(deployed, cli):
    # GIVEN four settings of two pools changed by hand
    deployed.set_pool(app.ALERTS_POOL, DeletionProtectionEnabled=False, TwoWayEnabled=False)
    deployed.set_pool(app.MARKETING_POOL, OptOutListName="Default", SelfManagedOptOutsEnabled=False)
    opt_outs = deployed.states[app.SHARED].resources["OptOuts"].physical_id
    # WHEN
    text = cli("drift", "--stack", app.MESSAGING)
    machine = cli("drift", "--stack", app.MESSAGING, "--output", "json")
    # THEN
    assert text.code == machine.code == 3
    assert text.out.splitlines()[1:] == [
        f"  {ALERTS} ({app.ALERTS_POOL}, from its record): TwoWayEnabled applied true, live false",
        f"  {ALERTS} ({app.ALERTS_POOL}, from its record): DeletionProtectionEnabled applied true, "
        "live false",
        f"  {MARKETING} ({app.MARKETING_POOL}, from its record): SelfManagedOptOutsEnabled applied true, "
        "live false",
        f"  {MARKETING} ({app.MARKETING_POOL}, from its record): OptOutListName applied {opt_outs}, "
        "live Default",
        "Drift found: 4 settings of 2 resources differ from their live pools.",
    ]
    report = json.loads(machine.out)
    assert report["ExitCode"] == 3
    assert _resource(report, app.MESSAGING, MARKETING)["Drifted"] == {
        "SelfManagedOptOutsEnabled": {"Applied": True, "Live": False},
        "OptOutListName": {"Applied": opt_outs, "Live": "Default"},
    }


def test_without_records_the_values_are_read_back_from_cloudformation_topic_role_import_parameters(
    deployed, cli
):
    """Ref of the topic and GetAtt of the role created in the stack, the opt-out list imported from
    CliShared, parameters without defaults: the same applied values as the records hold."""
    # GIVEN
    from_records = json.loads(cli("drift", "--stack", app.MESSAGING, "--output", "json").out)
    _delete_records(deployed)
    # WHEN
    result = cli("drift", "--stack", app.MESSAGING, "--output", "json")
    # THEN
    assert result.code == 0, result.err
    from_template = json.loads(result.out)
    for logical_id in (ALERTS, MARKETING):
        read_back = _resource(from_template, app.MESSAGING, logical_id)
        recorded = _resource(from_records, app.MESSAGING, logical_id)
        assert read_back["Source"] == "template"
        assert (read_back["Applied"], read_back["PoolArn"]) == (recorded["Applied"], recorded["PoolArn"])
    assert deployed.cloudformation_calls().count("ListExports") == 1


def test_a_value_cloudformation_cannot_give_back_is_an_error_never_in_sync(deployed, cli):
    # GIVEN no record, and Protect a NoEcho parameter (DescribeStacks masks its value)
    _delete_records(deployed)
    template = copy.deepcopy(deployed.templates[app.MESSAGING])
    template["Parameters"]["Protect"]["NoEcho"] = True
    deployed.publish(deployed.states[app.MESSAGING], template)
    # WHEN
    result = cli("drift", "--stack", app.MESSAGING)
    # THEN
    assert result.code == 1
    assert result.err.splitlines() == [
        f"error: {app.MESSAGING} {ALERTS}: no record, and {app.MESSAGING} "
        f"{ALERTS}.DeletionProtectionEnabled: Ref Protect: a NoEcho parameter's deployed value cannot be "
        "read back"
    ]
    assert "in sync" not in result.out.splitlines()[1]
    assert result.out.splitlines()[-1] == "Not determined: 1 failure (see the error lines)."


def test_a_pool_deleted_out_of_band_is_an_error(deployed, cli):
    region, settings = SEEDED[app.ROUTES_POOL]
    deployed.sms(region).delete_pool(PoolId=app.ROUTES_POOL)
    try:
        result = cli("drift", "--stack", app.DEFAULTS)
    finally:
        deployed.emulator.control.seed_pool(app.ROUTES_POOL, region=region, **settings)
    assert result.code == 1
    arn = f"arn:aws:sms-voice:us-east-1:{app.ACCOUNT}:pool/{app.ROUTES_POOL}"
    assert result.err.splitlines() == [
        f"error: {app.DEFAULTS} {ROUTES}: DescribePools {arn}: the pool does not exist (deleted out of band?)"
    ]


@pytest.mark.parametrize(
    "where",
    [
        ["--region", app.WEST, "drift", "--stack", app.MESSAGING_EU],
        ["drift", "--stack", app.MESSAGING_EU, "--region", app.WEST],
        ["drift", "--region=eu-west-1", "--stack", app.MESSAGING_EU],
    ],
)
def test_the_second_region_with_region_before_or_after_the_subcommand(deployed, cli, where):
    deployed.set_pool(app.EU_POOL, DeletionProtectionEnabled=True)

    result = cli(*where)

    assert result.code == 3, result.err
    assert result.out.splitlines() == [
        f"{app.MESSAGING_EU} (eu-west-1, CREATE_COMPLETE)",
        f"  {ALERTS} ({app.EU_POOL}, from its record): DeletionProtectionEnabled applied false, live true",
        "Drift found: 1 setting of 1 resource differs from its live pool.",
    ]


def test_the_region_comes_from_aws_region_like_every_sdk_tool(deployed, cli, monkeypatch):
    monkeypatch.setenv("AWS_REGION", app.WEST)
    monkeypatch.setenv("AWS_DEFAULT_REGION", app.EAST)  # AWS_REGION wins, as in the SDK

    in_west = cli("drift", "--stack", app.MESSAGING_EU)
    not_in_west = cli("drift", "--stack", app.MESSAGING)

    assert in_west.code == 0, in_west.err
    assert not_in_west.code == 1
    assert not_in_west.err.splitlines() == [
        f"error: stack {app.MESSAGING} not found in eu-west-1 (DescribeStacks: ValidationError: "
        f"Stack with id {app.MESSAGING} does not exist)"
    ]


def test_the_module_runs_as_the_console_script_does(deployed):
    import os
    import subprocess
    import sys

    result = subprocess.run(  # the environment (endpoints, credentials) is this test's
        [sys.executable, "-m", "sms_pool_settings_cli", "drift", "--stack", app.DEFAULTS],
        capture_output=True,
        text=True,
        env=dict(os.environ),
        timeout=60,
        check=False,
    )
    assert (result.returncode, result.stderr) == (0, "")
    assert result.stdout.splitlines()[-1] == "No drift: every managed setting matches its live pool."


def test_while_cloudformation_changes_the_stack_drift_is_an_error_and_status_still_shows(deployed, cli):
    # GIVEN the stack mid-update (its handler may have written a record and not yet the pool)
    state = dataclasses.replace(deployed.states[app.DEFAULTS], status="UPDATE_IN_PROGRESS")
    deployed.publish(state, deployed.templates[app.DEFAULTS])
    # WHEN
    drift = cli("drift", "--stack", app.DEFAULTS)
    status = cli("status", "--stack", app.DEFAULTS)
    # THEN
    assert drift.code == 1
    assert drift.err.splitlines() == [
        f"error: {app.DEFAULTS}: the stack is UPDATE_IN_PROGRESS: while CloudFormation changes it, a record "
        "may be ahead of its pool, so drift is not determined; run again when it is done"
    ]
    assert status.code == 0
    assert status.out.splitlines()[0] == f"{app.DEFAULTS} (us-east-1, UPDATE_IN_PROGRESS)"


def test_a_pool_settings_already_deleted_is_not_compared(deployed, cli):
    # GIVEN a resource CloudFormation lists as DELETE_COMPLETE, its record gone and its pool put back
    _delete_records(deployed)
    deployed.set_pool(app.ROUTES_POOL, SharedRoutesEnabled=True)
    state = deployed.states[app.DEFAULTS]
    deployed.publish(state, deployed.templates[app.DEFAULTS], {ROUTES: "DELETE_COMPLETE"})
    # WHEN
    result = cli("drift", "--stack", app.DEFAULTS)
    # THEN
    assert (result.code, result.err) == (0, "")
    assert result.out.splitlines()[1] == "  no PoolSettings in this stack"


def test_one_pool_of_a_stack_deleted_the_other_is_still_compared(deployed, cli):
    """DescribePools refuses a batch naming a pool that does not exist: then each pool is asked alone."""
    region, settings = SEEDED[app.MARKETING_POOL]
    deployed.set_pool(app.ALERTS_POOL, TwoWayEnabled=False)
    deployed.sms(region).delete_pool(PoolId=app.MARKETING_POOL)
    try:
        result = cli("drift", "--stack", app.MESSAGING)
    finally:
        deployed.emulator.control.seed_pool(app.MARKETING_POOL, region=region, **settings)
    assert result.code == 1
    assert result.out.splitlines()[1:] == [
        f"  {ALERTS} ({app.ALERTS_POOL}, from its record): TwoWayEnabled applied true, live false",
        f"  {MARKETING}: not compared, DescribePools arn:aws:sms-voice:us-east-1:{app.ACCOUNT}:pool/"
        f"{app.MARKETING_POOL}: the pool does not exist (deleted out of band?)",
        "Not determined: 1 failure (see the error lines).",
    ]
    assert len(result.err.splitlines()) == 1


def test_a_stack_is_also_found_by_its_id(deployed, cli):
    stack_id = deployed.states[app.DEFAULTS].stack_id

    result = cli("drift", "--stack", stack_id)

    assert result.code == 0, result.err
    assert result.out.splitlines()[0] == f"{app.DEFAULTS} (us-east-1, CREATE_COMPLETE)"


def test_with_records_no_template_is_read_and_the_pools_are_asked_in_one_call(deployed, cli):
    before = len(deployed.cloudformation_calls())

    result = cli("drift", "--stack", app.MESSAGING)

    assert result.code == 0, result.err
    assert deployed.cloudformation_calls()[before:] == ["DescribeStacks", "ListStackResources"]
    (describe,) = deployed.emulator.control.calls("DescribePools")
    arns = [
        f"arn:aws:sms-voice:us-east-1:{app.ACCOUNT}:pool/{p}" for p in (app.ALERTS_POOL, app.MARKETING_POOL)
    ]
    assert describe["request"]["PoolIds"] == arns
