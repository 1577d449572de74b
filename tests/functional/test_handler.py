"""The real handler(event, context) against the emulator, answering over loopback HTTPS."""

import threading
import time

import boto3
import pytest
from pool_settings_handler.handler import handler
from sms_pool_settings_local.lambda_runtime import LambdaContext

SETTINGS = ("TwoWayEnabled", "SelfManagedOptOutsEnabled", "SharedRoutesEnabled", "DeletionProtectionEnabled")


def sms():
    return boto3.client("pinpoint-sms-voice-v2")


def live(emulator, pool_id):
    return sms().describe_pools(PoolIds=[pool_id])["Pools"][0]


def flags(pool):
    return {k: pool[k] for k in SETTINGS}


@pytest.fixture
def pool(emulator):
    return emulator.control.seed_pool(
        TwoWayEnabled=False,
        SelfManagedOptOutsEnabled=False,
        SharedRoutesEnabled=False,
        DeletionProtectionEnabled=False,
    )


def update_calls(emulator):
    return emulator.control.calls("UpdatePool")


# --- Create / Update / Delete ------------------------------------------------------------------------


def test_create_applies_the_template_and_answers_with_the_pool_arn(emulator, pool, make_event, invoke):
    body = invoke(make_event("create", pool["PoolId"]))
    assert body["Status"] == "SUCCESS", body["Reason"]
    assert body["PhysicalResourceId"] == pool["PoolArn"]
    assert body["Data"] == {
        "PoolArn": pool["PoolArn"],
        "PoolId": pool["PoolId"],
        "Status": "ACTIVE",
        "MessageType": "TRANSACTIONAL",
        "TwoWayEnabled": "false",
        "TwoWayChannelArn": "",
        "TwoWayChannelRole": "",
        "SelfManagedOptOutsEnabled": "false",
        "OptOutListName": "Default",
        "SharedRoutesEnabled": "true",
        "DeletionProtectionEnabled": "true",
        "ChangedFields": "SharedRoutesEnabled,DeletionProtectionEnabled",
    }
    assert flags(live(emulator, pool["PoolId"])) == {
        "TwoWayEnabled": False,
        "SelfManagedOptOutsEnabled": False,
        "SharedRoutesEnabled": True,
        "DeletionProtectionEnabled": True,
    }
    [call] = update_calls(emulator)
    assert call["request"] == {
        "PoolId": pool["PoolId"],
        "SharedRoutesEnabled": True,
        "DeletionProtectionEnabled": True,
    }


def test_the_physical_id_is_the_pool_arn_whether_the_template_gives_the_id_or_the_arn(
    pool, make_event, invoke
):
    by_id = invoke(make_event("create", pool["PoolId"]))
    by_arn = invoke(make_event("create", pool["PoolArn"]))
    assert by_id["PhysicalResourceId"] == by_arn["PhysicalResourceId"] == pool["PoolArn"]
    assert by_arn["Data"]["ChangedFields"] == ""


def test_update_writes_only_the_changed_fields(emulator, pool, make_event, invoke):
    invoke(make_event("create", pool["PoolId"]))
    emulator.control.clear_calls()
    body = invoke(make_event("update", pool["PoolId"], physical_id=pool["PoolArn"]))
    assert body["Status"] == "SUCCESS", body["Reason"]
    assert body["Data"]["ChangedFields"] == "SharedRoutesEnabled,DeletionProtectionEnabled"
    [call] = update_calls(emulator)
    assert call["request"] == {
        "PoolId": pool["PoolId"],
        "SharedRoutesEnabled": False,
        "DeletionProtectionEnabled": False,
    }


def test_an_update_with_nothing_to_change_makes_no_update_pool_call(emulator, pool, make_event, invoke):
    props = {"PoolId": pool["PoolId"], "TwoWayEnabled": "false", "SharedRoutesEnabled": "false"}
    body = invoke(
        make_event("update", pool["PoolId"], pool["PoolArn"], properties=props, old_properties=props)
    )
    assert body["Status"] == "SUCCESS", body["Reason"]
    assert body["Data"]["ChangedFields"] == ""
    assert update_calls(emulator) == []
    assert len(emulator.control.calls("DescribePools")) == 1


def test_drift_is_put_back_by_an_update_whose_template_did_not_change(emulator, pool, make_event, invoke):
    props = {"PoolId": pool["PoolId"], "DeletionProtectionEnabled": "true", "ReconcileToken": "build-1"}
    invoke(make_event("create", pool["PoolId"], properties=props))
    sms().update_pool(PoolId=pool["PoolId"], DeletionProtectionEnabled=False)  # by hand, out of band
    new = {**props, "ReconcileToken": "build-2"}
    body = invoke(make_event("update", pool["PoolId"], pool["PoolArn"], properties=new, old_properties=props))
    assert body["Status"] == "SUCCESS", body["Reason"]
    assert body["Data"]["ChangedFields"] == "DeletionProtectionEnabled"
    assert live(emulator, pool["PoolId"])["DeletionProtectionEnabled"] is True
    assert "ReconcileToken" not in update_calls(emulator)[-1]["request"]


def test_a_removed_property_is_left_as_it_is(emulator, pool, make_event, invoke):
    invoke(make_event("create", pool["PoolId"]))  # SharedRoutesEnabled and DeletionProtectionEnabled true
    emulator.control.clear_calls()
    props = {"PoolId": pool["PoolId"], "TwoWayEnabled": "false"}
    body = invoke(make_event("update", pool["PoolId"], pool["PoolArn"], properties=props))
    assert body["Status"] == "SUCCESS"
    assert update_calls(emulator) == []
    assert live(emulator, pool["PoolId"])["SharedRoutesEnabled"] is True


def test_pointing_pool_id_at_another_pool_returns_that_pools_arn(emulator, pool, make_event, invoke):
    other = emulator.control.seed_pool()
    body = invoke(make_event("update", other["PoolId"], physical_id=pool["PoolArn"]))
    assert body["Status"] == "SUCCESS", body["Reason"]
    assert body["PhysicalResourceId"] == other["PoolArn"]


def test_an_opt_out_list_given_by_arn_matches_the_name_the_pool_reports(emulator, pool, make_event, invoke):
    arn = pool["PoolArn"].replace(":pool/" + pool["PoolId"], ":opt-out-list/Default")
    props = {"PoolId": pool["PoolId"], "OptOutListName": arn}
    body = invoke(make_event("create", pool["PoolId"], properties=props))
    assert (body["Status"], body["Data"]["ChangedFields"]) == ("SUCCESS", "")
    assert update_calls(emulator) == []


def test_delete_makes_no_call_keeps_the_physical_id_and_answers_at_once(emulator, pool, make_event, invoke):
    started = time.monotonic()
    body = invoke(make_event("delete", pool["PoolId"], physical_id=pool["PoolArn"]), timeout=300)
    assert time.monotonic() - started < 5
    assert (body["Status"], body["PhysicalResourceId"]) == ("SUCCESS", pool["PoolArn"])
    assert emulator.control.calls() == []


def test_delete_after_a_failed_create_answers_success(emulator, make_event, invoke):
    created = invoke(make_event("create", "pool-does-not-exist"))
    assert created["Status"] == "FAILED"
    assert not created["PhysicalResourceId"].startswith("arn:")
    deleted = invoke(make_event("delete", "pool-does-not-exist", physical_id=created["PhysicalResourceId"]))
    assert (deleted["Status"], deleted["PhysicalResourceId"]) == ("SUCCESS", created["PhysicalResourceId"])


def test_delete_of_a_pool_that_no_longer_exists_answers_success(emulator, make_event, invoke):
    gone = "arn:aws:sms-voice:us-east-1:123456789012:pool/pool-00000000000000000000000000000000"
    body = invoke(make_event("delete", "pool-00000000000000000000000000000000", physical_id=gone))
    assert (body["Status"], body["PhysicalResourceId"]) == ("SUCCESS", gone)


# --- Waiting, retries, deadlines ---------------------------------------------------------------------


def test_a_pool_still_creating_is_waited_for(emulator, pool, make_event, invoke):
    emulator.control.set_pool_statuses(pool["PoolId"], ["CREATING", "CREATING", "ACTIVE"])
    body = invoke(make_event("create", pool["PoolId"]))
    assert body["Status"] == "SUCCESS", body["Reason"]
    assert len(emulator.control.calls("DescribePools")) == 3


def test_a_pool_that_stays_creating_fails_before_the_deadline(emulator, pool, make_event, invoke):
    emulator.control.set_pool_statuses(pool["PoolId"], ["CREATING"])
    started = time.monotonic()
    body = invoke(make_event("create", pool["PoolId"]), timeout=6)
    assert time.monotonic() - started < 6
    assert body["Status"] == "FAILED"
    assert body["Reason"].startswith(f"Deadline reached: pool {pool['PoolId']} still CREATING after ")
    assert update_calls(emulator) == []


@pytest.mark.parametrize("kind", ["throttle", "server_error", "connection_reset"])
@pytest.mark.parametrize("operation", ["DescribePools", "UpdatePool"])
def test_transient_faults_are_retried_then_succeed(emulator, pool, make_event, invoke, kind, operation):
    emulator.control.add_fault(operation, kind, count=3)
    body = invoke(make_event("create", pool["PoolId"]))
    assert body["Status"] == "SUCCESS", body["Reason"]
    assert len(emulator.control.calls(operation)) == 4
    assert live(emulator, pool["PoolId"])["DeletionProtectionEnabled"] is True


def test_a_hung_api_is_answered_failed_before_the_deadline(emulator, pool, make_event, invoke):
    emulator.control.add_fault("UpdatePool", "hang", count=None, seconds=10)
    started = time.monotonic()
    body = invoke(make_event("create", pool["PoolId"]), timeout=8)
    elapsed = time.monotonic() - started
    assert elapsed < 7.5, "answered by crhelper's last-resort timer or later"
    assert body["Status"] == "FAILED"
    assert body["Reason"].startswith(f"UpdatePool {pool['PoolId']} failed after ")
    assert body["Reason"].endswith("stopped before the Lambda deadline: ReadTimeoutError")


def test_throttling_until_the_deadline_answers_failed_with_the_last_error(emulator, pool, make_event, invoke):
    emulator.control.add_fault("DescribePools", "throttle", count=None)
    body = invoke(make_event("create", pool["PoolId"]), timeout=6)
    assert body["Status"] == "FAILED"
    assert body["Reason"].startswith(f"DescribePools {pool['PoolId']} failed after ")
    assert "ThrottlingException" in body["Reason"]


# --- Service errors ----------------------------------------------------------------------------------


def test_a_conflict_fails_without_half_applying_and_the_rollback_succeeds(emulator, pool, make_event, invoke):
    before = flags(live(emulator, pool["PoolId"]))
    emulator.control.add_fault(
        "UpdatePool", "conflict", reason="DELETION_PROTECTION_ENABLED", message="Locked."
    )
    old = {"PoolId": pool["PoolId"], "SharedRoutesEnabled": "false", "DeletionProtectionEnabled": "false"}
    new = {"PoolId": pool["PoolId"], "SharedRoutesEnabled": "true", "DeletionProtectionEnabled": "true"}
    failed = invoke(make_event("update", pool["PoolId"], pool["PoolArn"], properties=new, old_properties=old))
    assert failed["Status"] == "FAILED"
    assert failed["Reason"] == (
        f"UpdatePool {pool['PoolId']} rejected: ConflictException DELETION_PROTECTION_ENABLED: Locked."
    )
    assert failed["PhysicalResourceId"] == pool["PoolArn"]
    assert len(update_calls(emulator)) == 1, "a ConflictException is never retried"
    assert flags(live(emulator, pool["PoolId"])) == before

    # CloudFormation rolls back: the same Update with old and new swapped.
    rollback = invoke(
        make_event("update", pool["PoolId"], pool["PoolArn"], properties=old, old_properties=new)
    )
    assert rollback["Status"] == "SUCCESS", rollback["Reason"]
    assert rollback["Data"]["ChangedFields"] == ""
    assert flags(live(emulator, pool["PoolId"])) == before


def test_a_rollback_after_a_successful_update_restores_the_old_values(emulator, pool, make_event, invoke):
    old = {"PoolId": pool["PoolId"], "SharedRoutesEnabled": "false", "TwoWayEnabled": "false"}
    new = {"PoolId": pool["PoolId"], "SharedRoutesEnabled": "true", "TwoWayEnabled": "false"}
    invoke(make_event("update", pool["PoolId"], pool["PoolArn"], properties=new, old_properties=old))
    body = invoke(make_event("update", pool["PoolId"], pool["PoolArn"], properties=old, old_properties=new))
    assert body["Data"]["ChangedFields"] == "SharedRoutesEnabled"
    assert live(emulator, pool["PoolId"])["SharedRoutesEnabled"] is False


def test_a_missing_pool_fails_naming_it(emulator, make_event, invoke):
    body = invoke(make_event("create", "pool-missing"))
    assert body["Status"] == "FAILED"
    assert body["Reason"] == "DescribePools: pool pool-missing not found: Pool pool-missing does not exist."


def test_a_missing_opt_out_list_fails_naming_it(emulator, pool, make_event, invoke):
    props = {"PoolId": pool["PoolId"], "OptOutListName": "NoSuchList"}
    body = invoke(make_event("create", pool["PoolId"], properties=props))
    assert body["Status"] == "FAILED"
    assert body["Reason"] == (
        f"UpdatePool {pool['PoolId']}: opt-out list NoSuchList not found: "
        "Opt-out list NoSuchList does not exist."
    )


def test_access_denied_fails_naming_the_call(emulator, pool, make_event, invoke):
    emulator.control.add_fault("UpdatePool", "access_denied", message="Not authorized.")
    body = invoke(make_event("create", pool["PoolId"]))
    assert body["Status"] == "FAILED"
    assert body["Reason"] == (
        f"UpdatePool {pool['PoolId']} denied: AccessDeniedException "
        "(the handler's role lacks sms-voice:UpdatePool): Not authorized."
    )
    assert len(update_calls(emulator)) == 1


def test_a_pool_deleted_between_describe_and_update_fails_cleanly(emulator, pool, make_event, invoke):
    emulator.control.add_fault("UpdatePool", "delete_pool")
    body = invoke(make_event("create", pool["PoolId"]))
    assert body["Status"] == "FAILED"
    assert body["Reason"].startswith(f"UpdatePool: pool {pool['PoolId']} not found")


# --- Bad input ----------------------------------------------------------------------------------------

BAD_INPUTS = [
    ({"TwoWayEnabled": "yes"}, """Invalid property TwoWayEnabled: expected "true" or "false", got 'yes'"""),
    (
        {"SharedRoutsEnabled": "true"},
        "Invalid property SharedRoutsEnabled: unknown property (did you mean SharedRoutesEnabled?)",
    ),
    (
        {"DeletionProtectionEnabled": ["true"]},
        """Invalid property DeletionProtectionEnabled: expected "true" or "false", got ['true']""",
    ),
    (
        {"TwoWayChannelArn": {"Ref": "Topic"}},
        "Invalid property TwoWayChannelArn: expected a string, got {'Ref': 'Topic'}",
    ),
    (
        {"TwoWayChannelRole": "arn:aws:iam::123456789012:user/x"},
        "Invalid property TwoWayChannelRole: expected an IAM role ARN "
        "arn:<partition>:iam::<account>:role/<name>, "
        "got 'arn:aws:iam::123456789012:user/x'",
    ),
    (
        {"TwoWayChannelArn": "arn:aws:sns:eu-west-1:123456789012:inbound"},
        "Invalid property TwoWayChannelArn: expected region us-east-1 (the handler's own), "
        "got 'arn:aws:sns:eu-west-1:123456789012:inbound'",
    ),
    ({"OptOutListName": "my list"}, None),
    ({"PoolId": None}, "Invalid property PoolId: expected a string, got None"),
]


@pytest.mark.parametrize(("change", "reason"), BAD_INPUTS, ids=[next(iter(c)) for c, _ in BAD_INPUTS])
def test_each_bad_input_fails_with_its_reason_and_makes_no_call(
    emulator, pool, make_event, invoke, change, reason
):
    props = {"PoolId": pool["PoolId"], "TwoWayEnabled": "false", **change}
    body = invoke(make_event("create", pool["PoolId"], properties=props))
    assert body["Status"] == "FAILED"
    if reason is None:
        assert body["Reason"].startswith("Invalid property OptOutListName: expected an opt-out list name")
    else:
        assert body["Reason"] == reason
    assert emulator.control.calls() == []


def test_a_missing_pool_id_fails(emulator, make_event, invoke):
    event = make_event("create", "unused")
    del event["ResourceProperties"]["PoolId"]
    body = invoke(event)
    assert body["Reason"] == "Invalid property PoolId: required (a pool ID or pool ARN), got nothing"
    assert emulator.control.calls() == []


def test_a_4kb_property_fails_with_a_short_reason(emulator, pool, make_event, invoke):
    props = {"PoolId": pool["PoolId"], "OptOutListName": "x" * 4096}
    body = invoke(make_event("create", pool["PoolId"], properties=props))
    assert body["Status"] == "FAILED"
    assert body["Reason"].endswith("(4096 characters)")
    assert len(body["Reason"]) <= 256


# --- The answer to CloudFormation ----------------------------------------------------------------------


def test_a_non_2xx_answer_from_the_response_url_is_retried(pool, receiver, make_event, invoke):
    receiver.fail_next(2, status=503)
    event = make_event("create", pool["PoolId"])
    body = invoke(event)
    assert body["Status"] == "SUCCESS"
    assert receiver.rejected(event["ResponseURL"]) == 2


def test_a_dropped_connection_to_the_response_url_is_retried(pool, receiver, make_event, invoke):
    receiver.drop_next(1)
    assert invoke(make_event("create", pool["PoolId"]))["Status"] == "SUCCESS"


def test_an_unreachable_response_url_does_not_hang_the_handler(pool, receiver, make_event):
    receiver.fail_next(100, status=500)
    event = make_event("create", pool["PoolId"])
    started = time.monotonic()
    handler(event, LambdaContext(30))
    assert time.monotonic() - started < 10
    assert receiver.responses(event["ResponseURL"]) == []
    assert receiver.rejected(event["ResponseURL"]) == 5


def test_the_response_url_server_certificate_is_verified(pool, receiver, make_event, monkeypatch):
    monkeypatch.delenv("AWS_CA_BUNDLE")
    event = make_event("create", pool["PoolId"])
    handler(event, LambdaContext(3))
    assert receiver.responses(event["ResponseURL"]) == []


def test_the_answer_is_a_put_with_an_empty_content_type(pool, receiver, make_event, invoke):
    event = make_event("create", pool["PoolId"])
    invoke(event)
    [headers] = receiver.headers(event["ResponseURL"])
    assert {k.lower(): v for k, v in headers.items()}["content-type"] == ""


def test_a_duplicate_delivery_of_the_same_event_is_harmless(emulator, pool, make_event, invoke):
    event = make_event("create", pool["PoolId"])
    first = invoke(event)
    handler(event, LambdaContext(30))  # CloudFormation retried: same event, same URL
    assert first["Data"]["ChangedFields"] == "SharedRoutesEnabled,DeletionProtectionEnabled"
    assert len(update_calls(emulator)) == 1


def test_concurrent_events_for_the_same_pool_all_succeed(emulator, pool, receiver, make_event):
    events = [make_event("create", pool["PoolId"]) for _ in range(6)]
    threads = [threading.Thread(target=handler, args=(e, LambdaContext(30))) for e in events]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    bodies = [receiver.wait_for(e["ResponseURL"], timeout=5) for e in events]
    assert [b["Status"] for b in bodies] == ["SUCCESS"] * 6
    assert all(len(receiver.responses(e["ResponseURL"])) == 1 for e in events)
    assert flags(live(emulator, pool["PoolId"]))["DeletionProtectionEnabled"] is True
