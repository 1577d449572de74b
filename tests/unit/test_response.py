"""The answer's body: Reason keeps its start, Data only on SUCCESS, whole body under 4,096 bytes."""

import json

from pool_settings_handler import constants as c
from pool_settings_handler.diff import response_data
from pool_settings_handler.response import build_body, serialize

EVENT = {
    "StackId": "arn:aws:cloudformation:us-east-1:123456789012:stack/" + "s" * 128 + "/" + "0" * 36,
    "RequestId": "0" * 36,
    "LogicalResourceId": "L" * 255,
}


def maximal_pool():
    arn = "arn:aws:sms-voice:us-east-1:123456789012:pool/" + "p" * 210
    return {
        "PoolArn": arn,
        "PoolId": "p" * 256,
        "Status": "CREATING",
        "MessageType": "TRANSACTIONAL",
        "TwoWayEnabled": True,
        "TwoWayChannelArn": "arn:aws:sns:us-east-1:123456789012:" + "t" * (2048 - 35),
        "TwoWayChannelRole": "arn:aws:iam::123456789012:role/" + "r" * (2048 - 31),
        "SelfManagedOptOutsEnabled": True,
        "OptOutListName": "o" * 256,
        "SharedRoutesEnabled": True,
        "DeletionProtectionEnabled": True,
    }


def test_a_long_reason_keeps_its_start_unlike_crhelper():
    reason = "UpdatePool pool-1 rejected: ConflictException X: " + "m" * 400
    body = build_body(status="FAILED", reason=reason, physical_resource_id="p", event=EVENT, data=None)
    assert body["Reason"].startswith("UpdatePool pool-1 rejected: ConflictException X: mmm")
    assert len(body["Reason"]) == c.MAX_REASON_LENGTH


def test_data_is_sent_only_with_success():
    data = {"PoolArn": "a"}
    assert (
        build_body(status="FAILED", reason="r", physical_resource_id="p", event=EVENT, data=data)["Data"]
        == {}
    )
    assert (
        build_body(status="SUCCESS", reason="", physical_resource_id="p", event=EVENT, data=data)["Data"]
        == data
    )


def test_the_body_carries_the_event_identity():
    body = build_body(status="SUCCESS", reason="", physical_resource_id="arn:p", event=EVENT, data={})
    assert {k: body[k] for k in ("StackId", "RequestId", "LogicalResourceId", "PhysicalResourceId")} == {
        "StackId": EVENT["StackId"],
        "RequestId": EVENT["RequestId"],
        "LogicalResourceId": EVENT["LogicalResourceId"],
        "PhysicalResourceId": "arn:p",
    }
    assert body["NoEcho"] is False


def test_data_with_maximal_values_is_cut_to_fit_4096_bytes_keeping_identity_and_changed_fields():
    pool = maximal_pool()
    data = response_data(pool, dict.fromkeys(c.MANAGED_SETTINGS, True))
    assert len(json.dumps(data)) > c.MAX_RESPONSE_BYTES  # the premise: it would not fit whole
    body = build_body(
        status="SUCCESS", reason="", physical_resource_id=pool["PoolArn"], event=EVENT, data=data
    )
    assert len(serialize(body)) < c.MAX_RESPONSE_BYTES
    kept = body["Data"]
    for key in ("PoolArn", "PoolId", "Status", "MessageType", "ChangedFields"):
        assert kept[key] == data[key]
    assert "TwoWayChannelArn" not in kept or "TwoWayChannelRole" not in kept
    # What is kept is kept whole.
    assert all(kept[k] == data[k] for k in kept)


def test_data_of_ordinary_size_is_sent_whole():
    pool = {
        **maximal_pool(),
        "TwoWayChannelArn": "arn:aws:sns:us-east-1:123456789012:t",
        "TwoWayChannelRole": "",
    }
    data = response_data(pool, {})
    body = build_body(
        status="SUCCESS", reason="", physical_resource_id=pool["PoolArn"], event=EVENT, data=data
    )
    assert body["Data"] == data
    assert len(serialize(body)) < c.MAX_RESPONSE_BYTES
