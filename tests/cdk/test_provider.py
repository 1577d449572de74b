"""The provider: one Lambda per stack, its runtime and limits, its exact IAM statements, its offline asset."""

from __future__ import annotations

import importlib.util
import io
import zipfile
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from aws_cdk import App, CfnParameter, Duration, Environment, Stack
from aws_cdk import aws_events as events
from aws_cdk import aws_iam as iam
from aws_cdk import aws_smsvoice as smsvoice
from aws_cdk.assertions import Match, Template
from pool_settings_handler.constants import RECORD_PREFIX, RESOURCE_TYPE
from sms_pool_settings import PoolSettings
from sms_pool_settings._asset import asset_files, stage_asset
from sms_pool_settings._strip import strip_python_file

POOL = "pool-0123456789abcdef0123456789abcdef"
LOGS = {
    "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
    "Effect": "Allow",
    "Resource": {"Fn::GetAtt": [Match.string_like_regexp("^SmsPoolSettingsProviderLogGroup"), "Arn"]},
}


def _partitioned(suffix: str) -> dict[str, Any]:
    return {"Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"}, suffix]]}


@pytest.fixture(scope="module")
def three(h: SimpleNamespace) -> Template:
    """A stack with three PoolSettings."""
    # GIVEN
    stack = h.new_stack()
    # WHEN
    for number in range(3):
        PoolSettings(stack, f"Settings{number}", pool=h.pool_id(number), deletion_protection_enabled=True)
    return Template.from_stack(stack)


def test_three_pool_settings_share_one_lambda_role_and_log_group(three: Template) -> None:
    # THEN
    three.resource_count_is(RESOURCE_TYPE, 3)
    three.resource_count_is("AWS::Lambda::Function", 1)
    three.resource_count_is("AWS::IAM::Role", 1)
    three.resource_count_is("AWS::IAM::Policy", 2)  # the role's DefaultPolicy and the records policy
    three.resource_count_is("AWS::Logs::LogGroup", 1)
    three.resource_count_is("AWS::IAM::ManagedPolicy", 0)


def test_each_stack_gets_its_own_provider(h: SimpleNamespace) -> None:
    # GIVEN
    app = App()
    stacks = [
        Stack(app, name, env=Environment(account=h.ACCOUNT, region=h.REGION)) for name in ("One", "Two")
    ]
    # WHEN
    for stack in stacks:
        PoolSettings(stack, "Settings", pool=POOL)
    # THEN
    for stack in stacks:
        Template.from_stack(stack).resource_count_is("AWS::Lambda::Function", 1)


def test_a_nested_scope_still_uses_the_stacks_provider(h: SimpleNamespace) -> None:
    # GIVEN
    stack = h.new_stack()
    from constructs import Construct

    nested = Construct(Construct(stack, "Outer"), "Inner")
    # WHEN
    PoolSettings(nested, "Settings", pool=POOL)
    PoolSettings(stack, "Other", pool=POOL)
    # THEN
    Template.from_stack(stack).resource_count_is("AWS::Lambda::Function", 1)
    assert stack.node.try_find_child("SmsPoolSettingsProvider") is not None


def test_the_lambda_runs_the_handler_on_the_newest_python_with_a_deadline(three: Template) -> None:
    # THEN
    three.has_resource_properties(
        "AWS::Lambda::Function",
        {
            "Runtime": "python3.14",
            "Handler": "pool_settings_handler.handler.handler",
            "Timeout": 600,
            "MemorySize": 256,
            "LoggingConfig": {
                "LogGroup": {"Ref": Match.string_like_regexp("^SmsPoolSettingsProviderLogGroup")}
            },
            "Environment": Match.absent(),
        },
    )


def test_the_log_group_keeps_logs_for_three_months(three: Template) -> None:
    # THEN
    three.has_resource_properties("AWS::Logs::LogGroup", {"RetentionInDays": 90})


def test_the_role_uses_no_managed_policy_and_is_assumed_by_lambda_only(three: Template) -> None:
    # THEN
    three.has_resource_properties(
        "AWS::IAM::Role",
        {
            "AssumeRolePolicyDocument": {
                "Statement": [
                    {
                        "Action": "sts:AssumeRole",
                        "Effect": "Allow",
                        "Principal": {"Service": "lambda.amazonaws.com"},
                    }
                ],
                "Version": "2012-10-17",
            },
            "ManagedPolicyArns": Match.absent(),
        },
    )


def test_the_role_may_describe_and_update_the_pools_of_this_account_and_region_only(
    three: Template, h: SimpleNamespace
) -> None:
    # THEN: the pattern, not the three pools: a policy listing them would change when an update names
    # another pool, and CloudFormation rolls the policy back after the PoolSettings (_ROLLBACK_ORDER)
    three.has_resource_properties(
        "AWS::IAM::Policy",
        {
            "PolicyDocument": {
                "Statement": [
                    LOGS,
                    {
                        "Action": ["sms-voice:DescribePools", "sms-voice:UpdatePool"],
                        "Effect": "Allow",
                        "Resource": _partitioned(f":sms-voice:us-east-1:{h.ACCOUNT}:pool/*"),
                    },
                ],
                "Version": "2012-10-17",
            }
        },
    )


def test_every_argument_form_gets_exactly_the_patterns_of_its_account(h: SimpleNamespace) -> None:
    # GIVEN: a pool by ID, by ARN and created, roles by ARN and created; opt-out lists too, which get no
    # statement: UpdatePool authorizes on the pool only (Service Authorization Reference), so an opt-out
    # list ARN in its statement is one IAM never evaluates
    stack = h.new_stack()
    pool = smsvoice.CfnPool(
        stack,
        "Pool",
        origination_identities=[f"arn:aws:sms-voice:us-east-1:{h.ACCOUNT}:phone-number/phone-1"],
        mandatory_keywords={"help": {"message": "h"}, "stop": {"message": "s"}},
    )
    opt_out_list = smsvoice.CfnOptOutList(stack, "OptOutList")
    inbound = iam.Role(stack, "Inbound", assumed_by=iam.ServicePrincipal("sms-voice.amazonaws.com"))
    pool_arn = f"arn:aws:sms-voice:us-east-1:{h.ACCOUNT}:pool/{POOL}"
    # WHEN
    PoolSettings(stack, "ById", pool=POOL, opt_out_list="customers")
    PoolSettings(stack, "ByArn", pool=pool_arn, two_way_channel_role=f"arn:aws:iam::{h.ACCOUNT}:role/inbound")
    PoolSettings(stack, "ByCfn", pool=pool, opt_out_list=opt_out_list, two_way_channel_role=inbound)
    PoolSettings(stack, "Again", pool=POOL, deletion_protection_enabled=True)
    # THEN
    template = Template.from_stack(stack).to_json()
    statements = [s for s in h.role_statements(template, records=False) if s["Action"] != LOGS["Action"]]
    assert statements == [
        {
            "Action": ["sms-voice:DescribePools", "sms-voice:UpdatePool"],
            "Effect": "Allow",
            "Resource": _partitioned(f":sms-voice:us-east-1:{h.ACCOUNT}:pool/*"),
        },
        {
            "Action": "iam:PassRole",
            "Condition": {"StringEquals": {"iam:PassedToService": "sms-voice.amazonaws.com"}},
            "Effect": "Allow",
            "Resource": _partitioned(f":iam::{h.ACCOUNT}:role/*"),
        },
    ]


def test_lambda_never_retries_a_failed_invocation_itself(three: Template) -> None:
    # THEN: an invocation that answered FAILED and was then killed is not run again after
    # CloudFormation has rolled back (issue 11)
    three.resource_count_is("AWS::Lambda::EventInvokeConfig", 1)
    three.has_resource_properties(
        "AWS::Lambda::EventInvokeConfig",
        {
            "FunctionName": {"Ref": Match.string_like_regexp("^SmsPoolSettingsProviderFunction")},
            "MaximumRetryAttempts": 0,
            "Qualifier": "$LATEST",
        },
    )


def test_every_pool_settings_waits_for_the_config_that_turns_lambdas_retries_off(three: Template) -> None:
    # GIVEN
    (config_id,) = three.find_resources("AWS::Lambda::EventInvokeConfig")
    resources = three.find_resources(RESOURCE_TYPE)
    # THEN: the first invocation cannot come before MaximumRetryAttempts: 0 exists (the ServiceToken's
    # Fn::GetAtt orders the resources after the function only)
    assert len(resources) == 3
    assert {k: r.get("DependsOn") for k, r in resources.items()} == {k: [config_id] for k in resources}


def test_with_a_drift_check_pool_settings_wait_for_the_providers_config_only(h: SimpleNamespace) -> None:
    # GIVEN: two functions, each with its EventInvokeConfig
    stack = h.new_stack()
    hourly = events.Schedule.rate(Duration.hours(1))
    PoolSettings(stack, "Checked", pool=POOL, deletion_protection_enabled=True, drift_check=hourly)
    PoolSettings(stack, "Plain", pool=h.pool_id(1), shared_routes_enabled=False)
    # WHEN
    template = Template.from_stack(stack)
    # THEN
    configs = template.find_resources("AWS::Lambda::EventInvokeConfig")
    (provider_config,) = [k for k in configs if k.startswith("SmsPoolSettingsProviderFunction")]
    assert len(configs) == 2
    resources = template.find_resources(RESOURCE_TYPE)
    assert [r.get("DependsOn") for r in resources.values()] == [[provider_config], [provider_config]]


def test_no_pass_role_statement_exists_when_no_role_is_given(three: Template) -> None:
    # THEN
    statements = three.to_json()["Resources"]
    text = str(statements)
    assert "iam:PassRole" not in text
    assert "opt-out-list" not in text


def test_a_pool_token_gets_the_narrowest_pattern_that_covers_an_id_or_an_arn(h: SimpleNamespace) -> None:
    # GIVEN
    stack = h.new_stack()
    parameter = CfnParameter(stack, "PoolId", type="String")
    # WHEN
    PoolSettings(stack, "Settings", pool=parameter.value_as_string, opt_out_list=parameter.value_as_string)
    # THEN
    statements = h.role_statements(Template.from_stack(stack).to_json(), records=False)
    assert statements[1:] == [
        {
            "Action": ["sms-voice:DescribePools", "sms-voice:UpdatePool"],
            "Effect": "Allow",
            "Resource": _partitioned(f":sms-voice:us-east-1:{h.ACCOUNT}:pool/*"),
        },
    ]


def test_no_statement_grants_every_resource(three: Template, h: SimpleNamespace) -> None:
    # THEN
    assert all(s["Resource"] != "*" for s in h.role_statements(three.to_json()))


def test_the_function_waits_for_the_role_policy(three: Template) -> None:
    # THEN
    (function,) = three.find_resources("AWS::Lambda::Function").values()
    policy_ids = sorted(three.find_resources("AWS::IAM::Policy"))
    assert len(policy_ids) == 2
    assert function["DependsOn"] == policy_ids  # the records policy too: the first event reads them


def _records_policy(template: dict[str, Any], prefix: str) -> dict[str, Any]:
    (policy,) = [r for k, r in template["Resources"].items() if k.startswith(prefix)]
    return policy


@pytest.mark.parametrize("literals", [False, True], ids=["no feature flags", "partition literals"])
def test_the_records_and_rollback_statements_are_scoped_to_the_prefix_and_this_account_and_region(
    h: SimpleNamespace, literals: bool
) -> None:
    # GIVEN / WHEN
    stack = h.new_stack(context=h.PARTITION_LITERALS if literals else None)
    PoolSettings(stack, "Settings", pool=POOL, deletion_protection_enabled=True)
    template = Template.from_stack(stack).to_json()

    # THEN: the SSM actions client.py calls on the records' prefix only (a path-named parameter's ARN is
    # parameter/<name without its leading slash>); DescribeStacks on this stack only; DescribeStackResource
    # on this account and region's stacks (a record's owner, known at deploy time)
    def arn(suffix: str) -> Any:
        return f"arn:aws{suffix}" if literals else _partitioned(suffix)

    policy = _records_policy(template, h.RECORDS_POLICY)
    assert policy["Properties"]["PolicyDocument"]["Statement"] == [
        {
            "Action": [
                "ssm:GetParametersByPath",
                "ssm:GetParameter",
                "ssm:PutParameter",
                "ssm:DeleteParameter",
            ],
            "Effect": "Allow",
            "Resource": arn(f":ssm:us-east-1:{h.ACCOUNT}:parameter{RECORD_PREFIX}/*"),
        },
        {"Action": "cloudformation:DescribeStacks", "Effect": "Allow", "Resource": {"Ref": "AWS::StackId"}},
        {
            "Action": "cloudformation:DescribeStackResource",
            "Effect": "Allow",
            "Resource": arn(f":cloudformation:us-east-1:{h.ACCOUNT}:stack/*/*"),
        },
    ]
    (role_id,) = [k for k, r in template["Resources"].items() if r["Type"] == "AWS::IAM::Role"]
    assert policy["Properties"]["Roles"] == [{"Ref": role_id}]


# --- The asset ---------------------------------------------------------------------------------------


def _s3_key(h: SimpleNamespace) -> str:
    stack = h.new_stack()
    PoolSettings(stack, "Settings", pool=POOL)
    (function,) = Template.from_stack(stack).find_resources("AWS::Lambda::Function").values()
    return str(function["Properties"]["Code"]["S3Key"])


def test_two_synths_in_separate_apps_give_the_same_asset(h: SimpleNamespace) -> None:
    # WHEN
    first, second = _s3_key(h), _s3_key(h)
    # THEN
    assert first == second
    assert first.endswith(".zip")


def test_the_asset_holds_the_handler_and_crhelper_from_the_installed_packages(tmp_path: Path) -> None:
    # WHEN
    staged = Path(stage_asset(str(tmp_path)))
    # THEN
    handler_package = Path(
        next(iter(importlib.util.find_spec("pool_settings_handler").submodule_search_locations))
    )
    crhelper_package = Path(next(iter(importlib.util.find_spec("crhelper").submodule_search_locations)))
    # Python files are staged without comments and docstrings (tests/cdk/test_asset_strip.py proves
    # that changes nothing else); everything else byte for byte.
    assert (staged / "pool_settings_handler/handler.py").read_bytes() == strip_python_file(
        (handler_package / "handler.py").read_bytes()
    )
    assert (staged / "crhelper/resource_helper.py").read_bytes() == strip_python_file(
        (crhelper_package / "resource_helper.py").read_bytes()
    )
    assert (staged / "pool_settings_handler/py.typed").read_bytes() == (
        handler_package / "py.typed"
    ).read_bytes()
    assert (staged / "THIRD_PARTY_LICENSES/crhelper/LICENSE").is_file()
    assert sorted(p.name for p in staged.iterdir()) == [
        "THIRD_PARTY_LICENSES",
        "crhelper",
        "pool_settings_handler",
    ]


def test_the_asset_ships_no_bytecode_stubs_or_caches(tmp_path: Path) -> None:
    # WHEN
    staged = Path(stage_asset(str(tmp_path)))
    # THEN
    names = [p.relative_to(staged).as_posix() for p in staged.rglob("*")]
    assert not [n for n in names if "__pycache__" in n or n.endswith((".pyc", ".pyi"))]


def test_staging_twice_reuses_the_same_directory(tmp_path: Path) -> None:
    # WHEN
    first, second = stage_asset(str(tmp_path)), stage_asset(str(tmp_path))
    # THEN
    assert first == second
    assert [p.name for p in tmp_path.iterdir()] == [Path(first).name]


def test_the_zipped_asset_stays_small() -> None:
    # WHEN
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in asset_files().items():
            archive.writestr(name, content)
    # THEN: about 22 KB today (handler 12, crhelper 5, licence 4); this bound catches stubs or caches
    # (the byte budget, _asset.ASSET_ZIPPED_BUDGET, is asserted in test_asset_strip.py)
    assert len(buffer.getvalue()) < 48 * 1024
