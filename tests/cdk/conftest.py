"""Fixtures for the construct's tests: stacks in a fixed account and region, and template helpers.

Synthesis is the slow part (about a second per stack through jsii): tests that only read a template
share one synthesized stack per module.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from aws_cdk import App, Environment, Stack

ACCOUNT = "123456789012"
REGION = "us-east-1"
REPO_ROOT = Path(__file__).resolve().parents[2]


# The feature flags `cdk init` writes for the pinned CLI (the example app's cdk.json has exactly them):
# what a new app gets. Tests that use them say so; the others use CDK's defaults without flags.
CDK_INIT_CONTEXT: dict[str, Any] = json.loads((REPO_ROOT / "cdk.json").read_text(encoding="utf-8"))["context"]
PARTITION_LITERALS = {"@aws-cdk/core:enablePartitionLiterals": True}


def new_stack(
    stack_id: str = "TestStack",
    *,
    account: str | None = ACCOUNT,
    region: str | None = REGION,
    context: dict[str, Any] | None = None,
) -> Stack:
    """A stack in a new app; account and region concrete unless given as None (environment-agnostic).

    ``context`` is the app's context (feature flags). Default: - none, CDK's defaults
    """
    env = Environment(account=account, region=region) if account or region else None
    return Stack(App(context=context), stack_id, env=env)


def example_app(context: dict[str, Any] | None = None, **kwargs: Any) -> App:
    """The example app as `npx cdk synth` builds it: cdk.json's context, then ``context`` (``-c``)."""
    return app_module().build_app({**CDK_INIT_CONTEXT, **(context or {})}, **kwargs)


def pool_id(number: int) -> str:
    """A syntactically valid pool ID, different for every ``number``."""
    return f"pool-{number:032x}"


# The logical ID prefix of the provider's policy for the handler's records and CloudFormation reads.
RECORDS_POLICY = "SmsPoolSettingsProviderRecordsPolicy"
# The pools of the account and region an environment-agnostic stack is deployed to, as CDK writes it.
AGNOSTIC_POOL_PATTERN = {
    "Fn::Join": [
        "",
        [
            "arn:",
            {"Ref": "AWS::Partition"},
            ":sms-voice:",
            {"Ref": "AWS::Region"},
            ":",
            {"Ref": "AWS::AccountId"},
            ":pool/*",
        ],
    ]
}


def role_statements(template: dict[str, Any], *, records: bool = True) -> list[dict[str, Any]]:
    """Every statement of every inline policy attached to the provider's role.

    ``records=False`` leaves out the records policy (the same for every stack; see ``records_statements``).
    """
    statements: list[dict[str, Any]] = []
    for logical_id, resource in template["Resources"].items():
        if not records and logical_id.startswith(RECORDS_POLICY):
            continue
        if resource["Type"] == "AWS::IAM::Policy":
            statements += resource["Properties"]["PolicyDocument"]["Statement"]
        if resource["Type"] == "AWS::IAM::Role":
            for policy in resource["Properties"].get("Policies", []):
                statements += policy["PolicyDocument"]["Statement"]
    return statements


def app_module() -> Any:
    """The example app's module (cdk/app.py is a script, not part of the installed package)."""
    if "sms_pool_settings_example_app" not in sys.modules:
        import importlib.util

        spec = importlib.util.spec_from_file_location(
            "sms_pool_settings_example_app", REPO_ROOT / "cdk/app.py"
        )
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[spec.name] = module
        spec.loader.exec_module(module)
    return sys.modules["sms_pool_settings_example_app"]


def cfn_lint(template: dict[str, Any], directory: Path) -> tuple[int, str, str]:
    """cfn-lint's exit code, stdout and stderr for ``template``, written as JSON into ``directory``."""
    path = directory / "template.json"
    path.write_text(json.dumps(template))
    lint = subprocess.run(
        [str(Path(sys.executable).parent / "cfn-lint"), str(path)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    return lint.returncode, lint.stdout, lint.stderr


def compact(value: Any) -> str:
    """JSON as IAM counts it: without whitespace."""
    return json.dumps(value, separators=(",", ":"))


# What CloudFormation's intrinsics become at deploy time, choosing the longest realistic values, so a
# policy measured this way is at least as long as the one IAM will see.
_LONGEST_PARTITION = "aws-us-gov"
_LONGEST_ARN = f"arn:{_LONGEST_PARTITION}:sms-voice:us-gov-west-1:{ACCOUNT}:opt-out-list/" + "x" * 64


def deployed(value: Any) -> Any:
    """``value`` with Ref, Fn::GetAtt and Fn::Join replaced by the longest values they can take."""
    if isinstance(value, list):
        return [deployed(v) for v in value]
    if not isinstance(value, dict):
        return value
    if set(value) == {"Ref"}:
        return {"AWS::Partition": _LONGEST_PARTITION, "AWS::Region": "us-gov-west-1"}.get(
            value["Ref"], _LONGEST_ARN
        )
    if set(value) == {"Fn::GetAtt"}:
        return _LONGEST_ARN
    if set(value) == {"Fn::Join"}:
        separator, parts = value["Fn::Join"]
        return separator.join(deployed(p) for p in parts)
    return {k: deployed(v) for k, v in value.items()}


@pytest.fixture(scope="session")
def h() -> SimpleNamespace:
    """The helpers above, for test modules (pytest's importlib mode cannot import conftest)."""
    return SimpleNamespace(
        ACCOUNT=ACCOUNT,
        REGION=REGION,
        REPO_ROOT=REPO_ROOT,
        new_stack=new_stack,
        pool_id=pool_id,
        role_statements=role_statements,
        RECORDS_POLICY=RECORDS_POLICY,
        AGNOSTIC_POOL_PATTERN=AGNOSTIC_POOL_PATTERN,
        app_module=app_module,
        example_app=example_app,
        CDK_INIT_CONTEXT=CDK_INIT_CONTEXT,
        PARTITION_LITERALS=PARTITION_LITERALS,
        compact=compact,
        deployed=deployed,
        cfn_lint=cfn_lint,
    )
