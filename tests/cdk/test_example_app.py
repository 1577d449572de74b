"""The example app: cdk-nag's AwsSolutions checks, cfn-lint, context handling and `npx cdk synth` offline."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from aws_cdk import App, CfnParameter, Environment, Stack, Validations
from aws_cdk import aws_iam as iam
from aws_cdk.assertions import Annotations, Match, Template
from cdk_nag import AwsSolutionsChecks
from pool_settings_handler.constants import RESOURCE_TYPE
from sms_pool_settings import PoolSettings, PoolSettingsProvider

STACK = "SmsPoolSettingsExample"
DEFAULT_POOL_ID = "pool-0123456789abcdef0123456789abcdef"


@pytest.fixture(scope="module")
def example(h: SimpleNamespace) -> SimpleNamespace:
    """The example app with its defaults and cdk.json's feature flags, synthesized once."""
    app: App = h.example_app()
    stack = app.node.find_child(STACK)
    assert isinstance(stack, Stack)
    template = Template.from_stack(stack)  # synthesizes: the provider's aspect has written its grants
    return SimpleNamespace(app=app, stack=stack, template=template)


def _violations(app: App) -> list[tuple[str, list[str]]]:
    report = AwsSolutionsChecks(app).validate_scope(app)
    return [(v.rule_name, [r.construct_path for r in v.violating_resources]) for v in report.violations]


def test_the_example_app_has_no_cdk_nag_aws_solutions_findings(example: SimpleNamespace) -> None:
    # THEN
    assert _violations(example.app) == []


# The findings cdk-nag reports for the pool and role patterns (the provider acknowledges exactly these):
# the partition is a literal with `@aws-cdk/core:enablePartitionLiterals` (every `cdk init` app) and the
# pseudo parameter without it; an environment-agnostic stack has the region and account as pseudo
# parameters too.
PATTERN_FINDINGS = {
    "partition literals (cdk init)": [
        "AwsSolutions-IAM5[Resource::arn:aws:iam::123456789012:role/*]",
        "AwsSolutions-IAM5[Resource::arn:aws:sms-voice:us-east-1:123456789012:pool/*]",
    ],
    "no feature flags": [
        "AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:iam::123456789012:role/*]",
        "AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:sms-voice:us-east-1:123456789012:pool/*]",
    ],
    "environment-agnostic": [
        "AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:iam::<AWS::AccountId>:role/*]",
        "AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:sms-voice:<AWS::Region>:<AWS::AccountId>:pool/*]",
    ],
}


def _one_pool_with_a_role(h: SimpleNamespace, case: str) -> Stack:
    if case == "environment-agnostic":
        stack = h.new_stack(account=None, region=None, context=h.CDK_INIT_CONTEXT)
        pool = CfnParameter(stack, "PoolId").value_as_string
    else:
        stack = h.new_stack(context=h.CDK_INIT_CONTEXT if case.startswith("partition") else None)
        pool = h.pool_id(0)
    role = iam.Role(stack, "Inbound", assumed_by=iam.ServicePrincipal("sms-voice.amazonaws.com"))
    PoolSettings(stack, "S", pool=pool, two_way_channel_role=role)
    return stack


@pytest.mark.parametrize("case", list(PATTERN_FINDINGS))
def test_cdk_nag_sees_the_pool_and_role_patterns_without_the_providers_acknowledgement(
    h: SimpleNamespace, case: str
) -> None:
    # GIVEN: a single pool (the patterns do not wait for many pools) and a two-way role, and the provider
    # policy's statements copied into a policy of the test's, which nobody acknowledged
    stack = _one_pool_with_a_role(h, case)
    provider = PoolSettingsProvider.of(stack)
    Template.from_stack(stack)  # the aspect writes the statements
    default_policy = provider.role.node.find_child("DefaultPolicy")
    assert isinstance(default_policy, iam.Policy)
    copy = iam.Policy(stack, "Copy", document=default_policy.document, roles=[provider.role])
    # WHEN
    violations = _violations(stack.node.root)
    # THEN: the two findings the provider acknowledges, on the copy only (so they are real, and exact)
    assert sorted(violations) == [
        (finding, [f"{copy.node.path}/Resource"]) for finding in PATTERN_FINDINGS[case]
    ]


@pytest.mark.parametrize("case", ["no feature flags", "partition literals (cdk init)"])
def test_cdk_nag_as_a_validation_plugin_passes_110_pools_and_roles_without_the_apps_acknowledgement(
    h: SimpleNamespace, tmp_path: Path, case: str
) -> None:
    # GIVEN: cdk-nag as a validation plugin (synth fails on a finding), and nothing acknowledged by the app
    app = App(outdir=str(tmp_path), context=h.CDK_INIT_CONTEXT if case.startswith("partition") else None)
    stack = Stack(app, "TestStack", env=Environment(account=h.ACCOUNT, region=h.REGION))
    for number in range(110):
        PoolSettings(
            stack,
            f"S{number}",
            pool=h.pool_id(number),
            two_way_channel_role=f"arn:aws:iam::{h.ACCOUNT}:role/inbound-{number}",
        )
    Validations.of(app).add_plugins(AwsSolutionsChecks(app))
    # WHEN / THEN: no RuntimeError
    app.synth()


def test_the_example_app_passes_cfn_lint(
    h: SimpleNamespace, example: SimpleNamespace, tmp_path: Path
) -> None:
    # WHEN
    lint = h.cfn_lint(example.template.to_json(), tmp_path)
    # THEN
    assert lint == (0, "", "")


def test_the_existing_pool_and_the_new_pool_are_both_managed(example: SimpleNamespace) -> None:
    # THEN
    example.template.resource_count_is(RESOURCE_TYPE, 2)
    example.template.resource_count_is("AWS::SMSVOICE::Pool", 1)
    example.template.resource_count_is("AWS::SMSVOICE::OptOutList", 1)
    example.template.has_resource_properties(
        RESOURCE_TYPE,
        {"PoolId": DEFAULT_POOL_ID, "DeletionProtectionEnabled": True, "ReconcileToken": Match.absent()},
    )
    example.template.has_resource_properties(
        RESOURCE_TYPE,
        {
            "PoolId": {"Fn::GetAtt": [Match.string_like_regexp("^Pool"), "PoolId"]},
            "TwoWayEnabled": False,
            "SelfManagedOptOutsEnabled": True,
            "OptOutListName": {"Ref": Match.string_like_regexp("^OptOutList")},
            "DeletionProtectionEnabled": True,
        },
    )


def test_the_created_pool_declares_none_of_the_managed_settings(example: SimpleNamespace) -> None:
    # THEN
    (pool,) = example.template.find_resources("AWS::SMSVOICE::Pool").values()
    managed = {"TwoWay", "SelfManagedOptOutsEnabled", "OptOutListName", "SharedRoutesEnabled",
               "DeletionProtectionEnabled"}  # fmt: skip
    assert not managed & set(pool["Properties"])


def test_context_sets_the_existing_pool_and_the_reconcile_token(h: SimpleNamespace) -> None:
    # GIVEN
    other_pool = "pool-ffffffffffffffffffffffffffffffff"
    # WHEN
    app = h.example_app({"existingPoolId": other_pool, "reconcile": "build-77"})
    template = Template.from_stack(app.node.find_child(STACK))
    # THEN
    template.has_resource_properties(RESOURCE_TYPE, {"PoolId": other_pool, "ReconcileToken": "build-77"})
    assert len(template.find_resources(RESOURCE_TYPE, {"Properties": {"ReconcileToken": "build-77"}})) == 2


def test_an_empty_reconcile_context_emits_no_token(h: SimpleNamespace) -> None:
    # WHEN
    app = h.example_app({"reconcile": ""})
    # THEN
    template = Template.from_stack(app.node.find_child(STACK))
    template.has_resource_properties(RESOURCE_TYPE, {"ReconcileToken": Match.absent()})
    assert not template.find_resources(RESOURCE_TYPE, {"Properties": {"ReconcileToken": Match.any_value()}})


@pytest.mark.slow
def test_npx_cdk_synth_works_offline_and_is_deterministic(h: SimpleNamespace, tmp_path: Path) -> None:
    # GIVEN: no credentials, no network lookups, the project venv first on PATH (as the Makefile does)
    env: dict[str, Any] = {
        key: value for key, value in os.environ.items() if not key.startswith("AWS_") or key == "AWS_REGION"
    }
    env.update(
        PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
        AWS_CONFIG_FILE=os.devnull,
        AWS_SHARED_CREDENTIALS_FILE=os.devnull,
        AWS_EC2_METADATA_DISABLED="true",
    )

    def synth(outdir: Path) -> dict[str, Any]:
        result = subprocess.run(
            ["npx", "--no-install", "cdk", "synth", "--quiet", "--no-notices", "-o", str(outdir)],
            cwd=h.REPO_ROOT, env=env, capture_output=True, text=True, timeout=300, check=False,
        )  # fmt: skip
        assert result.returncode == 0, result.stderr[-2000:]
        return json.loads((outdir / f"{STACK}.template.json").read_text())

    # WHEN
    first, second = synth(tmp_path / "one"), synth(tmp_path / "two")
    # THEN
    assert first == second
    assert sum(r["Type"] == RESOURCE_TYPE for r in first["Resources"].values()) == 2


@pytest.mark.parametrize(
    ("environ", "context", "expected"),
    [
        ({}, {}, ("111111111111", "us-east-1")),
        (
            {"CDK_DEFAULT_ACCOUNT": "222222222222", "CDK_DEFAULT_REGION": "eu-west-1"},
            {},
            ("222222222222", "eu-west-1"),
        ),
        (
            {"CDK_DEFAULT_ACCOUNT": "222222222222", "CDK_DEFAULT_REGION": "eu-west-1"},
            {"account": "333333333333", "region": "us-west-2"},
            ("333333333333", "us-west-2"),
        ),
    ],
    ids=["no credentials: the offline defaults", "credentials: the CLI's account", "-c wins"],
)
def test_the_stack_goes_where_the_cli_says_unless_context_says_otherwise(
    h: SimpleNamespace,
    monkeypatch: pytest.MonkeyPatch,
    environ: dict[str, str],
    context: dict[str, str],
    expected: tuple[str, str],
) -> None:
    # GIVEN: what `npx cdk deploy -c existingPoolId=...` sets when it finds credentials (or not)
    for key in ("CDK_DEFAULT_ACCOUNT", "CDK_DEFAULT_REGION"):
        monkeypatch.delenv(key, raising=False)
    for key, value in environ.items():
        monkeypatch.setenv(key, value)
    # WHEN
    app = h.example_app(context)
    stack = app.node.find_child(STACK)
    assert isinstance(stack, Stack)
    # THEN
    assert (stack.account, stack.region) == expected


@pytest.mark.parametrize(
    ("context", "created_pools"),
    [({}, 0), ({"phoneNumberId": "phone-ffffffffffffffffffffffffffffffff"}, 1)],
    ids=["only the existing pool", "with your phone number"],
)
def test_with_credentials_the_documented_deploy_command_needs_nothing_that_is_not_in_your_account(
    h: SimpleNamespace, monkeypatch: pytest.MonkeyPatch, context: dict[str, str], created_pools: int
) -> None:
    # GIVEN: `npx cdk deploy -c existingPoolId=...` with credentials (the CLI sets CDK_DEFAULT_ACCOUNT);
    # the offline default phone number does not exist in a real account
    monkeypatch.setenv("CDK_DEFAULT_ACCOUNT", "222222222222")
    monkeypatch.setenv("CDK_DEFAULT_REGION", "eu-west-1")
    # WHEN
    app = h.example_app({"existingPoolId": DEFAULT_POOL_ID, **context})
    stack = app.node.find_child(STACK)
    template = Template.from_stack(stack)
    # THEN: the existing pool's settings always; the created pool only on a number you named
    template.resource_count_is(RESOURCE_TYPE, 1 + created_pools)
    template.resource_count_is("AWS::SMSVOICE::Pool", created_pools)
    if created_pools:
        (pool,) = template.find_resources("AWS::SMSVOICE::Pool").values()
        assert pool["Properties"]["OriginationIdentities"] == [
            "arn:aws:sms-voice:eu-west-1:222222222222:phone-number/phone-ffffffffffffffffffffffffffffffff"
        ]
    else:
        infos = Annotations.from_stack(stack).find_info(
            f"/{STACK}", Match.string_like_regexp("phoneNumberId")
        )
        assert len(infos) == 1


@pytest.mark.slow
def test_cdk_json_has_the_feature_flags_cdk_init_writes_for_the_pinned_cli(
    h: SimpleNamespace, tmp_path: Path
) -> None:
    # GIVEN: the pinned CLI (package.json), offline
    env = {**os.environ, "CDK_DISABLE_VERSION_CHECK": "1", "CDK_DISABLE_CLI_TELEMETRY": "1"}
    cli = h.REPO_ROOT / "node_modules" / ".bin" / "cdk"
    # WHEN
    result = subprocess.run(
        [str(cli), "init", "app", "--language", "python", "--generate-only"],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    # THEN
    assert result.returncode == 0, result.stderr[-2000:]
    generated = json.loads((tmp_path / "cdk.json").read_text())["context"]
    assert generated == h.CDK_INIT_CONTEXT


def test_the_records_patterns_are_acknowledged_on_the_records_policy_only(h: SimpleNamespace) -> None:
    # GIVEN: the records policy's two patterns granted again, on the role's DefaultPolicy
    stack = h.new_stack(context=h.CDK_INIT_CONTEXT)
    PoolSettings(stack, "Settings", pool=DEFAULT_POOL_ID, deletion_protection_enabled=True)
    patterns = [
        "arn:aws:ssm:us-east-1:123456789012:parameter/sms-pool-settings/*",
        "arn:aws:cloudformation:us-east-1:123456789012:stack/*/*",
    ]
    PoolSettingsProvider.of(stack).role.add_to_principal_policy(
        iam.PolicyStatement(actions=["ssm:GetParameter"], resources=patterns)
    )
    # WHEN
    Template.from_stack(stack)
    violations = _violations(stack.node.root)
    # THEN: cdk-nag reports them there (so the acknowledgement is what keeps the example app clean), and
    # not on RecordsPolicy
    default_policy = "TestStack/SmsPoolSettingsProvider/Role/DefaultPolicy/Resource"
    assert sorted(violations) == sorted(
        (f"AwsSolutions-IAM5[Resource::{p}]", [default_policy]) for p in patterns
    )
