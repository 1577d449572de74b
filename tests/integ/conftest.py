"""Fixtures of the driver's tests: the example app synthesized once per session with the pinned CDK CLI."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from local_deploy.synth import synth
from local_deploy.template import Template

EXISTING_POOL = "pool-0123456789abcdef0123456789abcdef"
OTHER_POOL = "pool-0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b"
STACK = "SmsPoolSettingsExample"
HERE = Path(__file__).resolve().parent
# The trust policy of a hand-written template's Lambda role.
TRUST_LAMBDA = {
    "Version": "2012-10-17",
    "Statement": [
        {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}
    ],
}

# name -> CDK context of each variant of the example app the tests deploy.
# The example app is synthesized for the emulator's account (its own default is 111111111111).
LOCAL = {"account": "123456789012"}
VARIANTS = {
    "base": {**LOCAL, "existingPoolId": EXISTING_POOL},
    "reconcile": {**LOCAL, "existingPoolId": EXISTING_POOL, "reconcile": "build-1"},
    "other_pool": {**LOCAL, "existingPoolId": OTHER_POOL},
    "foreign_account": {"existingPoolId": EXISTING_POOL},
}


@pytest.fixture(scope="session")
def assemblies(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """name -> cloud assembly directory of each variant, synthesized by ``npx cdk synth --output``."""
    root = tmp_path_factory.mktemp("cdk-out")
    return {name: str(synth(root / name, context)) for name, context in VARIANTS.items()}


@pytest.fixture
def handlers(monkeypatch):
    """``cr_handlers`` (the test handlers a template names in ``Handler``), importable and reset."""
    monkeypatch.syspath_prepend(str(HERE))
    import cr_handlers

    cr_handlers.reset()
    return cr_handlers


def custom_stack(
    name: str, handler: str, resource_type: str, things: dict[str, dict[str, Any]], timeout: int = 10
) -> Template:
    """A stack of custom resources served by one function running ``handler``: a role, the function,
    and per logical ID its properties (``After``: its DependsOn, not a property)."""
    resources: dict[str, Any] = {
        "Role": {"Type": "AWS::IAM::Role", "Properties": {"AssumeRolePolicyDocument": TRUST_LAMBDA}},
        "Fn": lambda_function(handler, timeout),
    }
    for logical, extra in things.items():
        properties = {k: v for k, v in extra.items() if k != "After"}
        resources[logical] = {
            "Type": resource_type,
            "Properties": {"ServiceToken": {"Fn::GetAtt": ["Fn", "Arn"]}, **properties},
            **({"DependsOn": extra["After"]} if "After" in extra else {}),
        }
    return Template(name, {"Resources": resources})


def lambda_function(handler: str, timeout: int, environment: dict[str, str] | None = None) -> dict[str, Any]:
    """An ``AWS::Lambda::Function`` running ``handler`` (module.attribute) with the role ``Role``."""
    return {
        "Type": "AWS::Lambda::Function",
        "Properties": {
            "Handler": handler,
            "Runtime": "python3.12",
            "Timeout": timeout,
            "Role": {"Fn::GetAtt": ["Role", "Arn"]},
            "Code": {"ZipFile": "local"},
            **({"Environment": {"Variables": environment}} if environment else {}),
        },
    }
