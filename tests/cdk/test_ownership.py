"""Issue 9 on the construct side: removal_policy, and one owner per setting of a pool in one app."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest
from aws_cdk import App, CfnParameter, Environment, RemovalPolicy, Stack, Stage
from aws_cdk import aws_smsvoice as smsvoice
from aws_cdk.assertions import Template
from pool_settings_handler.constants import (
    PROP_REMOVAL_POLICY,
    REMOVAL_DESTROY,
    REMOVAL_POLICIES,
    RESOURCE_TYPE,
)
from sms_pool_settings import PoolSelector, PoolSettings

POOL = "pool-0123456789abcdef0123456789abcdef"
ACCOUNT = "123456789012"
REGION = "us-east-1"
ARN = f"arn:aws:sms-voice:{REGION}:{ACCOUNT}:pool/{POOL}"
HERE = Environment(account=ACCOUNT, region=REGION)


def _resource(stack: Stack) -> dict[str, Any]:
    (resource,) = Template.from_stack(stack).find_resources(RESOURCE_TYPE).values()
    return resource


# --- removal_policy ---------------------------------------------------------------------------------


def test_retain_is_the_default_and_emits_no_property(h: SimpleNamespace) -> None:
    # GIVEN
    default, retain = h.new_stack("Default"), h.new_stack("Retain")
    # WHEN
    PoolSettings(default, "Settings", pool=POOL, deletion_protection_enabled=True)
    PoolSettings(
        retain, "Settings", pool=POOL, deletion_protection_enabled=True, removal_policy=RemovalPolicy.RETAIN
    )
    # THEN: the same properties as before the argument existed (the handler's default is retain)
    assert PROP_REMOVAL_POLICY not in _resource(default)["Properties"]
    assert _resource(retain)["Properties"] == _resource(default)["Properties"]


def test_destroy_emits_the_handlers_destroy_value(h: SimpleNamespace) -> None:
    # GIVEN
    stack = h.new_stack()
    # WHEN
    PoolSettings(
        stack, "Settings", pool=POOL, deletion_protection_enabled=True, removal_policy=RemovalPolicy.DESTROY
    )
    # THEN
    value = _resource(stack)["Properties"][PROP_REMOVAL_POLICY]
    assert value == REMOVAL_DESTROY
    assert value in REMOVAL_POLICIES


@pytest.mark.parametrize("policy", [RemovalPolicy.RETAIN, RemovalPolicy.DESTROY])
def test_the_custom_resource_itself_is_always_deleted_so_the_delete_reaches_the_handler(
    h: SimpleNamespace, policy: RemovalPolicy
) -> None:
    # GIVEN
    stack = h.new_stack()
    # WHEN
    PoolSettings(stack, "Settings", pool=POOL, shared_routes_enabled=False, removal_policy=policy)
    # THEN: CloudFormation sends the Delete (a DeletionPolicy Retain would skip the handler and its
    # record clean-up); removal_policy is the handler's business only
    resource = _resource(stack)
    assert resource.get("DeletionPolicy", "Delete") == "Delete"
    assert resource.get("UpdateReplacePolicy", "Delete") == "Delete"


@pytest.mark.parametrize(
    ("policy", "error", "message"),
    [
        (
            RemovalPolicy.SNAPSHOT,
            ValueError,
            "removal_policy must be RemovalPolicy.RETAIN (leave the settings) or RemovalPolicy.DESTROY "
            "(put the prior values back), got RemovalPolicy.SNAPSHOT",
        ),
        (
            RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE,
            ValueError,
            "removal_policy must be RemovalPolicy.RETAIN (leave the settings) or RemovalPolicy.DESTROY "
            "(put the prior values back), got RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE",
        ),
        (
            "destroy",
            TypeError,
            "removal_policy must be RemovalPolicy.RETAIN (leave the settings) or RemovalPolicy.DESTROY "
            "(put the prior values back), got 'destroy'",
        ),
    ],
)
def test_any_other_removal_policy_fails_naming_the_argument_the_rule_and_the_value(
    h: SimpleNamespace, policy: Any, error: type[Exception], message: str
) -> None:
    # GIVEN
    stack = h.new_stack()
    # WHEN / THEN: before anything is added to the stack
    with pytest.raises(error) as raised:
        PoolSettings(stack, "Settings", pool=POOL, deletion_protection_enabled=True, removal_policy=policy)
    assert str(raised.value) == message
    assert stack.node.try_find_child("SmsPoolSettingsProvider") is None


# --- one owner per setting ----------------------------------------------------------------------------


def _synth_errors(app: App) -> str:
    with pytest.raises(Exception, match="Validation failed") as raised:
        app.synth()
    return str(raised.value)


def _message(first: str, second: str, settings: str, pool: str) -> str:
    return (
        f"PoolSettings {first} and PoolSettings {second} both manage {settings} of pool {pool}: two owners "
        "of one setting undo each other on every deploy; declare each setting of a pool in one "
        "PoolSettings only"
    )


PHONE = f"arn:aws:sms-voice:{REGION}:{ACCOUNT}:phone-number/phone-1"
KEYWORDS = {"help": {"message": "h"}, "stop": {"message": "s"}}


def _cfn_pool(stack: Stack) -> smsvoice.CfnPool:
    return smsvoice.CfnPool(stack, "Pool", origination_identities=[PHONE], mandatory_keywords=KEYWORDS)


def test_the_same_pool_by_id_and_by_arn_in_two_stacks_of_one_environment_fails_naming_both() -> None:
    # GIVEN: the example: one stack protects the pool, another unprotects it
    app = App()
    first, second = Stack(app, "First", env=HERE), Stack(app, "Second", env=HERE)
    PoolSettings(first, "ById", pool=POOL, deletion_protection_enabled=True)
    PoolSettings(second, "ByArn", pool=ARN, deletion_protection_enabled=False, shared_routes_enabled=True)
    # WHEN
    errors = _synth_errors(app)
    # THEN
    assert (
        _message(
            "First/ById",
            "Second/ByArn",
            "deletion_protection_enabled",
            f"{POOL} (account {ACCOUNT}, region {REGION})",
        )
        in errors
    )


@pytest.mark.parametrize("attribute", ["attr_pool_id", "ref", "attr_arn"])
def test_a_cfn_pool_and_a_token_of_it_fail_naming_both(h: SimpleNamespace, attribute: str) -> None:
    # GIVEN
    stack = h.new_stack()
    pool = _cfn_pool(stack)
    PoolSettings(stack, "ByConstruct", pool=pool, two_way_enabled=True, shared_routes_enabled=True)
    PoolSettings(stack, "ByToken", pool=getattr(pool, attribute), shared_routes_enabled=False)
    # WHEN
    errors = _synth_errors(stack.node.root)
    # THEN
    assert (
        _message(
            "TestStack/ByConstruct", "TestStack/ByToken", "shared_routes_enabled", "CfnPool TestStack/Pool"
        )
        in errors
    )
    assert "two_way_enabled" not in errors


def test_a_cfn_pool_in_one_stack_and_its_id_in_another_fail(h: SimpleNamespace) -> None:
    # GIVEN: a cross-stack reference (CDK exports the pool's ID)
    app = App()
    producer, consumer = Stack(app, "Producer", env=HERE), Stack(app, "Consumer", env=HERE)
    pool = _cfn_pool(producer)
    PoolSettings(producer, "Here", pool=pool, opt_out_list="customers")
    PoolSettings(consumer, "There", pool=pool.attr_pool_id, opt_out_list="others")
    # WHEN / THEN
    assert _message(
        "Producer/Here", "Consumer/There", "opt_out_list", "CfnPool Producer/Pool"
    ) in _synth_errors(app)


def test_stacks_in_two_stages_of_one_environment_fail(h: SimpleNamespace) -> None:
    # GIVEN
    app = App()
    for name in ("Blue", "Green"):
        stack = Stack(Stage(app, name), "Messaging", env=HERE)
        PoolSettings(stack, "Settings", pool=POOL, self_managed_opt_outs_enabled=name == "Blue")
    # WHEN / THEN
    assert _message(
        "Blue/Messaging/Settings",
        "Green/Messaging/Settings",
        "self_managed_opt_outs_enabled",
        f"{POOL} (account {ACCOUNT}, region {REGION})",
    ) in _synth_errors(app)


def test_every_shared_setting_is_named_once_per_pair(h: SimpleNamespace) -> None:
    # GIVEN
    stack = h.new_stack()
    PoolSettings(stack, "A", pool=POOL, two_way_enabled=True, shared_routes_enabled=True)
    PoolSettings(stack, "B", pool=ARN, shared_routes_enabled=False, two_way_enabled=False)
    # WHEN
    errors = _synth_errors(stack.node.root)
    # THEN
    pool = f"{POOL} (account {ACCOUNT}, region {REGION})"
    assert _message("TestStack/A", "TestStack/B", "shared_routes_enabled, two_way_enabled", pool) in errors
    assert errors.count("both manage") == 1


def test_different_settings_of_one_pool_and_one_id_in_other_environments_synthesize(
    h: SimpleNamespace,
) -> None:
    # GIVEN: two owners of different settings of one pool; the same pool ID in another account and in
    # another region (other pools); pools synth cannot compare (a parameter, a PoolSelector)
    app = App()
    here = Stack(app, "Here", env=HERE)
    PoolSettings(here, "Protection", pool=POOL, deletion_protection_enabled=True)
    PoolSettings(here, "Routes", pool=ARN, shared_routes_enabled=True)
    other_account = Stack(app, "OtherAccount", env=Environment(account="210987654321", region=REGION))
    PoolSettings(other_account, "Settings", pool=POOL, deletion_protection_enabled=False)
    other_region = Stack(app, "OtherRegion", env=Environment(account=ACCOUNT, region="eu-west-1"))
    PoolSettings(other_region, "Settings", pool=POOL, deletion_protection_enabled=False)
    PoolSettings(
        here, "FromParameter", pool=CfnParameter(here, "Pool").value_as_string, shared_routes_enabled=False
    )
    PoolSettings(here, "ByTag", pool=PoolSelector.tag("team", "alerts"), shared_routes_enabled=False)
    # WHEN / THEN: no error
    assembly = app.synth()
    assert {s.stack_name for s in assembly.stacks} == {"Here", "OtherAccount", "OtherRegion"}


def test_in_an_environment_agnostic_stack_a_pool_id_is_compared_within_the_stack_only() -> None:
    # GIVEN: two environment-agnostic stacks (either may deploy anywhere) and, in one, the ID twice
    app = App()
    first, second = Stack(app, "First"), Stack(app, "Second")
    PoolSettings(first, "Settings", pool=POOL, deletion_protection_enabled=True)
    PoolSettings(second, "Settings", pool=POOL, deletion_protection_enabled=False)
    PoolSettings(second, "Again", pool=POOL, deletion_protection_enabled=True)
    # WHEN
    errors = _synth_errors(app)
    # THEN: the pair in one stack fails; the stacks are not compared with each other
    assert (
        _message(
            "Second/Settings",
            "Second/Again",
            "deletion_protection_enabled",
            f"{POOL} (stack Second, environment-agnostic)",
        )
        in errors
    )
    assert "First/Settings" not in errors
