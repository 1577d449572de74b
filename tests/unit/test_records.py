"""The records' pure logic: names, JSON, what a Create/Update claims and puts back, what a Delete restores."""

import json

import pytest
from pool_settings_handler import records
from pool_settings_handler.errors import InvalidRecordError
from pool_settings_handler.records import Record, claim, conflicts, parse_record, restores, undeclared

STACK = "arn:aws:cloudformation:us-east-1:123456789012:stack/App/5f6a0a70-8a1b-11ef-9f5e-0affd1f2c3b5"
POOL = {"PoolArn": "arn:aws:sms-voice:us-east-1:123456789012:pool/pool-1", "PoolId": "pool-1"}


def entry(prior, applied):
    return {"Prior": prior, "Applied": applied}


def claim_of(current, desired, live, restore=False, now="t1"):
    return claim(
        current,
        desired,
        {**POOL, **live},
        stack_id=STACK,
        logical_id="Settings",
        restore_undeclared=restore,
        now=now,
    )


def test_a_record_is_named_by_pool_stack_uuid_and_logical_id_and_listed_under_the_pool():
    name = records.record_name("pool-1", STACK, "Settings")
    assert name == "/sms-pool-settings/pool-1/5f6a0a70-8a1b-11ef-9f5e-0affd1f2c3b5/Settings"
    assert name.startswith(records.pool_path("pool-1") + "/")
    assert records.pool_id_of(POOL["PoolArn"]) == records.pool_id_of("pool-1") == "pool-1"


def test_a_first_claim_takes_the_live_values_as_priors_and_is_written_before_the_update():
    plan = claim_of(
        None,
        {"SharedRoutesEnabled": True, "OptOutListName": "arn:aws:sms-voice:us-east-1:1:opt-out-list/New"},
        {"SharedRoutesEnabled": False, "OptOutListName": "Default"},
    )
    assert plan.before is not None and plan.after is None and plan.restores == {}
    assert plan.before.settings == {
        "OptOutListName": entry("Default", "arn:aws:sms-voice:us-east-1:1:opt-out-list/New"),
        "SharedRoutesEnabled": entry(False, True),
    }
    assert (plan.before.pool_arn, plan.before.stack_id, plan.before.logical_id) == (
        POOL["PoolArn"],
        STACK,
        "Settings",
    )
    assert plan.before.changed == "t1"


def test_a_claim_keeps_the_first_prior_and_writes_nothing_when_nothing_changes():
    current = Record(
        POOL["PoolArn"], STACK, "Settings", {"SharedRoutesEnabled": entry(False, True)}, changed="t0"
    )
    same = claim_of(current, {"SharedRoutesEnabled": True}, {"SharedRoutesEnabled": True})
    assert (same.before, same.after, same.restores) == (None, None, {})
    flipped = claim_of(current, {"SharedRoutesEnabled": False}, {"SharedRoutesEnabled": True})
    assert flipped.before is not None and flipped.before.settings == {
        "SharedRoutesEnabled": entry(False, False)
    }


def test_an_undeclared_setting_is_restored_and_leaves_the_record_only_after_the_write():
    current = Record(
        POOL["PoolArn"],
        STACK,
        "Settings",
        {"SharedRoutesEnabled": entry(False, True), "DeletionProtectionEnabled": entry(False, True)},
    )
    plan = claim_of(current, {"DeletionProtectionEnabled": True}, {"SharedRoutesEnabled": True}, restore=True)
    assert plan.restores == {"SharedRoutesEnabled": False}
    assert plan.before is None, "the stored record already holds the prior being put back"
    assert plan.after is not None and set(plan.after.settings) == {"DeletionProtectionEnabled"}
    assert plan.after.released == {}


def test_an_undeclared_setting_under_retain_is_released_with_its_prior_and_managed_again_with_it():
    current = Record(POOL["PoolArn"], STACK, "Settings", {"SharedRoutesEnabled": entry(False, True)})
    released = claim_of(current, {}, {"SharedRoutesEnabled": True})
    assert released.restores == {}
    assert released.before is not None and released.before.settings == {}
    assert released.before.released == {"SharedRoutesEnabled": False}
    again = claim_of(released.before, {"SharedRoutesEnabled": True}, {"SharedRoutesEnabled": True})
    assert again.before is not None
    assert again.before.settings == {"SharedRoutesEnabled": entry(False, True)}
    assert again.before.released == {}


def test_a_prior_the_pool_never_had_is_not_written_back():
    current = Record(
        POOL["PoolArn"], STACK, "Settings", {"TwoWayChannelRole": entry(None, "arn:aws:iam::1:role/r")}
    )
    assert claim_of(current, {}, {}, restore=True).restores == {}
    assert restores(current) == {}


def test_no_record_for_a_resource_that_manages_nothing():
    assert claim_of(None, {}, {"SharedRoutesEnabled": True}) == records.Claim(None, None, {})


def test_a_record_round_trips_and_a_foreign_value_names_the_parameter():
    record = Record(
        POOL["PoolArn"],
        STACK,
        "Settings",
        {"SharedRoutesEnabled": entry(False, True)},
        {"DeletionProtectionEnabled": True},
        "t1",
    )
    assert parse_record("/p", record.to_json()) == record
    for text in (
        "not json",
        "[]",
        json.dumps({"PoolArn": "a"}),
        json.dumps({**json.loads(record.to_json()), "Settings": 1}),
    ):
        with pytest.raises(
            InvalidRecordError, match=r"^Record /sms-pool-settings/x: not a record of this handler"
        ):
            parse_record("/sms-pool-settings/x", text)


def test_a_record_over_the_standard_parameter_size_is_refused_before_it_is_written():
    huge = Record(POOL["PoolArn"], STACK, "Settings", {"TwoWayChannelArn": entry("a" * 2100, "b" * 2100)})
    with pytest.raises(InvalidRecordError, match="over 4096"):
        huge.to_json()


def test_conflicts_are_the_declared_settings_another_record_manages_not_those_it_released():
    other = Record(
        "a", "s", "Other", {"SharedRoutesEnabled": entry(False, True)}, {"DeletionProtectionEnabled": False}
    )
    assert conflicts(other, {"SharedRoutesEnabled": False, "DeletionProtectionEnabled": True}) == [
        "SharedRoutesEnabled"
    ]
    assert conflicts(other, {"TwoWayEnabled": True}) == []


def test_undeclared_is_true_only_for_a_managed_setting_no_longer_declared():
    current = Record("a", "s", "l", {"SharedRoutesEnabled": entry(False, True)}, {"TwoWayEnabled": False})
    assert undeclared(current, {}) and not undeclared(current, {"SharedRoutesEnabled": True})
    assert not undeclared(None, {})


def test_gained_are_the_declared_settings_the_record_does_not_manage_yet():
    current = Record("a", "s", "l", {"SharedRoutesEnabled": entry(False, True)}, {"TwoWayEnabled": False})
    assert records.gained(current, {"SharedRoutesEnabled": False, "TwoWayEnabled": True}) == {
        "TwoWayEnabled": True
    }
    assert records.gained(None, {"SharedRoutesEnabled": True}) == {"SharedRoutesEnabled": True}


def test_the_earlier_claim_wins_and_the_parameter_name_breaks_a_tie():
    assert records.first((1.0, "/z"), (2.0, "/a"))
    assert not records.first((2.0, "/a"), (1.0, "/z"))
    assert records.first((1.0, "/a"), (1.0, "/b")) and not records.first((1.0, "/b"), (1.0, "/a"))
