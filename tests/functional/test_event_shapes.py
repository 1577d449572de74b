"""Events as Lambda may really deliver them: twice, or without the fields crhelper dispatches on.

The real handler against the emulator, answering over loopback HTTPS (fixtures in conftest.py).
"""

import pytest
from pool_settings_handler.handler import handler
from sms_pool_settings_local.lambda_runtime import LambdaContext


@pytest.fixture
def pool(emulator):
    return emulator.control.seed_pool(SharedRoutesEnabled=False, DeletionProtectionEnabled=False)


def declared(pool):
    """Properties that differ from the seeded pool in two settings."""
    return {"PoolId": pool["PoolId"], "SharedRoutesEnabled": "true", "DeletionProtectionEnabled": "true"}


@pytest.mark.parametrize("name", ["create", "update", "delete"])
def test_a_duplicate_delivery_gets_an_identical_answer_and_makes_no_second_call(
    emulator, receiver, pool, make_event, invoke, name
):
    # GIVEN one event, delivered twice by Lambda (same event, same ResponseURL)
    event = make_event(name, pool["PoolId"], physical_id=pool["PoolArn"], properties=declared(pool))
    first = invoke(event)
    calls_after_first = emulator.control.calls()

    # WHEN the duplicate arrives in the same container
    handler(event, LambdaContext(30))

    # THEN it gets the same body, byte for byte, and the service saw nothing more
    answers = receiver.responses(event["ResponseURL"])
    assert len(answers) == 2
    assert answers[0] == answers[1] == first
    assert first["Status"] == "SUCCESS", first["Reason"]
    assert emulator.control.calls() == calls_after_first
    expected_writes = 0 if name == "delete" else 1
    assert len(emulator.control.calls("UpdatePool")) == expected_writes
    if name != "delete":
        assert first["Data"]["ChangedFields"] == "SharedRoutesEnabled,DeletionProtectionEnabled"


def test_a_duplicate_of_a_failed_update_is_answered_failed_again_and_writes_nothing(
    emulator, receiver, pool, make_event, invoke
):
    # GIVEN an Update the service rejected (CloudFormation then rolls back)
    emulator.control.add_fault("UpdatePool", "conflict", reason="RESOURCE_MODIFICATION_NOT_ALLOWED")
    event = make_event("update", pool["PoolId"], physical_id=pool["PoolArn"], properties=declared(pool))
    first = invoke(event)
    assert first["Status"] == "FAILED"

    # WHEN Lambda delivers the same event again, the fault gone
    handler(event, LambdaContext(30))

    # THEN the same FAILED answer, and still the one rejected UpdatePool: nothing written after the rollback
    answers = receiver.responses(event["ResponseURL"])
    assert answers == [first, first]
    assert len(emulator.control.calls("UpdatePool")) == 1
    assert emulator.control.pools()[0]["DeletionProtectionEnabled"] is False


@pytest.mark.parametrize("field", ["RequestType", "StackId", "RequestId", "LogicalResourceId"])
def test_an_event_without_a_request_field_gets_one_failed_answer_and_no_call(
    emulator, pool, make_event, invoke, field
):
    event = make_event("create", pool["PoolId"])
    del event[field]
    body = invoke(event)
    assert body["Status"] == "FAILED"
    assert body["Reason"].startswith(f"Invalid event: no {field} (")
    assert body["Reason"].endswith("nothing was changed")
    assert emulator.control.calls() == []


def test_an_event_without_any_request_field_still_gets_its_answer(emulator, make_event, invoke):
    event = make_event("create", "pool-unused")
    bare = {"ResponseURL": event["ResponseURL"], "ResourceProperties": event["ResourceProperties"]}
    body = invoke(bare)
    assert body["Status"] == "FAILED"
    assert body["Reason"].startswith("Invalid event: no RequestType, RequestId, StackId, LogicalResourceId (")
    assert emulator.control.calls() == []


def test_an_unknown_request_type_gets_a_plain_sentence(emulator, pool, make_event, invoke):
    event = make_event("update", pool["PoolId"], physical_id=pool["PoolArn"])
    event["RequestType"] = "Upsert"
    body = invoke(event)
    assert body["Status"] == "FAILED"
    assert body["Reason"] == (
        "Invalid event: RequestType must be Create, Update or Delete, got 'Upsert'; nothing was changed"
    )
    assert "AttributeError" not in body["Reason"]
    assert body["PhysicalResourceId"] == pool["PoolArn"]
    assert emulator.control.calls() == []
