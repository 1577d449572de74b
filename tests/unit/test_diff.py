"""Desired x live -> the fields to write; removed properties are unmanaged; rollback restores."""

from pool_settings_handler import constants as c
from pool_settings_handler.diff import after_write, changes, format_setting, response_data
from pool_settings_handler.properties import parse_properties

LIVE = {
    "PoolArn": "arn:aws:sms-voice:us-east-1:123456789012:pool/pool-1",
    "PoolId": "pool-1",
    "Status": "ACTIVE",
    "MessageType": "TRANSACTIONAL",
    "TwoWayEnabled": False,
    "SelfManagedOptOutsEnabled": False,
    "OptOutListName": "Default",
    "SharedRoutesEnabled": False,
    "DeletionProtectionEnabled": False,
}


def desired(**props):
    return parse_properties({"PoolId": "pool-1", **props}).settings


def test_update_sends_only_changed_fields():
    assert changes(desired(TwoWayEnabled="false", SharedRoutesEnabled="true"), LIVE) == {
        "SharedRoutesEnabled": True
    }


def test_nothing_is_written_when_the_pool_already_matches():
    assert changes(desired(TwoWayEnabled="false", OptOutListName="Default"), LIVE) == {}


def test_a_removed_property_is_no_longer_managed():
    # Old template managed SharedRoutesEnabled; the new one does not mention it: the live value stays.
    live = {**LIVE, "SharedRoutesEnabled": True}
    assert changes(desired(TwoWayEnabled="false"), live) == {}


def test_drift_is_corrected_even_when_the_template_did_not_change():
    template = desired(DeletionProtectionEnabled="true")
    drifted = {**LIVE, "DeletionProtectionEnabled": False}
    assert changes(template, drifted) == {"DeletionProtectionEnabled": True}


def test_a_rollback_restores_the_old_values_by_comparing_with_live():
    old = desired(SharedRoutesEnabled="false", DeletionProtectionEnabled="false")
    new = desired(SharedRoutesEnabled="true", DeletionProtectionEnabled="true")
    after_update = {**LIVE, **changes(new, LIVE)}
    assert after_update["SharedRoutesEnabled"] is True
    # CloudFormation's rollback sends an Update with old and new swapped: desired is the old template.
    assert changes(old, after_update) == {"SharedRoutesEnabled": False, "DeletionProtectionEnabled": False}


def test_a_failed_update_that_changed_nothing_rolls_back_with_no_write():
    old = desired(SharedRoutesEnabled="false")
    assert changes(old, LIVE) == {}


def test_opt_out_list_given_as_arn_matches_the_name_the_service_reports():
    arn = "arn:aws:sms-voice:us-east-1:123456789012:opt-out-list/Default"
    assert changes(desired(OptOutListName=arn), LIVE) == {}
    other = "arn:aws:sms-voice:us-east-1:123456789012:opt-out-list/Other"
    assert changes(desired(OptOutListName=other), LIVE) == {"OptOutListName": other}


def test_a_setting_the_pool_does_not_report_differs_from_any_desired_value():
    topic = "arn:aws:sns:us-east-1:123456789012:inbound"
    assert changes(desired(TwoWayChannelArn=topic), LIVE) == {"TwoWayChannelArn": topic}


def test_fields_come_in_update_pool_parameter_order():
    fields = changes(
        desired(DeletionProtectionEnabled="true", TwoWayEnabled="true", SharedRoutesEnabled="true"), LIVE
    )
    assert list(fields) == ["TwoWayEnabled", "SharedRoutesEnabled", "DeletionProtectionEnabled"]


def test_response_data_renders_settings_as_strings_and_lists_changed_fields():
    data = response_data(
        {**LIVE, "SharedRoutesEnabled": True}, {"SharedRoutesEnabled": True, "TwoWayEnabled": False}
    )
    assert data == {
        "PoolArn": LIVE["PoolArn"],
        "PoolId": "pool-1",
        "Status": "ACTIVE",
        "MessageType": "TRANSACTIONAL",
        "TwoWayEnabled": "false",
        "TwoWayChannelArn": "",
        "TwoWayChannelRole": "",
        "SelfManagedOptOutsEnabled": "false",
        "OptOutListName": "Default",
        "SharedRoutesEnabled": "true",
        "DeletionProtectionEnabled": "false",
        "ChangedFields": "TwoWayEnabled,SharedRoutesEnabled",
    }


def test_changed_fields_is_empty_when_nothing_was_written():
    assert response_data(LIVE, {})[c.ATTR_CHANGED_FIELDS] == ""


def test_format_setting_renders_booleans_in_cloudformation_form():
    assert [format_setting(v) for v in (True, False, None, "x")] == ["true", "false", "", "x"]


# --- Data after a write: the values written, whatever the answer leaves out ---------------------------

BEFORE = {
    "PoolArn": "arn:aws:sms-voice:us-east-1:123456789012:pool/pool-1",
    "PoolId": "pool-1",
    "Status": "ACTIVE",
    "MessageType": "TRANSACTIONAL",
    "TwoWayEnabled": False,
    "TwoWayChannelRole": "arn:aws:iam::123456789012:role/old",
    "OptOutListName": "Default",
    "SharedRoutesEnabled": True,
}


def test_a_member_the_answer_leaves_out_reports_the_value_written_not_the_stale_one():
    written = {"TwoWayEnabled": True, "TwoWayChannelRole": "arn:aws:iam::123456789012:role/new"}
    answer = {k: v for k, v in {**BEFORE, **written}.items() if k != "TwoWayChannelRole"}
    pool = after_write(BEFORE, written, answer)
    assert pool["TwoWayChannelRole"] == "arn:aws:iam::123456789012:role/new"
    assert response_data(pool, written)["TwoWayChannelRole"] == "arn:aws:iam::123456789012:role/new"


def test_the_answer_has_the_last_word_on_every_member_it_carries():
    pool = after_write(
        BEFORE, {"SharedRoutesEnabled": False}, {"SharedRoutesEnabled": True, "Status": "CREATING"}
    )
    assert (pool["SharedRoutesEnabled"], pool["Status"]) == (True, "CREATING")


def test_members_neither_written_nor_answered_keep_the_value_read_before():
    pool = after_write(BEFORE, {"SharedRoutesEnabled": False}, {})
    assert pool == {**BEFORE, "SharedRoutesEnabled": False}


def test_an_opt_out_list_written_as_an_arn_is_reported_by_name_like_the_service():
    arn = "arn:aws:sms-voice:us-east-1:123456789012:opt-out-list/Alerts"
    assert after_write(BEFORE, {"OptOutListName": arn}, {})["OptOutListName"] == "Alerts"
