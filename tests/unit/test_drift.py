"""The drift check's pure decisions (``pool_settings_handler.drift``): input, targets, counts, corrections."""

from __future__ import annotations

import doctest
import json

import pytest
from pool_settings_handler import drift
from pool_settings_handler.records import record_name

STACK_ID = (
    "arn:aws:cloudformation:us-east-1:123456789012:stack/Messaging/5f6a3c10-aa2b-11ef-9c6e-0a1b2c3d4e5f"
)
ARN = "arn:aws:sms-voice:us-east-1:123456789012:pool/pool-0123456789abcdef0123456789abcdef"
OTHER_ARN = "arn:aws:sms-voice:us-east-1:123456789012:pool/pool-1123456789abcdef0123456789abcdef"


def _record(settings: dict[str, tuple[object, object]], logical_id: str = "Settings") -> str:
    return json.dumps(
        {
            "PoolArn": ARN,
            "StackId": STACK_ID,
            "LogicalResourceId": logical_id,
            "Settings": {
                name: {"Prior": prior, "Applied": applied} for name, (prior, applied) in settings.items()
            },
        }
    )


def test_the_docstring_examples_hold() -> None:
    result = doctest.testmod(drift)
    assert result.attempted > 0
    assert result.failed == 0


def test_the_input_lists_which_resources_to_check_and_which_to_correct() -> None:
    assert drift.requested({"Check": ["A", "B"], "Correct": ["C"]}) == {"A": False, "B": False, "C": True}
    assert drift.requested({}) == {}


@pytest.mark.parametrize("event", [{"Check": "A"}, {"Correct": [1]}, {"Check": None}])
def test_an_input_that_is_not_lists_of_logical_ids_is_refused_naming_the_key(
    event: dict[str, object],
) -> None:
    ((key, value),) = event.items()
    with pytest.raises(ValueError) as raised:
        drift.requested(event)
    assert str(raised.value) == f"drift check input {key} must be a list of logical IDs, got {value!r}"


def test_targets_name_each_resources_record_and_leave_out_resources_without_a_pool() -> None:
    # GIVEN: one resource created (its physical ID the pool's ARN), one whose Create failed, one unknown
    resources = {"Created": ARN, "Failed": "Failed-1a2b", "Other": OTHER_ARN}
    # WHEN
    found, missing = drift.targets({"Created": True, "Failed": False, "Gone": False}, resources, STACK_ID)
    # THEN
    assert found == [
        drift.Target(
            "Created", ARN, record_name("pool-0123456789abcdef0123456789abcdef", STACK_ID, "Created"), True
        )
    ]
    assert missing == ["Failed", "Gone"]


def test_in_sync_counts_zero_and_corrects_nothing() -> None:
    target = drift.Target("Settings", ARN, "/r", correct=True)
    record = _record({"DeletionProtectionEnabled": (False, True), "OptOutListName": ("Default", "Alerts")})
    # WHEN
    found = drift.compare(
        [target], {"/r": record}, {ARN: {"DeletionProtectionEnabled": True, "OptOutListName": "Alerts"}}
    )
    # THEN
    assert (found.drifted, found.corrections, found.problems) == (
        {"pool-0123456789abcdef0123456789abcdef": 0},
        {},
        [],
    )


def test_each_drifted_setting_counts_and_only_a_correcting_resource_collects_its_applied_values() -> None:
    # GIVEN: two resources managing different settings of one pool, both drifted; one corrects
    live = {"DeletionProtectionEnabled": False, "SharedRoutesEnabled": True, "TwoWayEnabled": True}
    checks = drift.Target("Checks", ARN, "/a", correct=False)
    corrects = drift.Target("Corrects", ARN, "/b", correct=True)
    texts = {
        "/a": _record({"DeletionProtectionEnabled": (False, True)}, "Checks"),
        "/b": _record({"SharedRoutesEnabled": (True, False), "TwoWayEnabled": (True, False)}, "Corrects"),
    }
    # WHEN
    found = drift.compare([checks, corrects], texts, {ARN: live})
    # THEN: one count per pool, the sum of both
    assert found.drifted == {"pool-0123456789abcdef0123456789abcdef": 3}
    assert found.corrections == {ARN: {"SharedRoutesEnabled": False, "TwoWayEnabled": False}}
    assert found.problems == []


def test_a_deleted_pool_has_every_managed_setting_drifted_and_nothing_to_correct() -> None:
    target = drift.Target("Settings", ARN, "/r", correct=True)
    record = _record({"DeletionProtectionEnabled": (False, True), "SharedRoutesEnabled": (True, False)})
    # WHEN
    found = drift.compare([target], {"/r": record}, {ARN: None})
    # THEN
    assert found.drifted == {"pool-0123456789abcdef0123456789abcdef": 2}
    assert found.corrections == {}
    assert found.problems == [f"Settings: pool {ARN} not found"]


def test_a_resource_without_a_readable_record_is_a_problem_and_publishes_nothing() -> None:
    targets = [
        drift.Target("NoRecord", ARN, "/none", False),
        drift.Target("Broken", OTHER_ARN, "/bad", False),
    ]
    # WHEN
    found = drift.compare(targets, {"/bad": "not json"}, {ARN: {}, OTHER_ARN: {}})
    # THEN
    assert found.drifted == {}
    assert found.problems[0] == "NoRecord: no record /none"
    assert found.problems[1].startswith("Broken: ")
    assert "/bad" in found.problems[1]


def test_the_metric_data_is_one_count_per_pool() -> None:
    assert drift.metric_data({"pool-2": 3, "pool-1": 0}) == [
        {"MetricName": "SettingsDrifted", "Dimensions": [{"Name": "PoolId", "Value": "pool-1"}], "Value": 0.0,
         "Unit": "Count"},
        {"MetricName": "SettingsDrifted", "Dimensions": [{"Name": "PoolId", "Value": "pool-2"}], "Value": 3.0,
         "Unit": "Count"},
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("status", "deploying"),
    [("UPDATE_IN_PROGRESS", True), ("UPDATE_ROLLBACK_IN_PROGRESS", True), ("UPDATE_COMPLETE", False),
     ("UPDATE_ROLLBACK_FAILED", False), ("CREATE_COMPLETE", False)],
)  # fmt: skip
def test_a_stack_is_being_deployed_while_its_status_is_in_progress(status: str, deploying: bool) -> None:
    assert drift.deploying(status) is deploying
