"""What a real account does that a kind emulator did not: a role not assumable yet, a pool not ACTIVE
when the write arrives or right after it, an UpdatePool answer that leaves a member out.

The real handler against the emulator, answering over loopback HTTPS (fixtures in conftest.py; the
emulator's switches are described in docs/emulator.md).
"""

import time

import pytest

ACCOUNT, REGION = "123456789012", "us-east-1"
TOPIC = f"arn:aws:sns:{REGION}:{ACCOUNT}:inbound-sms"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/SmsTwoWayRole"


@pytest.fixture
def pool(emulator):
    return emulator.control.seed_pool(TwoWayEnabled=False, SharedRoutesEnabled=False)


def two_way(pool):
    """A declaration that turns two-way on with a topic and the role the service must assume."""
    return {
        "PoolId": pool["PoolId"],
        "TwoWayEnabled": "true",
        "TwoWayChannelArn": TOPIC,
        "TwoWayChannelRole": ROLE,
    }


def calls(emulator, operation):
    return emulator.control.calls(operation)


# --- IAM propagation -----------------------------------------------------------------------------------


def test_a_role_that_becomes_assumable_within_the_deadline_is_waited_for(emulator, pool, make_event, invoke):
    # GIVEN a role created a moment ago: the service can assume it only in 1 s
    emulator.control.add_role(ROLE, assumable_after_seconds=1.0)

    # WHEN the stack creates the settings that name it
    body = invoke(make_event("create", pool["PoolId"], properties=two_way(pool)))

    # THEN UpdatePool was refused while the role propagated, tried again, and the write landed
    assert body["Status"] == "SUCCESS", body["Reason"]
    updates = calls(emulator, "UpdatePool")
    assert len(updates) >= 2
    assert all(u["status"] == 400 for u in updates[:-1]) and updates[-1]["status"] == 200
    assert body["Data"]["TwoWayChannelRole"] == ROLE
    assert body["Data"]["ChangedFields"] == "TwoWayEnabled,TwoWayChannelArn,TwoWayChannelRole"
    assert emulator.control.pools()[0]["TwoWayChannelRole"] == ROLE


def test_a_role_never_assumable_before_the_deadline_fails_saying_so(emulator, pool, make_event, invoke):
    # GIVEN a role the service cannot assume for far longer than the Lambda runs
    emulator.control.add_role(ROLE, assumable_after_seconds=3600)

    # WHEN the settings are applied with a 6 s Lambda timeout
    started = time.monotonic()
    body = invoke(make_event("create", pool["PoolId"], properties=two_way(pool)), timeout=6)

    # THEN FAILED before the deadline, naming the role, with the service's words last; nothing written
    assert time.monotonic() - started < 6
    assert body["Status"] == "FAILED"
    reason = body["Reason"]
    assert reason.startswith(f"UpdatePool {pool['PoolId']}: the service could not assume role {ROLE} after ")
    # the AWS text comes last (trimmed to fit 256 characters)
    assert (
        " s: ValidationException RESOURCE_NOT_ACCESSIBLE: Could not assume IAM role arn:aws:iam::" in reason
    )
    assert len(reason) <= 256
    assert len(calls(emulator, "UpdatePool")) >= 2
    assert emulator.control.pools()[0]["TwoWayEnabled"] is False


# --- A pool that is not ACTIVE around the write ---------------------------------------------------------


def test_a_pool_not_active_when_the_write_arrives_is_waited_for_and_written(
    emulator, pool, make_event, invoke
):
    # GIVEN a pool ACTIVE when described, CREATING when UpdatePool arrives, ACTIVE after
    emulator.control.set_pool_statuses(pool["PoolId"], ["ACTIVE", "CREATING", "ACTIVE"])

    body = invoke(make_event("create", pool["PoolId"]))

    # THEN the refused write (ConflictException RESOURCE_NOT_ACTIVE) was tried again once ACTIVE
    assert body["Status"] == "SUCCESS", body["Reason"]
    assert [u["status"] for u in calls(emulator, "UpdatePool")] == [400, 200]
    assert emulator.control.pools()[0]["DeletionProtectionEnabled"] is True


def test_a_pool_creating_after_the_write_is_waited_for_until_active(emulator, pool, make_event, invoke):
    # GIVEN a pool that reports CREATING for a while once an UpdatePool succeeds
    emulator.control.set_pool_statuses(pool["PoolId"], ["CREATING", "CREATING", "ACTIVE"], after_update=True)

    body = invoke(make_event("create", pool["PoolId"]))

    # THEN the handler described the pool until it was ACTIVE, and Data says ACTIVE
    assert body["Status"] == "SUCCESS", body["Reason"]
    assert body["Data"]["Status"] == "ACTIVE"
    assert len(calls(emulator, "UpdatePool")) == 1
    assert len(calls(emulator, "DescribePools")) == 3  # before the write, then CREATING, then ACTIVE


def test_an_update_answer_that_says_active_costs_no_further_call(emulator, pool, make_event, invoke):
    body = invoke(make_event("create", pool["PoolId"]))
    assert (body["Status"], body["Data"]["Status"]) == ("SUCCESS", "ACTIVE")
    assert len(calls(emulator, "DescribePools")) == 1
    assert len(calls(emulator, "UpdatePool")) == 1


def test_a_pool_still_creating_after_the_write_at_the_deadline_fails_saying_it_was_written(
    emulator, pool, make_event, invoke
):
    emulator.control.set_pool_statuses(pool["PoolId"], ["CREATING"], after_update=True)
    body = invoke(make_event("create", pool["PoolId"]), timeout=6)
    assert body["Status"] == "FAILED"
    assert body["Reason"].startswith(f"Deadline reached: pool {pool['PoolId']} still CREATING after ")
    assert body["Reason"].endswith(" s, updated, not ACTIVE again")


# --- Data after a write ------------------------------------------------------------------------------------


@pytest.mark.parametrize("omitted", [["TwoWayChannelRole"], ["TwoWayEnabled", "TwoWayChannelArn"]])
def test_data_reports_the_values_written_when_the_answer_leaves_them_out(
    emulator, pool, make_event, invoke, omitted
):
    # GIVEN an UpdatePool answer that lacks members the write set
    emulator.control.add_fault("UpdatePool", "omit_members", members=omitted)

    body = invoke(make_event("create", pool["PoolId"], properties=two_way(pool)))

    # THEN Data holds what was written, not the values read before the write
    assert body["Status"] == "SUCCESS", body["Reason"]
    data = body["Data"]
    assert (data["TwoWayEnabled"], data["TwoWayChannelArn"], data["TwoWayChannelRole"]) == (
        "true",
        TOPIC,
        ROLE,
    )


def test_an_answer_without_status_is_followed_by_one_describe(emulator, pool, make_event, invoke):
    emulator.control.add_fault("UpdatePool", "omit_members", members=["Status"])
    body = invoke(make_event("create", pool["PoolId"]))
    assert (body["Status"], body["Data"]["Status"]) == ("SUCCESS", "ACTIVE")
    assert len(calls(emulator, "DescribePools")) == 2
