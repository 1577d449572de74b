"""The real handler finding its pool by tag (PoolSelector) against the emulator, under the IAM policy the
construct synthesizes for a PoolSelector: DescribePools pages, ListTagsForResource per pool, one match."""

from __future__ import annotations

from typing import Any

import boto3
import pytest
from sms_pool_settings_local.deploy.intrinsics import Scope, pseudo_parameters, resolve
from sms_pool_settings_local.emulator import policies_for_role

ACCOUNT = "123456789012"
REGION = "us-east-1"
PRINCIPAL = f"arn:aws:sts::{ACCOUNT}:assumed-role/SmsPoolSettingsProviderRole/SmsPoolSettingsProvider"
SELECTOR = {"TagKey": "team", "TagValue": "alerts"}
PROPERTIES = {"PoolSelector": SELECTOR, "DeletionProtectionEnabled": "true", "SharedRoutesEnabled": "true"}


def selector_policies() -> list[dict[str, Any]]:
    """The provider role's policies for a stack whose one PoolSettings selects ``team=alerts``, resolved
    (the log group's ARN is the only attribute they name)."""
    from aws_cdk import App, Environment, Stack
    from sms_pool_settings import PoolSelector, PoolSettings

    stack = Stack(App(), "SelectorIam", env=Environment(account=ACCOUNT, region=REGION))
    PoolSettings(
        stack,
        "ByTag",
        pool=PoolSelector.tag("team", "alerts"),
        deletion_protection_enabled=True,
        shared_routes_enabled=True,
    )
    template = stack.node.root.synth().get_stack_by_name("SelectorIam").template  # type: ignore[attr-defined]
    (role,) = [k for k, v in template["Resources"].items() if v["Type"] == "AWS::IAM::Role"]

    def get_att(logical: str, attribute: str) -> str:
        assert (template["Resources"][logical]["Type"], attribute) == ("AWS::Logs::LogGroup", "Arn")
        return f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:{logical}:*"

    def ref(logical: str) -> str:
        raise AssertionError(f"the provider role's policy refers to {logical}")

    scope = Scope(
        pseudo=pseudo_parameters(region=REGION, account=ACCOUNT, stack_name="SelectorIam", stack_id="stack"),
        parameters={},
        ref=ref,
        get_att=get_att,
        where=role,
    )
    return [resolve(policy, scope) for policy in policies_for_role(template, role)]


@pytest.fixture(scope="module")
def policies() -> list[dict[str, Any]]:
    return selector_policies()


@pytest.fixture(autouse=True)
def _selector_policy(lambda_env: None, emulator: Any, policies: list[dict[str, Any]]) -> None:
    """After conftest's per-test setup: IAM enforcement with the selector stack's policy instead."""
    emulator.control.enforce_iam(policies, principal_arn=PRINCIPAL)


def seed(emulator: Any, name: str, **tags: str) -> dict[str, Any]:
    return emulator.control.seed_pool(f"pool-{name}", tags=tags or None)  # type: ignore[no-any-return]


def live(emulator: Any, name: str) -> dict[str, Any]:
    (pool,) = [p for p in emulator.control.pools() if p["PoolId"] == f"pool-{name}"]
    return pool


def test_create_finds_the_one_pool_with_the_tag_and_applies_the_settings_there(
    emulator: Any, make_event: Any, invoke: Any
) -> None:
    seed(emulator, "billing", team="billing")
    alerts = seed(emulator, "alerts", team="alerts", env="prod")
    seed(emulator, "untagged")

    body = invoke(make_event("create", "unused", properties=PROPERTIES))

    assert body["Status"] == "SUCCESS", body["Reason"]
    assert body["PhysicalResourceId"] == alerts["PoolArn"]
    assert body["Data"]["ChangedFields"] == "SharedRoutesEnabled,DeletionProtectionEnabled"
    assert [live(emulator, n)["DeletionProtectionEnabled"] for n in ("billing", "alerts", "untagged")] == [
        False,
        True,
        False,
    ]
    assert next(c["request"] for c in emulator.control.calls("DescribePools")) == {"Owner": "SELF"}
    assert [c["request"]["ResourceArn"] for c in emulator.control.calls("ListTagsForResource")] == [
        p["PoolArn"] for p in emulator.control.pools()
    ]
    [update] = emulator.control.calls("UpdatePool")
    assert update["request"]["PoolId"] == alerts["PoolId"]


def test_no_pool_with_the_tag_fails_listing_the_pools_with_the_key_and_changes_nothing(
    emulator: Any, make_event: Any, invoke: Any
) -> None:
    seed(emulator, "billing", team="billing")
    seed(emulator, "untagged")
    before = emulator.control.pools()

    body = invoke(make_event("create", "unused", properties=PROPERTIES))

    assert body["Status"] == "FAILED"
    assert body["Reason"] == (
        "PoolSelector team=alerts matched none of the 2 pools in us-east-1; team is on pool-billing=billing; "
        "nothing was changed"
    )
    assert emulator.control.pools() == before
    assert emulator.control.calls("UpdatePool") == []


def test_two_pools_with_the_tag_fail_naming_both(emulator: Any, make_event: Any, invoke: Any) -> None:
    seed(emulator, "alerts-a", team="alerts")
    seed(emulator, "alerts-b", team="alerts")

    body = invoke(make_event("create", "unused", properties=PROPERTIES))

    assert body["Status"] == "FAILED"
    assert body["Reason"] == (
        "PoolSelector team=alerts matched 2 pools, expected exactly one: pool-alerts-a, pool-alerts-b; "
        "tag one pool only; nothing was changed"
    )
    assert emulator.control.calls("UpdatePool") == []


def test_the_lookup_pages_through_every_pool(emulator: Any, make_event: Any, invoke: Any) -> None:
    # The emulator answers 100 pools a page: the tagged pool is on the second page.
    for n in range(104):
        seed(emulator, f"filler-{n:03d}")
    alerts = seed(emulator, "alerts", team="alerts")

    body = invoke(make_event("create", "unused", properties=PROPERTIES), timeout=60.0, wait=30.0)

    assert body["Status"] == "SUCCESS", body["Reason"]
    assert body["PhysicalResourceId"] == alerts["PoolArn"]
    pages = [c["request"] for c in emulator.control.calls("DescribePools") if "PoolIds" not in c["request"]]
    assert len(pages) == 2 and pages[1]["Owner"] == "SELF" and "NextToken" in pages[1]


def test_an_update_that_moves_the_tag_manages_the_newly_tagged_pool(
    emulator: Any, make_event: Any, invoke: Any, policies: list[dict[str, Any]]
) -> None:
    old = seed(emulator, "old", team="alerts")
    created = invoke(make_event("create", "unused", properties=PROPERTIES))
    new = seed(emulator, "new")
    emulator.control.clear_iam()  # a person moves the tag, with their own rights
    sms = boto3.client("pinpoint-sms-voice-v2", region_name=REGION)
    sms.untag_resource(ResourceArn=old["PoolArn"], TagKeys=["team"])
    sms.tag_resource(ResourceArn=new["PoolArn"], Tags=[{"Key": "team", "Value": "alerts"}])
    emulator.control.enforce_iam(policies, principal_arn=PRINCIPAL)

    body = invoke(
        make_event(
            "update",
            "unused",
            physical_id=created["PhysicalResourceId"],
            properties=PROPERTIES,
            old_properties=PROPERTIES,
        )
    )

    # A new physical ID: CloudFormation then deletes the old resource, which leaves the old pool as it is.
    assert body["Status"] == "SUCCESS", body["Reason"]
    assert body["PhysicalResourceId"] == new["PoolArn"]
    assert live(emulator, "new")["DeletionProtectionEnabled"] is True


def test_delete_uses_the_pool_the_create_chose_and_looks_nothing_up(
    emulator: Any, make_event: Any, invoke: Any
) -> None:
    alerts = seed(emulator, "alerts", team="alerts")
    created = invoke(make_event("create", "unused", properties=PROPERTIES))
    emulator.control.clear_calls()

    body = invoke(
        make_event("delete", "unused", physical_id=created["PhysicalResourceId"], properties=PROPERTIES)
    )

    assert body["Status"] == "SUCCESS", body["Reason"]
    assert body["PhysicalResourceId"] == alerts["PoolArn"]
    assert emulator.control.calls("ListTagsForResource") == []
    assert live(emulator, "alerts")["DeletionProtectionEnabled"] is True  # retain: left as it is


def test_delete_after_a_create_that_found_no_pool_succeeds_with_no_call(
    emulator: Any, make_event: Any, invoke: Any
) -> None:
    body = invoke(make_event("delete", "unused", physical_id="failed-create-1234", properties=PROPERTIES))

    assert body["Status"] == "SUCCESS", body["Reason"]
    assert emulator.control.calls() == []


def test_without_list_tags_in_the_policy_the_lookup_is_denied(
    emulator: Any, make_event: Any, invoke: Any, policies: list[dict[str, Any]]
) -> None:
    # GIVEN the synthesized policy less its ListTagsForResource statement
    trimmed = [
        {**p, "Statement": [s for s in p["Statement"] if s["Action"] != "sms-voice:ListTagsForResource"]}
        for p in policies
    ]
    emulator.control.enforce_iam(trimmed, principal_arn=PRINCIPAL)
    seed(emulator, "alerts", team="alerts")

    body = invoke(make_event("create", "unused", properties=PROPERTIES))

    assert body["Status"] == "FAILED"
    assert "sms-voice:ListTagsForResource" in body["Reason"]
    assert "AccessDeniedException" in body["Reason"]
