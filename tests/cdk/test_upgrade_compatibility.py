"""Upgrades never break a deployed stack: this release's template for the example app is the promise.

CloudFormation refuses an Update that changes a custom resource's ``ServiceToken`` ("Modifying service
token is not allowed") and replaces, or refuses, a resource whose type changes; a changed logical ID is
a delete and a create (for the provider: a new Lambda, so a new ``ServiceToken`` for every
``Custom::SmsPoolSettings``). ``tests/fixtures/example_app_0.1.0.template.json`` is the template 0.1.0
synthesizes for the example app (``cdk/app.py`` with ``cdk.json``'s feature flags and its default
context). Every later synthesis must keep each of its logical IDs, with the same resource type, and each
``ServiceToken`` as it was. Adding resources is allowed; properties may change (the handler's code
asset changes with every release).

``AWS::CDK::Metadata`` is left out: it is CDK's version-reporting resource, present or not depending on
the CLI's ``--version-reporting`` (its removal deletes nothing of the user's).

Refreshing the fixture is a breaking change, allowed only in a new major version (CHANGELOG.md,
docs/construct.md "Compatibility"). To do it deliberately, with the migration note in CHANGELOG.md:

    export PATH=$PWD/.venv/bin:$PATH CDK_DISABLE_VERSION_CHECK=1
    npx cdk synth --quiet -o /tmp/release
    cp /tmp/release/SmsPoolSettingsExample.template.json tests/fixtures/example_app_<version>.template.json

then point ``FIXTURE`` below at the new file and remove the old one.
"""

from __future__ import annotations

import json
from types import SimpleNamespace
from typing import Any

import pytest
from aws_cdk import Stack
from aws_cdk.assertions import Template

FIXTURE_NAME = "example_app_0.1.0.template.json"
CDK_METADATA = "AWS::CDK::Metadata"


def _promised(template: dict[str, Any]) -> dict[str, tuple[str, Any]]:
    """Logical ID -> (type, ServiceToken or None), for every resource but CDK's metadata."""
    return {
        logical_id: (resource["Type"], resource.get("Properties", {}).get("ServiceToken"))
        for logical_id, resource in template["Resources"].items()
        if resource["Type"] != CDK_METADATA
    }


def broken_promises(released: dict[str, Any], current: dict[str, Any]) -> list[str]:
    """What ``current`` changes of ``released`` that CloudFormation would refuse or replace."""
    before, after = _promised(released), _promised(current)
    broken = []
    for logical_id, (resource_type, token) in before.items():
        if logical_id not in after:
            broken.append(f"{logical_id} ({resource_type}) is gone")
            continue
        new_type, new_token = after[logical_id]
        if new_type != resource_type:
            broken.append(f"{logical_id} changed type from {resource_type} to {new_type}")
        if new_token != token:
            broken.append(f"{logical_id} changed ServiceToken from {token} to {new_token}")
    return broken


@pytest.fixture(scope="module")
def released(h: SimpleNamespace) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((h.REPO_ROOT / "tests" / "fixtures" / FIXTURE_NAME).read_text())
    return loaded


@pytest.fixture(scope="module")
def current(h: SimpleNamespace) -> dict[str, Any]:
    stack = h.example_app().node.find_child("SmsPoolSettingsExample")
    assert isinstance(stack, Stack)
    synthesized: dict[str, Any] = Template.from_stack(stack).to_json()
    return synthesized


def test_the_fixture_holds_what_is_promised(released: dict[str, Any]) -> None:
    # THEN: the two custom resources and the provider they name, so the comparison below means something
    promised = _promised(released)
    tokens = {token["Fn::GetAtt"][0] for _, token in promised.values() if token is not None}
    assert sorted(t for t, token in promised.values() if token is not None) == ["Custom::SmsPoolSettings"] * 2
    (function,) = tokens
    assert promised[function][0] == "AWS::Lambda::Function"


def test_this_synthesis_keeps_every_logical_id_type_and_service_token_of_the_release(
    released: dict[str, Any], current: dict[str, Any]
) -> None:
    # THEN
    assert broken_promises(released, current) == []


def test_a_renamed_provider_would_break_the_promise(
    released: dict[str, Any], current: dict[str, Any]
) -> None:
    # GIVEN: the provider's Function under another logical ID (as a new construct ID would give it)
    renamed = json.loads(json.dumps(current))
    resources = renamed["Resources"]
    (function_id,) = [k for k, r in resources.items() if r["Type"] == "AWS::Lambda::Function"]
    resources["OtherProviderFunction"] = resources.pop(function_id)
    for resource in resources.values():
        if "ServiceToken" in resource.get("Properties", {}):
            resource["Properties"]["ServiceToken"] = {"Fn::GetAtt": ["OtherProviderFunction", "Arn"]}
    retyped = json.loads(json.dumps(current))
    (settings_id, *_) = [k for k, r in retyped["Resources"].items() if r["Type"] == "Custom::SmsPoolSettings"]
    retyped["Resources"][settings_id]["Type"] = "AWS::CloudFormation::CustomResource"
    # WHEN / THEN: proves the check above can fail, for each kind of break
    assert sorted(broken_promises(released, renamed)) == sorted(
        [f"{function_id} (AWS::Lambda::Function) is gone"]
        + [
            f"{settings} changed ServiceToken from {{'Fn::GetAtt': ['{function_id}', 'Arn']}} "
            "to {'Fn::GetAtt': ['OtherProviderFunction', 'Arn']}"
            for settings in ("ExistingPoolSettings7B8D07DB", "NewPoolSettingsF836D69A")
        ]
    )
    assert broken_promises(released, retyped) == [
        f"{settings_id} changed type from Custom::SmsPoolSettings to AWS::CloudFormation::CustomResource"
    ]
