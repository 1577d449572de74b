"""The one drift comparison (`records.drifted`) that the CLI and the scheduled drift check read."""

import doctest

import pytest
from pool_settings_handler import records
from pool_settings_handler.records import Record, differences, drifted

ROLE = "arn:aws:iam::123456789012:role/SmsTwoWay"
TOPIC = "arn:aws:sns:us-east-1:123456789012:Inbound"
LIST_ARN = "arn:aws:sms-voice:us-east-1:123456789012:opt-out-list/Alerts"


def _record(**settings):
    return Record(
        "arn:aws:sms-voice:us-east-1:123456789012:pool/pool-1",
        "arn:aws:cloudformation:us-east-1:123456789012:stack/S/uuid",
        "Settings",
        {name: {"Prior": None, "Applied": value} for name, value in settings.items()},
    )


def test_the_records_module_examples_hold():
    result = doctest.testmod(records)
    assert result.attempted > 0
    assert result.failed == 0


def test_a_flag_applied_false_on_a_pool_now_true_is_drift_with_both_values():
    record = _record(DeletionProtectionEnabled=False)

    assert drifted(record, {"DeletionProtectionEnabled": True}) == {
        "DeletionProtectionEnabled": (False, True)
    }


def test_a_pool_that_has_every_applied_value_is_in_sync():
    record = _record(
        TwoWayEnabled=True,
        TwoWayChannelArn=TOPIC,
        TwoWayChannelRole=ROLE,
        OptOutListName=LIST_ARN,
        SharedRoutesEnabled=False,
    )
    live = {
        "TwoWayEnabled": True,
        "TwoWayChannelArn": TOPIC,
        "TwoWayChannelRole": ROLE,
        "OptOutListName": "Alerts",  # DescribePools reports the list by name
        "SharedRoutesEnabled": False,
        "DeletionProtectionEnabled": True,  # not managed: never drift
    }

    assert drifted(record, live) == {}


def test_a_setting_the_pool_lacks_is_drift_with_live_none():
    assert drifted(_record(TwoWayChannelRole=ROLE), {}) == {"TwoWayChannelRole": (ROLE, None)}


def test_an_opt_out_list_is_reported_by_the_name_the_pool_has():
    assert drifted(_record(OptOutListName=LIST_ARN), {"OptOutListName": "Default"}) == {
        "OptOutListName": (LIST_ARN, "Default")
    }


def test_released_settings_are_not_managed_and_never_drift():
    record = Record("a", "s", "l", {}, released={"SharedRoutesEnabled": True})

    assert drifted(record, {"SharedRoutesEnabled": False}) == {}


@pytest.mark.parametrize(
    ("desired", "live", "expected"),
    [
        ({"TwoWayEnabled": False}, {"TwoWayEnabled": True}, {"TwoWayEnabled": (False, True)}),
        ({"TwoWayEnabled": False}, {"TwoWayEnabled": False}, {}),
        ({"SelfManagedOptOutsEnabled": True}, {}, {"SelfManagedOptOutsEnabled": (True, None)}),
    ],
)
def test_differences_is_the_same_comparison_for_settings_known_without_a_record(desired, live, expected):
    assert differences(desired, live) == expected


def test_drift_is_listed_in_the_settings_table_order():
    record = _record(DeletionProtectionEnabled=True, TwoWayEnabled=True)

    found = drifted(record, {"DeletionProtectionEnabled": False, "TwoWayEnabled": False})

    assert list(found) == ["TwoWayEnabled", "DeletionProtectionEnabled"]
