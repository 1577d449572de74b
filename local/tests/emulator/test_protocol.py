"""The JSON 1.0 wire protocol as botocore speaks it: targets, bodies, headers, connections."""

from __future__ import annotations

import http.client
import json
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

TARGET = "PinpointSMSVoiceV2."


def test_a_target_the_service_does_not_have_answers_unknown_operation_exception(
    raw_post: Any,
) -> None:
    status, headers, body = raw_post(TARGET + "LaunchRocket", {})

    assert status == 400
    assert headers["Content-Type"] == "application/x-amz-json-1.0"
    assert body == {
        "__type": "UnknownOperationException",
        "Message": "Unknown operation PinpointSMSVoiceV2.LaunchRocket.",
    }


def test_a_request_without_a_target_answers_unknown_operation_exception(raw_post: Any) -> None:
    status, _, body = raw_post(None, {})

    assert (status, body["__type"]) == (400, "UnknownOperationException")


def test_an_operation_of_the_service_the_emulator_lacks_answers_validation_unknown_operation(
    sms: Any, error_of: Any
) -> None:
    with pytest.raises(sms.exceptions.ValidationException) as excinfo:
        sms.describe_phone_numbers()

    assert error_of(excinfo) == {
        "Code": "ValidationException",
        "Message": "Operation DescribePhoneNumbers is not implemented by the SMS emulator.",
        "Status": 400,
        "Reason": "UNKNOWN_OPERATION",
    }


@pytest.mark.parametrize(
    ("body", "message"),
    [(b"{not json", "Request body is not valid JSON."), (b"[1, 2]", "Request body must be a JSON object.")],
)
def test_a_body_that_is_not_a_json_object_answers_serialization_exception(
    raw_post: Any, body: bytes, message: str
) -> None:
    status, _, answer = raw_post(TARGET + "DescribePools", body)

    assert (status, answer) == (400, {"__type": "SerializationException", "Message": message})


def test_an_empty_body_is_an_empty_request(raw_post: Any) -> None:
    status, _, answer = raw_post(TARGET + "DescribePools", b"")

    assert (status, answer) == (200, {"Pools": []})


def test_timestamps_are_epoch_seconds_and_each_answer_carries_a_request_id(
    raw_post: Any, new_pool: Any
) -> None:
    before = time.time()
    new_pool()

    status, headers, answer = raw_post(TARGET + "DescribePools", {})

    assert status == 200
    assert isinstance(answer["Pools"][0]["CreatedTimestamp"], float)
    assert before - 1 <= answer["Pools"][0]["CreatedTimestamp"] <= time.time() + 1
    assert headers["x-amzn-RequestId"].startswith("sms-emulator-")


def test_an_unsigned_request_is_served_in_us_east_1(raw_post: Any, control: Any) -> None:
    raw_post(TARGET + "CreatePool", {"OriginationIdentity": "Sender", "MessageType": "TRANSACTIONAL"})

    assert len(control.pools("us-east-1")) == 1


def test_the_region_comes_from_the_authorization_credential_scope(raw_post: Any, control: Any) -> None:
    auth = "AWS4-HMAC-SHA256 Credential=AKID/20260101/ca-central-1/sms-voice/aws4_request, Signature=x"

    raw_post(
        TARGET + "CreatePool",
        {"OriginationIdentity": "Sender", "MessageType": "TRANSACTIONAL"},
        {"Authorization": auth},
    )

    assert len(control.pools("ca-central-1")) == 1
    assert control.pools("us-east-1") == []


def test_one_keep_alive_connection_serves_many_requests(server: Any) -> None:
    host, port = server.host_and_port
    connection = http.client.HTTPConnection(host, port, timeout=5)
    try:
        statuses = []
        for _ in range(5):
            connection.request(
                "POST",
                "/",
                body=b"{}",
                headers={
                    "X-Amz-Target": TARGET + "DescribePools",
                    "Content-Type": "application/x-amz-json-1.0",
                },
            )
            response = connection.getresponse()
            statuses.append((response.status, json.loads(response.read())))
            assert response.getheader("Connection") != "close"
        assert statuses == [(200, {"Pools": []})] * 5
    finally:
        connection.close()


def test_two_hundred_concurrent_clients_are_all_answered(new_client: Any, control: Any) -> None:
    # Each request waits 0.2 s inside the server, so they only finish in time if served side by side.
    control.add_fault("CreatePool", "latency", seconds=0.2, count=None)
    client = new_client(max_pool_connections=200, retries={"total_max_attempts": 1})
    barrier = threading.Barrier(200)

    def create(i: int) -> str:
        barrier.wait(timeout=30)
        return client.create_pool(OriginationIdentity=f"Sender{i}", MessageType="TRANSACTIONAL")["PoolId"]  # type: ignore[no-any-return]

    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=200) as pool:
        ids = list(pool.map(create, range(200)))
    elapsed = time.monotonic() - started

    assert len(set(ids)) == 200
    assert len(control.pools()) == 200
    assert elapsed < 30, f"200 requests of 0.2 s took {elapsed:.1f} s: not served concurrently"
