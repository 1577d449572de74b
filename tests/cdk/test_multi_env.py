"""The multi-account examples (examples/multi_account/): an environment-agnostic stack, a StackSet of
cdk-stacksets, and a CDK Pipeline with two stages in two accounts and regions."""

from __future__ import annotations

import importlib.util
import json
import re
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType, SimpleNamespace
from typing import Any

import pytest
from aws_cdk import App, Stage, Token
from aws_cdk.assertions import Match, Template

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "multi_account"
RESOURCE_TYPE = "Custom::SmsPoolSettings"
# Properties that give an IAM resource (or the Lambda and its log group) a fixed physical name: two stack
# instances in one account (two regions) would collide on them.
FIXED_NAME_PROPERTIES = {
    "AWS::IAM::Role": "RoleName",
    "AWS::IAM::ManagedPolicy": "ManagedPolicyName",
    "AWS::IAM::InstanceProfile": "InstanceProfileName",
    "AWS::IAM::User": "UserName",
    "AWS::IAM::Group": "GroupName",
    "AWS::Lambda::Function": "FunctionName",
    "AWS::Logs::LogGroup": "LogGroupName",
}
REGION_NAME = re.compile(r"\b(?:us|eu|ap|sa|ca|me|af|il|mx|cn|us-gov)-[a-z]+-\d\b")


def example(name: str) -> ModuleType:
    """The example module ``examples/multi_account/<name>.py`` (a script, not an installed package)."""
    module_name = f"sms_pool_settings_example_{name}"
    if module_name not in sys.modules:
        spec = importlib.util.spec_from_file_location(module_name, EXAMPLES / f"{name}.py")
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[module_name] = module  # dataclasses look their module up while the class is built
        spec.loader.exec_module(module)
    return sys.modules[module_name]


def strings(value: Any, skip: tuple[str, ...] = ()) -> Iterator[str]:
    """Every string in ``value``, keys included, except under a key in ``skip``."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, list):
        for item in value:
            yield from strings(item, skip)
    elif isinstance(value, dict):
        for key, item in value.items():
            if key in skip:
                continue
            yield key
            yield from strings(item, skip)


def resources_of(template: dict[str, Any], resource_type: str) -> list[dict[str, Any]]:
    return [r for r in template["Resources"].values() if r["Type"] == resource_type]


# --- Environment-agnostic -------------------------------------------------------------------------
@pytest.fixture(scope="module")
def agnostic() -> tuple[Any, dict[str, Any]]:
    stack = example("env_agnostic").build(App())
    return stack, dict(Template.from_stack(stack).to_json())


def test_the_env_agnostic_stack_has_no_synth_time_account_or_region(agnostic: Any) -> None:
    # GIVEN the example stack, with no env
    stack, template = agnostic

    # THEN its account and region stay tokens, and no string of the template (but the asset's key, a
    # content hash) names an account, a region or a partition
    assert Token.is_unresolved(stack.account) and Token.is_unresolved(stack.region)
    leaked = [
        s
        for s in strings(template, skip=("S3Key", "Metadata"))
        if re.search(r"\b\d{12}\b", s) or REGION_NAME.search(s) or s.startswith("arn:aws")
    ]
    assert leaked == []


def test_the_env_agnostic_pool_and_flag_come_from_parameters(agnostic: Any) -> None:
    # GIVEN the example stack
    _, template = agnostic

    # THEN the pool, the flag and the token are the parameters' values
    assert template["Parameters"]["PoolId"] == {
        "Type": "String",
        "Description": "The pool of this account and region: a pool ID (pool-...) or its ARN.",
        "MinLength": 1,
    }
    assert template["Parameters"]["DeletionProtection"]["AllowedValues"] == ["true", "false"]
    Template.from_json(template).has_resource_properties(
        RESOURCE_TYPE,
        {
            "PoolId": {"Ref": "PoolId"},
            "DeletionProtectionEnabled": {"Ref": "DeletionProtection"},
            "SharedRoutesEnabled": False,
            "ReconcileToken": {"Ref": "ReconcileToken"},
        },
    )


def test_the_env_agnostic_role_is_scoped_by_the_stacks_own_pseudo_parameters(
    agnostic: Any, h: SimpleNamespace
) -> None:
    # GIVEN the example stack, whose pool is a parameter (an ID or an ARN at deploy time)
    _, template = agnostic
    pattern = h.AGNOSTIC_POOL_PATTERN

    # THEN the pool actions are granted on the pattern of the account and region deployed to
    Template.from_json(template).has_resource_properties(
        "AWS::IAM::Policy",
        {
            "PolicyDocument": {
                "Statement": Match.array_with(
                    [
                        Match.object_like(
                            {
                                "Action": ["sms-voice:DescribePools", "sms-voice:UpdatePool"],
                                "Resource": pattern,
                            }
                        )
                    ]
                )
            }
        },
    )


# --- StackSet -------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def stackset() -> dict[str, Any]:
    module = example("stackset")
    app = App()
    parent, bucket_stacks = module.build(app)
    assembly = app.synth()
    files = list(Path(assembly.directory).glob("*.stackset.template.json"))
    assert len(files) == 1, files
    return {
        "module": module,
        "parent": Template.from_stack(parent).to_json(),
        "buckets": [Template.from_stack(s).to_json() for s in bucket_stacks],
        "template": json.loads(files[0].read_text(encoding="utf-8")),
    }


def test_the_stackset_templates_only_asset_references_are_the_per_region_buckets(stackset: Any) -> None:
    # GIVEN the StackSet's template (what every stack instance deploys)
    template, prefix = stackset["template"], stackset["module"].ASSET_BUCKET_PREFIX

    # THEN the Lambda's code is read from <prefix>-<the instance's region>
    functions = resources_of(template, "AWS::Lambda::Function")
    assert len(functions) == 1
    assert functions[0]["Properties"]["Code"]["S3Bucket"] == {
        "Fn::Join": ["-", [prefix, {"Ref": "AWS::Region"}]]
    }
    # AND nothing refers to CDK's bootstrap (its asset bucket, its version parameter or rule)
    bootstrap = [s for s in strings(template) if "cdk-hnb659fds" in s or "BootstrapVersion" in s]
    assert bootstrap == []
    assert "Rules" not in template
    # AND every S3 bucket named anywhere is that one
    buckets = [value for key, value in _pairs(template) if key in ("S3Bucket", "Bucket", "BucketName")]
    assert buckets == [{"Fn::Join": ["-", [prefix, {"Ref": "AWS::Region"}]]}]


def _pairs(value: Any) -> Iterator[tuple[str, Any]]:
    if isinstance(value, dict):
        for key, item in value.items():
            yield key, item
            yield from _pairs(item)
    elif isinstance(value, list):
        for item in value:
            yield from _pairs(item)


def test_the_stackset_template_fixes_no_iam_or_lambda_name(stackset: Any) -> None:
    # GIVEN the StackSet's template
    template = stackset["template"]

    # THEN no resource has a fixed physical name that two instances in one account would share
    named = [
        (logical_id, FIXED_NAME_PROPERTIES[r["Type"]])
        for logical_id, r in template["Resources"].items()
        if FIXED_NAME_PROPERTIES.get(r["Type"]) in r.get("Properties", {})
    ]
    assert named == []
    assert len(resources_of(template, "AWS::IAM::Role")) == 1  # the provider's role is in the template
    assert resources_of(template, RESOURCE_TYPE)[0]["Properties"]["PoolId"] == {"Ref": "PoolId"}


def test_the_parent_publishes_the_code_to_each_regions_bucket_and_deploys_to_the_ou(stackset: Any) -> None:
    # GIVEN the parent stack and the StackSet template
    parent, template, module = stackset["parent"], stackset["template"], stackset["module"]
    key = resources_of(template, "AWS::Lambda::Function")[0]["Properties"]["Code"]["S3Key"]

    # THEN one BucketDeployment per region copies the very zip the template names
    deployments = resources_of(parent, "Custom::CDKBucketDeployment")
    assert sorted(d["Properties"]["DestinationBucketName"] for d in deployments) == sorted(
        f"{module.ASSET_BUCKET_PREFIX}-{region}" for region in module.REGIONS
    )
    assert all(d["Properties"]["SourceObjectKeys"] == [key] for d in deployments)
    # AND the StackSet is service-managed, auto-deployed to the OU in both regions, with CAPABILITY_IAM
    Template.from_json(parent).has_resource_properties(
        "AWS::CloudFormation::StackSet",
        {
            "PermissionModel": "SERVICE_MANAGED",
            "AutoDeployment": {"Enabled": True, "RetainStacksOnAccountRemoval": True},
            "Capabilities": ["CAPABILITY_IAM"],
            "StackInstancesGroup": [
                Match.object_like(
                    {
                        "DeploymentTargets": Match.object_like(
                            {"OrganizationalUnitIds": [module.ORGANIZATIONAL_UNIT]}
                        ),
                        "Regions": list(module.REGIONS),
                        "ParameterOverrides": [
                            {
                                "ParameterKey": "PoolId",
                                "ParameterValue": "pool-0123456789abcdef0123456789abcdef",
                            }
                        ],
                    }
                )
            ],
        },
    )


def test_each_asset_bucket_is_named_for_its_region_and_readable_by_the_organization(stackset: Any) -> None:
    module = stackset["module"]
    for region, template in zip(module.REGIONS, stackset["buckets"], strict=True):
        Template.from_json(template).has_resource_properties(
            "AWS::S3::Bucket", {"BucketName": f"{module.ASSET_BUCKET_PREFIX}-{region}"}
        )
        Template.from_json(template).has_resource_properties(
            "AWS::S3::BucketPolicy",
            {
                "PolicyDocument": {
                    "Statement": Match.array_with(
                        [
                            Match.object_like(
                                {
                                    "Action": "s3:GetObject",
                                    "Condition": {
                                        "StringEquals": {"aws:PrincipalOrgID": module.ORGANIZATION_ID}
                                    },
                                }
                            )
                        ]
                    )
                }
            },
        )


# --- CDK Pipelines --------------------------------------------------------------------------------
def _pipeline(reconcile: str | None) -> tuple[dict[str, Any], dict[str, Any]]:
    """The pipeline stack's template and, per stage name, its one stack's artifact."""
    app = App(context={"reconcile": reconcile} if reconcile else {})
    stack = example("pipeline").build(app)
    pipeline = dict(Template.from_stack(stack).to_json())
    stages = {}
    for child in app.node.children:
        if isinstance(child, Stage):
            (artifact,) = child.synth().stacks
            stages[child.stage_name] = artifact
    return pipeline, stages


@pytest.fixture(scope="module")
def pipeline_runs() -> dict[str, Any]:
    return {"41": _pipeline("41"), "42": _pipeline("42")}


def test_the_pipeline_deploys_two_stages_in_two_accounts_and_regions(pipeline_runs: Any) -> None:
    # GIVEN the example pipeline synthesized offline
    pipeline, stages = pipeline_runs["42"]
    targets = {t.name: t for t in example("pipeline").TARGETS}

    # THEN it has a deploy stage per target, production behind a manual approval
    (codepipeline,) = resources_of(pipeline, "AWS::CodePipeline::Pipeline")
    actions = {s["Name"]: [a["Name"] for a in s["Actions"]] for s in codepipeline["Properties"]["Stages"]}
    assert actions["Staging"] == ["Prepare", "Deploy"]
    assert actions["Production"] == ["PromoteToProduction", "Messaging.Prepare", "Messaging.Deploy"]
    # AND each stage's stack is in its own account and region, managing that account's pool with ARNs
    # of that account and region
    assert {name: (a.environment.account, a.environment.region) for name, a in stages.items()} == {
        name: (t.account, t.region) for name, t in targets.items()
    }
    for name, artifact in stages.items():
        target = targets[name]
        (resource,) = resources_of(artifact.template, RESOURCE_TYPE)
        assert resource["Properties"]["PoolId"] == target.pool_id
        statements = [
            s
            for policy in resources_of(artifact.template, "AWS::IAM::Policy")
            for s in policy["Properties"]["PolicyDocument"]["Statement"]
            if s["Action"] == ["sms-voice:DescribePools", "sms-voice:UpdatePool"]
        ]
        assert [json.dumps(s["Resource"]) for s in statements] == [
            json.dumps(
                {
                    "Fn::Join": [
                        "",
                        [
                            "arn:",
                            {"Ref": "AWS::Partition"},
                            f":sms-voice:{target.region}:{target.account}:pool/*",
                        ],
                    ]
                }
            )
        ]


def test_each_stage_gets_its_own_reconcile_token_from_the_build(pipeline_runs: Any) -> None:
    # GIVEN two pipeline runs, builds 41 and 42
    tokens = {
        build: {
            name: resources_of(a.template, RESOURCE_TYPE)[0]["Properties"]["ReconcileToken"]
            for name, a in stages.items()
        }
        for build, (_, stages) in pipeline_runs.items()
    }

    # THEN each stage's token names the build and the stage: a new build forces an Update in each
    assert tokens == {
        "41": {"Staging": "41-Staging", "Production": "41-Production"},
        "42": {"Staging": "42-Staging", "Production": "42-Production"},
    }


def test_a_new_reconcile_token_leaves_the_pipeline_stack_unchanged(pipeline_runs: Any) -> None:
    # GIVEN two pipeline runs with different tokens
    # THEN the pipeline's own template is the same: a new build never makes the pipeline mutate itself
    assert pipeline_runs["41"][0] == pipeline_runs["42"][0]


def test_without_a_build_id_the_stages_have_no_reconcile_token() -> None:
    _, stages = _pipeline(None)

    assert [
        "ReconcileToken" in resources_of(a.template, RESOURCE_TYPE)[0]["Properties"] for a in stages.values()
    ] == [False, False]
