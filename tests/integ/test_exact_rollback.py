"""Issue 9 end to end through the driver: the real handler, its records in moto's SSM, its questions to
the driver's CloudFormation stand-in. Every failed stack operation leaves each pool exactly as before;
``RemovalPolicy`` decides what a destroy leaves; an owner whose stack the driver destroyed no longer
blocks. Each ``with LocalAccount(...)`` is one driver command (a process of its own in real use).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from pool_settings_handler import constants as c
from sms_pool_settings_local.deploy.handwritten import custom_stack
from sms_pool_settings_local.deploy.session import LocalAccount
from sms_pool_settings_local.deploy.template import Template

POOL_A = "pool-0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a"
POOL_B = "pool-0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b"
NO_SUCH_POOL = "pool-0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f"
# The pools as someone made them before any stack: the priors every rollback must give back.
SEEDED = {
    POOL_A: {"DeletionProtectionEnabled": False, "SharedRoutesEnabled": False},
    POOL_B: {"DeletionProtectionEnabled": False, "SharedRoutesEnabled": True},
}
SETTINGS_A = {"PoolId": POOL_A, "DeletionProtectionEnabled": "true"}


def stack(settings: dict[str, dict[str, Any]], name: str = "Records") -> Template:
    """A stack of ``Custom::SmsPoolSettings`` served by the real handler: logical ID -> properties."""
    with_timeout = {k: {"ServiceTimeout": 60, **v} for k, v in settings.items()}
    return custom_stack(name, "pool_settings_handler.handler.handler", c.RESOURCE_TYPE, with_timeout, 30)


@pytest.fixture
def state_dir(tmp_path: Path) -> Path:
    with LocalAccount(tmp_path / "state") as account:
        for pool, settings in SEEDED.items():
            account.control.seed_pool(pool, **settings)
    return tmp_path / "state"


def pools(account: LocalAccount) -> dict[str, dict[str, Any]]:
    return {pool: account.sms().describe_pool(pool) for pool in SEEDED}


def records(account: LocalAccount) -> list[str]:
    from sms_pool_settings_local.deploy.client import SsmClient

    endpoint = account.stand_ins_started().ssm_endpoint_url
    assert endpoint is not None
    return sorted(
        p["Name"] for p in SsmClient(endpoint).parameters() if p["Name"].startswith(c.RECORD_PREFIX)
    )


def last_status(result) -> str:
    return next(e.status for e in reversed(result.events) if e.resource_type == "AWS::CloudFormation::Stack")


def completed(result, logical: str) -> bool:
    return any(e.logical_id == logical and e.status == "CREATE_COMPLETE" for e in result.events)


def test_a_failed_first_deploy_puts_back_what_the_two_others_wrote(state_dir):
    with LocalAccount(state_dir) as account:
        before = pools(account)
        # WHEN a first deploy creates three PoolSettings and the third fails (its pool does not exist)
        result = account.deploy(
            stack(
                {
                    "SettingsA": SETTINGS_A,
                    "SettingsB": {"PoolId": POOL_B, "SharedRoutesEnabled": "false"},
                    "SettingsC": {
                        "PoolId": NO_SUCH_POOL,
                        "TwoWayEnabled": "false",
                        "After": ["SettingsA", "SettingsB"],
                    },
                }
            )
        )
        # THEN the two others had written, the stack rolled back, both pools are exactly as before
        assert not result.ok and completed(result, "SettingsA") and completed(result, "SettingsB")
        assert last_status(result) == "ROLLBACK_COMPLETE"
        assert pools(account) == before
        assert records(account) == []


def deployed_settings_a(state_dir: Path) -> None:
    """GIVEN a stack whose SettingsA manages pool A's DeletionProtectionEnabled, deployed by a command."""
    with LocalAccount(state_dir) as account:
        assert account.deploy(stack({"SettingsA": SETTINGS_A})).ok


def test_an_update_that_adds_a_pool_settings_and_then_fails_puts_its_pool_back(state_dir):
    deployed_settings_a(state_dir)
    with LocalAccount(state_dir) as account:
        before = pools(account)
        # WHEN an Update adds SettingsB (it writes pool B) and a later resource fails
        result = account.deploy(
            stack(
                {
                    "SettingsA": SETTINGS_A,
                    "SettingsB": {"PoolId": POOL_B, "DeletionProtectionEnabled": "true"},
                    "SettingsC": {"PoolId": NO_SUCH_POOL, "TwoWayEnabled": "false", "After": "SettingsB"},
                }
            )
        )
        # THEN the rollback's Delete of SettingsB put pool B back; pool A still as the stack declares
        assert not result.ok and completed(result, "SettingsB")
        assert last_status(result) == "UPDATE_ROLLBACK_COMPLETE"
        assert pools(account) == before
        stack_uuid = account.store.load("Records").stack_id.split("/")[-1]
        assert records(account) == [f"{c.RECORD_PREFIX}/{POOL_A}/{stack_uuid}/SettingsA"]


def test_an_update_that_starts_managing_a_setting_and_rolls_back_gives_the_setting_its_prior_value(state_dir):
    deployed_settings_a(state_dir)
    with LocalAccount(state_dir) as account:
        before = pools(account)
        # WHEN an Update starts managing SharedRoutesEnabled (false -> true) and a later resource fails
        result = account.deploy(
            stack(
                {
                    "SettingsA": {**SETTINGS_A, "SharedRoutesEnabled": "true"},
                    "SettingsC": {"PoolId": NO_SUCH_POOL, "TwoWayEnabled": "false", "After": "SettingsA"},
                }
            )
        )  # fmt: skip
        # THEN it had been written, and the swapped Update (which no longer declares it) put it back
        assert not result.ok
        assert [e.status for e in result.events if e.logical_id == "SettingsA"][:2] == [
            "UPDATE_IN_PROGRESS",
            "UPDATE_COMPLETE",
        ]
        assert last_status(result) == "UPDATE_ROLLBACK_COMPLETE"
        assert pools(account) == before
        assert pools(account)[POOL_A]["SharedRoutesEnabled"] is False


@pytest.mark.parametrize(("policy", "left"), [("retain", True), ("destroy", False)])
def test_destroy_leaves_the_settings_under_retain_and_restores_them_under_destroy(state_dir, policy, left):
    with LocalAccount(state_dir) as account:
        declared = {"PoolId": POOL_A, "DeletionProtectionEnabled": "true", "RemovalPolicy": policy}
        assert account.deploy(stack({"SettingsA": declared})).ok
        assert account.sms().describe_pool(POOL_A)["DeletionProtectionEnabled"] is True
    # WHEN the stack is destroyed by a later command (the record carried over in ssm-parameters.json)
    with LocalAccount(state_dir) as account:
        assert account.destroy("Records").ok
        # THEN retain leaves the value written, destroy writes the prior back; the record goes either way
        assert account.sms().describe_pool(POOL_A)["DeletionProtectionEnabled"] is left
        assert records(account) == []


def test_a_live_owner_blocks_and_an_owner_whose_stack_the_driver_destroyed_does_not(state_dir):
    owner = {"PoolId": POOL_A, "DeletionProtectionEnabled": "true"}
    with LocalAccount(state_dir) as account:
        # GIVEN a stack that owns pool A's DeletionProtectionEnabled, its resource kept in the pool's
        # records when the stack goes (DeletionPolicy Retain: CloudFormation sends no Delete)
        template = stack({"Owner": owner}, "OwnerApp")
        template.body["Resources"]["Owner"]["DeletionPolicy"] = "Retain"
        assert account.deploy(template).ok
    claimer = stack({"Claimer": {"PoolId": POOL_A, "DeletionProtectionEnabled": "false"}}, "Claimer")
    with LocalAccount(state_dir) as account:
        # WHEN another stack claims the same setting while the owner's stack lives
        blocked = account.deploy(claimer)
        # THEN it fails before writing, naming the owner
        assert not blocked.ok
        reason = next(e.reason for e in blocked.events if e.status == "CREATE_FAILED")
        assert "already managed by Owner in stack OwnerApp" in reason
        assert account.sms().describe_pool(POOL_A)["DeletionProtectionEnabled"] is True
        assert account.destroy("Claimer").ok
    with LocalAccount(state_dir) as account:
        assert account.destroy("OwnerApp").ok
    assert len(records_in(state_dir)) == 1  # the retained resource's record outlived its stack
    # WHEN the claim is deployed again once the owner's stack is gone
    with LocalAccount(state_dir) as account:
        result = account.deploy(claimer)
        # THEN the stale owner no longer blocks: its record is replaced by the claimer's
        assert result.ok
        assert account.sms().describe_pool(POOL_A)["DeletionProtectionEnabled"] is False
        assert [r.split("/")[-1] for r in records(account)] == ["Claimer"]


def records_in(state_dir: Path) -> list[str]:
    with LocalAccount(state_dir) as account:
        return records(account)
