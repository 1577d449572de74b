"""The scheduled drift check, end to end: the real function against the SMS emulator, moto (SSM records,
CloudWatch) and the CloudFormation stand-in, invoked with the input its synthesized rule sends, under the
IAM policy its synthesized role holds (the emulator enforces it on every SMS call).

Each test deploys the stack's two PoolSettings with the real provider handler (Create events: records in
moto's SSM), changes pools out of band, runs the drift check and reads the metric back from moto's
CloudWatch (``GetMetricStatistics``).
"""

from __future__ import annotations

import datetime
import json
import uuid
from typing import Any

import boto3
import pytest
from pool_settings_handler import client, drift_check
from pool_settings_handler.constants import RESOURCE_TYPE
from pool_settings_handler.errors import AccessDeniedError
from sms_pool_settings_local.deploy.intrinsics import Scope, pseudo_parameters, resolve
from sms_pool_settings_local.emulator import policies_for_role
from sms_pool_settings_local.lambda_runtime import LambdaContext

ACCOUNT, REGION = "123456789012", "us-east-1"
CHECKED_POOL = "pool-0123456789abcdef0123456789abcdef"  # only reported
CORRECTED_POOL = "pool-1123456789abcdef0123456789abcdef"  # drift_auto_correct=True
FLAGS = ("TwoWayEnabled", "SelfManagedOptOutsEnabled", "SharedRoutesEnabled", "DeletionProtectionEnabled")
DECLARED = {
    CHECKED_POOL: {"DeletionProtectionEnabled": True, "SharedRoutesEnabled": False},
    CORRECTED_POOL: {"DeletionProtectionEnabled": True, "SelfManagedOptOutsEnabled": True},
}
DRIFT_PRINCIPAL = (
    f"arn:aws:sts::{ACCOUNT}:assumed-role/SmsPoolSettingsDriftCheckRole/SmsPoolSettingsDriftCheck"
)


def _synthesize() -> dict[str, Any]:
    from aws_cdk import App, Duration, Environment, Stack
    from aws_cdk import aws_events as events
    from sms_pool_settings import PoolSettings

    app = App()
    stack = Stack(app, "FunctionalDrift", env=Environment(account=ACCOUNT, region=REGION))
    hourly = events.Schedule.rate(Duration.hours(1))
    PoolSettings(
        stack,
        "Checked",
        pool=CHECKED_POOL,
        deletion_protection_enabled=True,
        shared_routes_enabled=False,
        drift_check=hourly,
    )
    PoolSettings(
        stack,
        "Corrected",
        pool=CORRECTED_POOL,
        deletion_protection_enabled=True,
        self_managed_opt_outs_enabled=True,
        drift_check=hourly,
        drift_auto_correct=True,
    )
    return dict(app.synth().get_stack_by_name("FunctionalDrift").template)


@pytest.fixture(scope="module")
def template() -> dict[str, Any]:
    return _synthesize()


def _rule_input(template: dict[str, Any]) -> dict[str, Any]:
    """What the synthesized rule sends the function."""
    (rule,) = [r for r in template["Resources"].values() if r["Type"] == "AWS::Events::Rule"]
    (target,) = rule["Properties"]["Targets"]
    return dict(json.loads(target["Input"]))


def _logical_ids(template: dict[str, Any]) -> dict[str, str]:
    """Pool ID -> the logical ID of the PoolSettings resource that manages it."""
    return {
        r["Properties"]["PoolId"]: k for k, r in template["Resources"].items() if r["Type"] == RESOURCE_TYPE
    }


@pytest.fixture(scope="module")
def logical_ids(template: dict[str, Any]) -> dict[str, str]:
    return _logical_ids(template)


def _drift_policies(template: dict[str, Any], stack_id: str) -> list[dict[str, Any]]:
    """The drift role's policies as deployed in ``stack_id``."""
    resources = template["Resources"]
    (role,) = [k for k, v in resources.items() if v["Type"] == "AWS::IAM::Role" and "DriftCheck" in k]

    def get_att(logical: str, attribute: str) -> str:
        assert (resources[logical]["Type"], attribute) == ("AWS::Logs::LogGroup", "Arn"), logical
        return f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:{logical}:*"

    def ref(logical: str) -> str:
        raise AssertionError(f"the drift role's policy refers to {logical}: resolve it here")

    pseudo = pseudo_parameters(
        region=REGION, account=ACCOUNT, stack_name="FunctionalDrift", stack_id=stack_id
    )
    scope = Scope(pseudo=pseudo, parameters={}, ref=ref, get_att=get_att, where=role)
    return [resolve(policy, scope) for policy in policies_for_role(template, role)]


def _sms() -> Any:
    return boto3.client("pinpoint-sms-voice-v2")


def _flags(pool_id: str) -> dict[str, bool]:
    pool = _sms().describe_pools(PoolIds=[pool_id])["Pools"][0]
    return {k: pool[k] for k in FLAGS}


def _datapoints(pool_id: str) -> list[dict[str, Any]]:
    """Every datapoint of the pool's SettingsDrifted in moto's CloudWatch, as one statistic."""
    now = datetime.datetime.now(datetime.UTC)
    answer = boto3.client("cloudwatch").get_metric_statistics(
        Namespace="SmsPoolSettings",
        MetricName="SettingsDrifted",
        Dimensions=[{"Name": "PoolId", "Value": pool_id}],
        StartTime=now - datetime.timedelta(hours=1),
        EndTime=now + datetime.timedelta(hours=1),
        Period=7200,
        Statistics=["Maximum", "Minimum", "SampleCount"],
    )
    return [{k: p[k] for k in ("Maximum", "Minimum", "SampleCount")} for p in answer["Datapoints"]]


@pytest.fixture
def deploy(emulator, cloudformation, make_event, invoke):
    """``deploy(template, declared)``: the pools of ``declared`` (pool ID -> its settings) with every flag
    off, each PoolSettings of ``template`` created by the provider handler (under its role's policy), the
    stack complete in the CloudFormation stand-in; the stack's ID."""

    def run(template: dict[str, Any], declared: dict[str, dict[str, Any]]) -> str:
        logical_ids = _logical_ids(template)
        stack = f"arn:aws:cloudformation:{REGION}:{ACCOUNT}:stack/FunctionalDrift/{uuid.uuid4()}"
        cloudformation.set_stack(stack, "CREATE_IN_PROGRESS", list(logical_ids.values()))
        for pool_id, settings in declared.items():
            arn = emulator.control.seed_pool(pool_id, **dict.fromkeys(FLAGS, False))["PoolArn"]
            as_sent = {
                k: ("true" if v else "false") if isinstance(v, bool) else v for k, v in settings.items()
            }
            event = make_event("create", pool_id, properties={"PoolId": pool_id, **as_sent})
            event["StackId"], event["LogicalResourceId"] = stack, logical_ids[pool_id]
            assert invoke(event)["Status"] == "SUCCESS"
            cloudformation.set_resource(
                stack, logical_ids[pool_id], "CREATE_COMPLETE", resource_type=RESOURCE_TYPE, physical_id=arn
            )
        cloudformation.set_stack(stack, "CREATE_COMPLETE")
        emulator.control.clear_iam()  # what the test does next is a console user's, not the provider's
        return stack

    return run


@pytest.fixture
def deployed(deploy, template) -> str:
    """Both pools of the module's template deployed; the stack's ID."""
    return str(deploy(template, DECLARED))


@pytest.fixture
def run_check(emulator, moto, template, monkeypatch):
    """``run_check(stack)``: the drift function run once as its rule invokes it, under its role's policy
    (``policies``: instead of it); its summary. ``of``: another template than the module's."""

    def run(
        stack: str, *, of: dict[str, Any] | None = None, policies: list[dict[str, Any]] | None = None
    ) -> dict[str, Any]:
        synthesized = template if of is None else of
        monkeypatch.setenv("SMS_POOL_SETTINGS_STACK_ID", stack)
        monkeypatch.setenv("AWS_ENDPOINT_URL_CLOUDWATCH", moto.endpoint_url)
        held = _drift_policies(synthesized, stack) if policies is None else policies
        emulator.control.enforce_iam(held, principal_arn=DRIFT_PRINCIPAL)
        client.reset_client()
        try:
            return drift_check.handler(_rule_input(synthesized), LambdaContext(60))
        finally:
            emulator.control.clear_iam()

    return run


def test_in_sync_every_pool_publishes_zero(deployed, run_check) -> None:
    # WHEN
    summary = run_check(deployed)
    # THEN
    assert summary == {"Drifted": {CHECKED_POOL: 0, CORRECTED_POOL: 0}, "Corrected": [], "Problems": []}
    for pool_id in DECLARED:
        assert _datapoints(pool_id) == [{"Maximum": 0.0, "Minimum": 0.0, "SampleCount": 1.0}]


def test_a_drifted_pool_publishes_how_many_settings_drifted_and_without_auto_correct_stays_drifted(
    deployed, run_check
) -> None:
    # GIVEN: both managed settings of the checked pool changed out of band, and one it does not manage
    _sms().update_pool(
        PoolId=CHECKED_POOL, DeletionProtectionEnabled=False, SharedRoutesEnabled=True, TwoWayEnabled=False
    )
    _sms().update_pool(PoolId=CHECKED_POOL, SelfManagedOptOutsEnabled=True)
    # WHEN
    summary = run_check(deployed)
    # THEN: 2 (the unmanaged setting does not count), and the pool is left as it is
    assert summary["Drifted"] == {CHECKED_POOL: 2, CORRECTED_POOL: 0}
    assert _datapoints(CHECKED_POOL) == [{"Maximum": 2.0, "Minimum": 2.0, "SampleCount": 1.0}]
    assert _flags(CHECKED_POOL) == {
        "TwoWayEnabled": False,
        "SelfManagedOptOutsEnabled": True,
        "SharedRoutesEnabled": True,
        "DeletionProtectionEnabled": False,
    }


def test_auto_correct_writes_the_applied_values_back_and_the_next_check_finds_it_in_sync(
    deployed, run_check
) -> None:
    # GIVEN: one managed setting of the corrected pool changed out of band
    _sms().update_pool(PoolId=CORRECTED_POOL, DeletionProtectionEnabled=False)
    # WHEN
    first = run_check(deployed)
    second = run_check(deployed)
    # THEN: the first check reports 1 and writes it back, the second reports 0
    arn = f"arn:aws:sms-voice:{REGION}:{ACCOUNT}:pool/{CORRECTED_POOL}"
    assert first["Drifted"] == {CHECKED_POOL: 0, CORRECTED_POOL: 1}
    assert first["Corrected"] == [{"PoolArn": arn, "Written": ["DeletionProtectionEnabled"]}]
    assert second == {"Drifted": {CHECKED_POOL: 0, CORRECTED_POOL: 0}, "Corrected": [], "Problems": []}
    assert _flags(CORRECTED_POOL) == {
        "TwoWayEnabled": False,
        "SelfManagedOptOutsEnabled": True,
        "SharedRoutesEnabled": False,
        "DeletionProtectionEnabled": True,
    }
    assert _datapoints(CORRECTED_POOL) == [{"Maximum": 1.0, "Minimum": 0.0, "SampleCount": 2.0}]


def test_while_the_stack_is_being_deployed_nothing_is_compared_written_or_published(
    deployed, run_check, cloudformation, emulator
) -> None:
    # GIVEN: a deploy in progress, the corrected pool drifted
    _sms().update_pool(PoolId=CORRECTED_POOL, DeletionProtectionEnabled=False)
    cloudformation.set_stack(deployed, "UPDATE_IN_PROGRESS")
    emulator.control.clear_calls()
    # WHEN
    summary = run_check(deployed)
    # THEN
    assert summary == {
        "Skipped": "stack is UPDATE_IN_PROGRESS: the deploy sets the settings, checked next time"
    }
    assert emulator.control.calls() == []
    assert _datapoints(CORRECTED_POOL) == []
    assert _flags(CORRECTED_POOL)["DeletionProtectionEnabled"] is False


def test_a_resource_without_its_record_fails_the_run_after_the_other_pools_are_published(
    deployed, run_check, logical_ids
) -> None:
    # GIVEN: the checked pool's record deleted out of band
    stack_uuid = deployed.rsplit("/", 1)[1]
    name = f"/sms-pool-settings/{CHECKED_POOL}/{stack_uuid}/{logical_ids[CHECKED_POOL]}"
    boto3.client("ssm").delete_parameter(Name=name)
    # WHEN / THEN
    with pytest.raises(drift_check.DriftCheckError) as raised:
        run_check(deployed)
    assert str(raised.value) == f"{logical_ids[CHECKED_POOL]}: no record {name}"
    assert _datapoints(CHECKED_POOL) == []  # its alarm goes to INSUFFICIENT_DATA, not OK
    assert _datapoints(CORRECTED_POOL) == [{"Maximum": 0.0, "Minimum": 0.0, "SampleCount": 1.0}]


def test_a_pool_deleted_out_of_band_counts_every_managed_setting_as_drifted(
    deployed, run_check, emulator
) -> None:
    # GIVEN: the checked pool deleted (deletion protection off first, as the console needs)
    _sms().update_pool(PoolId=CHECKED_POOL, DeletionProtectionEnabled=False)
    _sms().delete_pool(PoolId=CHECKED_POOL)
    # WHEN / THEN: the other pool is described on its own and published too
    arn = f"arn:aws:sms-voice:{REGION}:{ACCOUNT}:pool/{CHECKED_POOL}"
    with pytest.raises(drift_check.DriftCheckError, match=f"pool {arn} not found"):
        run_check(deployed)
    assert _datapoints(CHECKED_POOL) == [{"Maximum": 2.0, "Minimum": 2.0, "SampleCount": 1.0}]
    assert _datapoints(CORRECTED_POOL) == [{"Maximum": 0.0, "Minimum": 0.0, "SampleCount": 1.0}]


def _without(policies: list[dict[str, Any]], action: str) -> list[dict[str, Any]]:
    return [{**p, "Statement": [s for s in p["Statement"] if s["Action"] != action]} for p in policies]


def test_the_check_runs_under_its_roles_policy_and_fails_without_its_describe_pools_statement(
    deployed, template, run_check
) -> None:
    # GIVEN: the drift role's policy without its DescribePools statement
    policies = _without(_drift_policies(template, deployed), "sms-voice:DescribePools")
    # WHEN / THEN: the emulator denies it, as IAM would
    denied = r"^DescribePools arn:aws:sms-voice:\S+ denied: AccessDeniedException \(the handler's role lacks "
    with pytest.raises(AccessDeniedError, match=denied + r"sms-voice:DescribePools\)"):
        run_check(deployed, policies=policies)


# --- A corrected two-way role: iam:PassRole, conditioned, is granted and needed ----------------------

TWO_WAY_POOL = "pool-2123456789abcdef0123456789abcdef"
TWO_WAY_ROLE = f"arn:aws:iam::{ACCOUNT}:role/SmsTwoWayRole"
OTHER_ROLE = f"arn:aws:iam::{ACCOUNT}:role/SomeoneElsesRole"
TWO_WAY = {
    TWO_WAY_POOL: {
        "TwoWayEnabled": True,
        "TwoWayChannelArn": f"arn:aws:sns:{REGION}:{ACCOUNT}:inbound-sms",
        "TwoWayChannelRole": TWO_WAY_ROLE,
    }
}


@pytest.fixture(scope="module")
def two_way_template() -> dict[str, Any]:
    from aws_cdk import App, Duration, Environment, Stack
    from aws_cdk import aws_events as events
    from sms_pool_settings import PoolSettings

    app = App()
    stack = Stack(app, "FunctionalDrift", env=Environment(account=ACCOUNT, region=REGION))
    settings = TWO_WAY[TWO_WAY_POOL]
    PoolSettings(
        stack,
        "TwoWay",
        pool=TWO_WAY_POOL,
        two_way_enabled=True,
        two_way_channel=str(settings["TwoWayChannelArn"]),
        two_way_channel_role=TWO_WAY_ROLE,
        drift_check=events.Schedule.rate(Duration.hours(1)),
        drift_auto_correct=True,
    )
    return dict(app.synth().get_stack_by_name("FunctionalDrift").template)


def test_auto_correct_passes_the_applied_two_way_role_to_the_sms_service_only(
    deploy, run_check, two_way_template
) -> None:
    # GIVEN: the pool's two-way role replaced out of band
    stack = deploy(two_way_template, TWO_WAY)
    _sms().update_pool(PoolId=TWO_WAY_POOL, TwoWayChannelRole=OTHER_ROLE)
    # WHEN
    summary = run_check(stack, of=two_way_template)
    # THEN: written back under the drift role's conditioned iam:PassRole
    assert summary["Drifted"] == {TWO_WAY_POOL: 1}
    assert _sms().describe_pools(PoolIds=[TWO_WAY_POOL])["Pools"][0]["TwoWayChannelRole"] == TWO_WAY_ROLE


def test_without_its_pass_role_statement_the_correction_of_a_two_way_role_is_denied(
    deploy, run_check, two_way_template, emulator
) -> None:
    # GIVEN: the same drift, the drift role's policy without iam:PassRole
    stack = deploy(two_way_template, TWO_WAY)
    _sms().update_pool(PoolId=TWO_WAY_POOL, TwoWayChannelRole=OTHER_ROLE)
    policies = _without(_drift_policies(two_way_template, stack), "iam:PassRole")
    # WHEN / THEN: the run reports the denied write, and still publishes what it found
    with pytest.raises(
        drift_check.DriftCheckError, match=r"^UpdatePool arn:aws:sms-voice:\S+ denied: AccessDeniedException"
    ):
        run_check(stack, of=two_way_template, policies=policies)
    (denied,) = [call for call in emulator.control.calls("UpdatePool") if call["error"]]
    assert "iam:PassRole" in denied["message"]
    assert _datapoints(TWO_WAY_POOL) == [{"Maximum": 1.0, "Minimum": 1.0, "SampleCount": 1.0}]
    assert _sms().describe_pools(PoolIds=[TWO_WAY_POOL])["Pools"][0]["TwoWayChannelRole"] == OTHER_ROLE
