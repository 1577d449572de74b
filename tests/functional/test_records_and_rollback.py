"""Exact rollback, removal policies and one owner per setting (issue 9), end to end.

The real handler against the SMS emulator, moto's SSM (the records) and the CloudFormation stand-in
(``sms_pool_settings_local.deploy.cloudformation_api``), whose stack statuses each test sets as
CloudFormation would during the operation it plays. Every test reads the pools back through the SMS API.
"""

from __future__ import annotations

import json
import uuid

import boto3
import pytest

ACCOUNT, REGION = "123456789012", "us-east-1"
FLAGS = ("TwoWayEnabled", "SelfManagedOptOutsEnabled", "SharedRoutesEnabled", "DeletionProtectionEnabled")
ALL_OFF = dict.fromkeys(FLAGS, False)


def stack_id(name):
    return f"arn:aws:cloudformation:{REGION}:{ACCOUNT}:stack/{name}/{uuid.uuid4()}"


def flags(pool_id):
    pool = boto3.client("pinpoint-sms-voice-v2").describe_pools(PoolIds=[pool_id])["Pools"][0]
    return {k: pool[k] for k in FLAGS}


def records(pool_id):
    """Every record of the pool in SSM: parameter name -> parsed JSON."""
    answer = boto3.client("ssm").get_parameters_by_path(Path=f"/sms-pool-settings/{pool_id}", Recursive=True)
    return {p["Name"]: json.loads(p["Value"]) for p in answer["Parameters"]}


def record_name(pool_id, stack, logical_id):
    return f"/sms-pool-settings/{pool_id}/{stack.rsplit('/', 1)[1]}/{logical_id}"


@pytest.fixture
def seed(emulator):
    def make(**settings):
        return emulator.control.seed_pool(**{**ALL_OFF, **settings})

    return make


@pytest.fixture
def send(make_event, invoke):
    """Send one event of ``kind`` for resource ``logical_id`` of ``stack``; return the answer's body."""

    def run(kind, pool, stack, logical_id, properties, old=None, physical_id=None):
        event = make_event(
            kind.lower(),
            pool,
            physical_id=physical_id,
            properties={"PoolId": pool, **properties},
            old_properties={"PoolId": pool, **(old or {})} if kind == "Update" else None,
        )
        event["StackId"], event["LogicalResourceId"] = stack, logical_id
        return invoke(event)

    return run


@pytest.fixture
def create_one(seed, send, cloudformation):
    """``create_one(properties, **pool_settings)``: a new pool (``ALL_OFF`` + ``pool_settings``), a stack
    with resource Settings in ``CREATE_IN_PROGRESS``, and its successful Create; returns (pool, stack)."""

    def make(properties, **pool_settings):
        pool = seed(**pool_settings)
        stack = stack_id("App")
        cloudformation.set_stack(stack, "CREATE_IN_PROGRESS", ["Settings"])
        ok(send("Create", pool["PoolId"], stack, "Settings", properties))
        return pool, stack

    return make


DESTROY_SHARED_ROUTES = {"SharedRoutesEnabled": "true", "RemovalPolicy": "destroy"}


def ok(body):
    assert body["Status"] == "SUCCESS", body["Reason"]
    return body


# --- the record ---------------------------------------------------------------------------------------


def test_a_create_records_prior_and_applied_values_with_the_owner(create_one):
    declared = {"SharedRoutesEnabled": "true", "TwoWayEnabled": "false"}
    pool, stack = create_one(declared, DeletionProtectionEnabled=True)
    [(name, record)] = records(pool["PoolId"]).items()
    assert name == record_name(pool["PoolId"], stack, "Settings")
    assert record["PoolArn"] == pool["PoolArn"]
    assert (record["StackId"], record["LogicalResourceId"]) == (stack, "Settings")
    assert record["Settings"] == {
        "TwoWayEnabled": {"Prior": False, "Applied": False},
        "SharedRoutesEnabled": {"Prior": False, "Applied": True},
    }
    assert record["LastChange"]


def test_the_record_is_written_before_the_update_pool_so_a_failed_write_still_has_it(
    emulator, seed, send, cloudformation
):
    pool = seed()
    stack = stack_id("App")
    cloudformation.set_stack(stack, "CREATE_IN_PROGRESS", ["Settings"])
    emulator.control.add_fault("UpdatePool", "server_error", count=None)
    body = send("Create", pool["PoolId"], stack, "Settings", {"SharedRoutesEnabled": "true"})
    assert body["Status"] == "FAILED"
    assert emulator.control.calls("UpdatePool"), "the write was attempted"
    [record] = records(pool["PoolId"]).values()
    assert record["Settings"]["SharedRoutesEnabled"] == {"Prior": False, "Applied": True}


# --- rollback is exact --------------------------------------------------------------------------------


def test_a_failed_first_deploy_puts_every_pool_back_even_under_retain(emulator, seed, send, cloudformation):
    """Three PoolSettings created; the third fails; CloudFormation rolls back and deletes the two others."""
    pools = [seed(), seed(TwoWayEnabled=False), seed()]
    before = [flags(p["PoolId"]) for p in pools]
    stack = stack_id("App")
    cloudformation.set_stack(stack, "CREATE_IN_PROGRESS", ["One", "Two", "Three"])
    wanted = {"SharedRoutesEnabled": "true", "DeletionProtectionEnabled": "true"}
    ok(send("Create", pools[0]["PoolId"], stack, "One", wanted))
    ok(send("Create", pools[1]["PoolId"], stack, "Two", {"SelfManagedOptOutsEnabled": "true"}))
    emulator.control.add_fault("UpdatePool", "access_denied", pool_id=pools[2]["PoolId"])
    failed = send("Create", pools[2]["PoolId"], stack, "Three", wanted)
    assert failed["Status"] == "FAILED"
    assert flags(pools[0]["PoolId"]) != before[0]

    cloudformation.set_stack(stack, "ROLLBACK_IN_PROGRESS")
    for pool, logical_id in zip(pools, ("One", "Two", "Three"), strict=True):
        physical = pool["PoolArn"] if logical_id != "Three" else failed["PhysicalResourceId"]
        ok(send("Delete", pool["PoolId"], stack, logical_id, wanted, physical_id=physical))

    assert [flags(p["PoolId"]) for p in pools] == before
    assert all(records(p["PoolId"]) == {} for p in pools)


def test_a_pool_settings_added_by_a_failed_update_is_put_back_in_the_rollback_cleanup(
    seed, send, cloudformation
):
    kept_pool, added_pool = seed(), seed()
    stack = stack_id("App")
    cloudformation.set_stack(stack, "CREATE_IN_PROGRESS", ["Kept"])
    ok(send("Create", kept_pool["PoolId"], stack, "Kept", {"SharedRoutesEnabled": "true"}))
    before = flags(kept_pool["PoolId"]), flags(added_pool["PoolId"])

    # The failed Update: Kept changes a value, Added is created; a later resource fails.
    cloudformation.set_stack(stack, "UPDATE_IN_PROGRESS", ["Kept", "Added"])
    new, old = {"SharedRoutesEnabled": "false"}, {"SharedRoutesEnabled": "true"}
    ok(send("Update", kept_pool["PoolId"], stack, "Kept", new, old=old, physical_id=kept_pool["PoolArn"]))
    ok(send("Create", added_pool["PoolId"], stack, "Added", {"DeletionProtectionEnabled": "true"}))

    cloudformation.set_stack(stack, "UPDATE_ROLLBACK_IN_PROGRESS")
    ok(send("Update", kept_pool["PoolId"], stack, "Kept", old, old=new, physical_id=kept_pool["PoolArn"]))
    cloudformation.set_stack(stack, "UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS")
    ok(
        send(
            "Delete",
            added_pool["PoolId"],
            stack,
            "Added",
            {"DeletionProtectionEnabled": "true"},
            physical_id=added_pool["PoolArn"],
        )
    )
    assert (flags(kept_pool["PoolId"]), flags(added_pool["PoolId"])) == before
    assert records(added_pool["PoolId"]) == {}
    assert list(records(kept_pool["PoolId"])) == [record_name(kept_pool["PoolId"], stack, "Kept")]


def test_a_setting_a_failed_update_started_managing_goes_back_in_the_swapped_update(
    emulator, create_one, send, cloudformation
):
    first = {"DeletionProtectionEnabled": "true"}
    pool, stack = create_one(first)
    before = flags(pool["PoolId"])

    cloudformation.set_stack(stack, "UPDATE_IN_PROGRESS")
    added = {**first, "SharedRoutesEnabled": "true"}
    ok(send("Update", pool["PoolId"], stack, "Settings", added, old=first, physical_id=pool["PoolArn"]))
    assert flags(pool["PoolId"])["SharedRoutesEnabled"] is True

    cloudformation.set_stack(stack, "UPDATE_ROLLBACK_IN_PROGRESS")
    emulator.control.clear_calls()
    body = ok(
        send("Update", pool["PoolId"], stack, "Settings", first, old=added, physical_id=pool["PoolArn"])
    )
    assert flags(pool["PoolId"]) == before
    assert body["Data"]["ChangedFields"] == "SharedRoutesEnabled"
    [record] = records(pool["PoolId"]).values()
    assert set(record["Settings"]) == {"DeletionProtectionEnabled"}
    assert record["Released"] == {}


def test_a_create_that_fails_after_its_write_names_the_pool_so_the_rollback_puts_it_back(
    emulator, seed, send, cloudformation
):
    pool = seed()
    stack = stack_id("App")
    cloudformation.set_stack(stack, "CREATE_IN_PROGRESS", ["Settings"])
    # The write lands, then the pool reports DELETING instead of ACTIVE: the Create fails after writing.
    emulator.control.set_pool_statuses(pool["PoolId"], ["CREATING", "DELETING"], after_update=True)
    declared = {"SharedRoutesEnabled": "true"}
    failed = send("Create", pool["PoolId"], stack, "Settings", declared)
    assert failed["Status"] == "FAILED" and "DELETING" in failed["Reason"]
    assert failed["PhysicalResourceId"] == pool["PoolArn"]
    emulator.control.set_pool_statuses(pool["PoolId"], ["ACTIVE"])
    assert flags(pool["PoolId"])["SharedRoutesEnabled"] is True

    cloudformation.set_stack(stack, "ROLLBACK_IN_PROGRESS")
    ok(send("Delete", pool["PoolId"], stack, "Settings", declared, physical_id=failed["PhysicalResourceId"]))
    assert flags(pool["PoolId"]) == ALL_OFF
    assert records(pool["PoolId"]) == {}


# --- removal policies ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("policy", "restored"),
    [(None, False), ("retain", False), ("destroy", True)],
    ids=["default", "retain", "destroy"],
)
def test_a_delete_follows_the_removal_policy_and_always_removes_the_record(
    create_one, send, cloudformation, policy, restored
):
    before = dict(ALL_OFF)
    properties = {"SharedRoutesEnabled": "true", "DeletionProtectionEnabled": "true"}
    if policy:
        properties["RemovalPolicy"] = policy
    pool, stack = create_one(properties)
    applied = flags(pool["PoolId"])

    cloudformation.set_stack(stack, "DELETE_IN_PROGRESS")
    ok(send("Delete", pool["PoolId"], stack, "Settings", properties, physical_id=pool["PoolArn"]))
    assert flags(pool["PoolId"]) == (before if restored else applied)
    assert records(pool["PoolId"]) == {}


@pytest.mark.parametrize(("policy", "restored"), [("retain", False), ("destroy", True)])
def test_an_update_that_stops_managing_a_setting_follows_the_removal_policy(
    create_one, send, cloudformation, policy, restored
):
    both = {"SharedRoutesEnabled": "true", "DeletionProtectionEnabled": "true", "RemovalPolicy": policy}
    pool, stack = create_one(both)
    cloudformation.set_stack(stack, "UPDATE_IN_PROGRESS")
    one = {"DeletionProtectionEnabled": "true", "RemovalPolicy": policy}
    ok(send("Update", pool["PoolId"], stack, "Settings", one, old=both, physical_id=pool["PoolArn"]))
    assert flags(pool["PoolId"])["SharedRoutesEnabled"] is (not restored)
    [record] = records(pool["PoolId"]).values()
    assert set(record["Settings"]) == {"DeletionProtectionEnabled"}
    assert record["Released"] == ({} if restored else {"SharedRoutesEnabled": False})


def test_a_released_setting_managed_again_keeps_its_first_prior(create_one, send, cloudformation):
    """retain: a failed Update stops managing a setting (left), the rollback manages it again."""
    both = {"SharedRoutesEnabled": "true", "DeletionProtectionEnabled": "true"}
    pool, stack = create_one(both)
    one = {"DeletionProtectionEnabled": "true"}
    cloudformation.set_stack(stack, "UPDATE_IN_PROGRESS")
    ok(send("Update", pool["PoolId"], stack, "Settings", one, old=both, physical_id=pool["PoolArn"]))
    cloudformation.set_stack(stack, "UPDATE_ROLLBACK_IN_PROGRESS")
    ok(send("Update", pool["PoolId"], stack, "Settings", both, old=one, physical_id=pool["PoolArn"]))
    [record] = records(pool["PoolId"]).values()
    assert record["Settings"]["SharedRoutesEnabled"] == {"Prior": False, "Applied": True}
    assert record["Released"] == {}


# --- one owner per setting ----------------------------------------------------------------------------


def test_a_setting_owned_by_another_live_resource_fails_before_any_write(
    emulator, seed, send, cloudformation
):
    pool = seed()
    owner, intruder = stack_id("OwnerApp"), stack_id("OtherApp")
    cloudformation.set_stack(owner, "CREATE_COMPLETE", ["Owner"])
    cloudformation.set_stack(intruder, "CREATE_IN_PROGRESS", ["Intruder"])
    ok(send("Create", pool["PoolId"], owner, "Owner", {"DeletionProtectionEnabled": "true"}))
    emulator.control.clear_calls()

    # The same pool by ARN, the same setting, another value.
    body = send("Create", pool["PoolArn"], intruder, "Intruder", {"DeletionProtectionEnabled": "false"})
    assert body["Status"] == "FAILED"
    assert "DeletionProtectionEnabled of pool" in body["Reason"]
    assert "already managed by Owner in stack OwnerApp" in body["Reason"]
    assert len(body["Reason"]) <= 256
    assert emulator.control.calls("UpdatePool") == []
    assert list(records(pool["PoolId"])) == [record_name(pool["PoolId"], owner, "Owner")]
    assert flags(pool["PoolId"])["DeletionProtectionEnabled"] is True


def test_different_resources_may_own_different_settings_of_one_pool(seed, send, cloudformation):
    pool = seed()
    first, second = stack_id("First"), stack_id("Second")
    cloudformation.set_stack(first, "CREATE_COMPLETE", ["A"])
    cloudformation.set_stack(second, "CREATE_IN_PROGRESS", ["B"])
    ok(send("Create", pool["PoolId"], first, "A", {"DeletionProtectionEnabled": "true"}))
    ok(send("Create", pool["PoolArn"], second, "B", {"SharedRoutesEnabled": "true"}))
    assert (
        flags(pool["PoolId"])["DeletionProtectionEnabled"]
        is flags(pool["PoolId"])["SharedRoutesEnabled"]
        is True
    )
    assert len(records(pool["PoolId"])) == 2


@pytest.mark.parametrize("gone", ["stack-deleted", "stack-unknown", "resource-removed"])
def test_a_stale_owner_does_not_block_and_its_record_is_deleted(seed, send, cloudformation, gone):
    pool = seed()
    old_owner, new_owner = stack_id("OldApp"), stack_id("NewApp")
    cloudformation.set_stack(old_owner, "CREATE_COMPLETE", ["Old"])
    cloudformation.set_stack(new_owner, "CREATE_IN_PROGRESS", ["New"])
    ok(send("Create", pool["PoolId"], old_owner, "Old", {"SharedRoutesEnabled": "true"}))
    if gone == "stack-deleted":  # deleted with the record left (e.g. the provider gone first)
        cloudformation.set_stack(old_owner, "DELETE_COMPLETE")
    elif gone == "stack-unknown":
        cloudformation.forget_stack(old_owner)
    else:
        cloudformation.remove_resource(old_owner, "Old")

    ok(send("Create", pool["PoolId"], new_owner, "New", {"SharedRoutesEnabled": "false"}))
    assert flags(pool["PoolId"])["SharedRoutesEnabled"] is False
    [(name, record)] = records(pool["PoolId"]).items()
    assert name == record_name(pool["PoolId"], new_owner, "New")
    # The new owner's prior is the pool's value when it took the setting over.
    assert record["Settings"]["SharedRoutesEnabled"] == {"Prior": True, "Applied": False}


# --- what happens out of band -------------------------------------------------------------------------


def test_a_lost_record_makes_delete_leave_the_pool_and_update_record_anew(
    emulator, create_one, send, cloudformation
):
    properties = DESTROY_SHARED_ROUTES
    pool, stack = create_one(properties)
    name = record_name(pool["PoolId"], stack, "Settings")
    boto3.client("ssm").delete_parameter(Name=name)  # out of band

    cloudformation.set_stack(stack, "UPDATE_IN_PROGRESS")
    changed = {**properties, "DeletionProtectionEnabled": "true"}
    ok(
        send(
            "Update", pool["PoolId"], stack, "Settings", changed, old=properties, physical_id=pool["PoolArn"]
        )
    )
    record = records(pool["PoolId"])[name]
    assert record["Settings"]["SharedRoutesEnabled"] == {"Prior": True, "Applied": True}
    assert record["Settings"]["DeletionProtectionEnabled"] == {"Prior": False, "Applied": True}

    boto3.client("ssm").delete_parameter(Name=name)  # lost again, then the stack is deleted
    cloudformation.set_stack(stack, "DELETE_IN_PROGRESS")
    emulator.control.clear_calls()
    ok(send("Delete", pool["PoolId"], stack, "Settings", changed, physical_id=pool["PoolArn"]))
    assert emulator.control.calls() == []
    assert flags(pool["PoolId"])["DeletionProtectionEnabled"] is True


def test_a_pool_deleted_out_of_band_still_lets_the_delete_succeed_and_drops_its_record(
    emulator, create_one, send, cloudformation
):
    properties = DESTROY_SHARED_ROUTES
    pool, stack = create_one(properties)
    emulator.control.clear_iam()
    boto3.client("pinpoint-sms-voice-v2").delete_pool(PoolId=pool["PoolId"])

    cloudformation.set_stack(stack, "UPDATE_IN_PROGRESS")
    update = send(
        "Update", pool["PoolId"], stack, "Settings", properties, old=properties, physical_id=pool["PoolArn"]
    )
    assert update["Status"] == "FAILED" and "not found" in update["Reason"]
    assert len(records(pool["PoolId"])) == 1, "the resource still exists: its record stays"

    cloudformation.set_stack(stack, "DELETE_IN_PROGRESS")
    ok(send("Delete", pool["PoolId"], stack, "Settings", properties, physical_id=pool["PoolArn"]))
    assert records(pool["PoolId"]) == {}


def test_a_delete_without_a_record_calls_nothing_but_parameter_store(emulator, seed, send, cloudformation):
    pool = seed()
    stack = stack_id("App")
    cloudformation.set_stack(stack, "DELETE_IN_PROGRESS", ["Settings"])
    ok(
        send(
            "Delete",
            pool["PoolId"],
            stack,
            "Settings",
            {"SharedRoutesEnabled": "true"},
            physical_id=pool["PoolArn"],
        )
    )
    assert emulator.control.calls() == []
    assert cloudformation.calls() == []


def test_a_delete_after_a_create_refused_for_its_properties_calls_nothing(emulator, send, cloudformation):
    stack = stack_id("App")
    cloudformation.set_stack(stack, "ROLLBACK_IN_PROGRESS", ["Settings"])
    body = ok(
        send(
            "Delete", "pool-1", stack, "Settings", {"RemovalPolicy": "Destroy"}, physical_id="failed-create-1"
        )
    )
    assert body["PhysicalResourceId"] == "failed-create-1"
    assert emulator.control.calls() == [] and cloudformation.calls() == []


def test_the_stack_status_is_asked_only_when_the_policy_leaves_the_answer_open(
    create_one, send, cloudformation
):
    destroy = {"SharedRoutesEnabled": "true", "RemovalPolicy": "destroy"}
    pool, stack = create_one(destroy)
    ok(send("Delete", pool["PoolId"], stack, "Settings", destroy, physical_id=pool["PoolArn"]))
    assert cloudformation.calls("DescribeStacks") == []
    retain = {"SharedRoutesEnabled": "true"}
    ok(send("Create", pool["PoolId"], stack, "Settings", retain))
    ok(send("Delete", pool["PoolId"], stack, "Settings", retain, physical_id=pool["PoolArn"]))
    assert [c["StackName"] for c in cloudformation.calls("DescribeStacks")] == [stack]
