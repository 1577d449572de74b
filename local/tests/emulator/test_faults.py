"""Fault injection, the rate limit, status sequences, seeding and the call log, through the control API."""

from __future__ import annotations

import time
from typing import Any

import botocore.exceptions
import pytest
from sms_pool_settings_local.emulator import ACCOUNT_ID, EmulatorControlError

POOL = "pool-faulty"
POOL_ARN = f"arn:aws:sms-voice:us-east-1:{ACCOUNT_ID}:pool/{POOL}"


@pytest.fixture
def pool(control: Any) -> dict[str, Any]:
    return control.seed_pool(POOL)  # type: ignore[no-any-return]


# --- Error faults ---------------------------------------------------------------------------------
def test_a_throttle_fault_answers_throttling_exception_429_once(
    sms: Any, pool: Any, control: Any, error_of: Any
) -> None:
    control.add_fault("UpdatePool", "throttle")

    with pytest.raises(sms.exceptions.ThrottlingException) as excinfo:
        sms.update_pool(PoolId=POOL, SharedRoutesEnabled=True)
    answer = sms.update_pool(PoolId=POOL, SharedRoutesEnabled=True)

    assert error_of(excinfo) == {"Code": "ThrottlingException", "Message": "Rate exceeded", "Status": 429}
    assert answer["SharedRoutesEnabled"] is True


def test_a_server_error_fault_answers_internal_server_exception_500_with_a_request_id(
    sms: Any, pool: Any, control: Any, error_of: Any
) -> None:
    control.add_fault("DescribePools", "server_error", message="Something broke.")

    with pytest.raises(sms.exceptions.InternalServerException) as excinfo:
        sms.describe_pools(PoolIds=[POOL])

    error = error_of(excinfo)
    assert (error["Code"], error["Message"], error["Status"]) == (
        "InternalServerException",
        "Something broke.",
        500,
    )
    assert len(error["RequestId"]) == 36


def test_an_access_denied_fault_answers_403_naming_the_action_and_the_pool(
    sms: Any, pool: Any, control: Any, error_of: Any
) -> None:
    control.add_fault("UpdatePool", "access_denied")

    with pytest.raises(sms.exceptions.AccessDeniedException) as excinfo:
        sms.update_pool(PoolId=POOL)

    assert error_of(excinfo) == {
        "Code": "AccessDeniedException",
        "Message": f"User: arn:aws:sts::{ACCOUNT_ID}:assumed-role/emulator/session is not authorized to "
        f"perform: sms-voice:UpdatePool on resource: {POOL_ARN}",
        "Status": 403,
    }


@pytest.mark.parametrize(
    "reason", ["DELETION_PROTECTION_ENABLED", "RESOURCE_NOT_ACTIVE", "TWO_WAY_CONFIG_MISMATCH"]
)
def test_a_conflict_fault_answers_conflict_exception_with_the_reason_and_the_pool(
    sms: Any, pool: Any, control: Any, error_of: Any, reason: str
) -> None:
    control.add_fault("UpdatePool", "conflict", reason=reason)

    with pytest.raises(sms.exceptions.ConflictException) as excinfo:
        sms.update_pool(PoolId=POOL_ARN, SharedRoutesEnabled=True)

    assert error_of(excinfo) == {
        "Code": "ConflictException",
        "Message": f"Pool {POOL} conflict: {reason}.",
        "Status": 400,
        "Reason": reason,
        "ResourceType": "pool",
        "ResourceId": POOL,
    }
    assert control.pools()[0]["SharedRoutesEnabled"] is False


def test_a_fault_never_changes_state_and_is_marked_in_the_call_log(sms: Any, pool: Any, control: Any) -> None:
    control.add_fault("UpdatePool", "server_error")
    before = control.pools()

    with pytest.raises(sms.exceptions.InternalServerException):
        sms.update_pool(PoolId=POOL, DeletionProtectionEnabled=True)

    assert control.pools() == before
    assert control.calls("UpdatePool") == [
        {
            "operation": "UpdatePool",
            "request": {"PoolId": POOL, "DeletionProtectionEnabled": True},
            "status": 500,
            "error": "InternalServerException",
            "fault": "server_error",
            "region": "us-east-1",
            "account": ACCOUNT_ID,
            "message": "An internal error occurred.",
        }
    ]


# --- Matching -------------------------------------------------------------------------------------
def test_a_fault_hits_count_requests_then_stops(sms: Any, pool: Any, control: Any) -> None:
    control.add_fault("DescribePools", "throttle", count=2)

    outcomes = []
    for _ in range(3):
        try:
            sms.describe_pools()
            outcomes.append("ok")
        except sms.exceptions.ThrottlingException:
            outcomes.append("throttled")

    assert outcomes == ["throttled", "throttled", "ok"]
    assert control.faults() == []


def test_a_fault_with_count_none_hits_every_request_until_cleared(sms: Any, pool: Any, control: Any) -> None:
    control.add_fault("*", "throttle", count=None)

    for call in (sms.describe_pools, sms.describe_opt_out_lists, sms.describe_pools):
        with pytest.raises(sms.exceptions.ThrottlingException):
            call()
    control.clear_faults()

    assert sms.describe_pools()["Pools"][0]["PoolId"] == POOL


def test_a_fault_for_one_operation_leaves_the_others_alone(sms: Any, pool: Any, control: Any) -> None:
    control.add_fault("UpdatePool", "throttle")

    sms.describe_pools()

    assert control.faults()[0]["count"] == 1


def test_a_fault_for_one_pool_matches_its_id_or_arn_and_no_other_pool(
    sms: Any, pool: Any, control: Any
) -> None:
    control.seed_pool("pool-other")
    control.add_fault("*", "throttle", count=None, pool_id=POOL_ARN)

    sms.update_pool(PoolId="pool-other", SharedRoutesEnabled=True)
    for target in (POOL, POOL_ARN):
        with pytest.raises(sms.exceptions.ThrottlingException):
            sms.update_pool(PoolId=target)
    with pytest.raises(sms.exceptions.ThrottlingException):
        sms.describe_pools(PoolIds=["pool-other", POOL])


def test_faults_fire_in_the_order_they_were_added(sms: Any, pool: Any, control: Any) -> None:
    control.add_fault("UpdatePool", "throttle")
    control.add_fault("UpdatePool", "server_error")

    with pytest.raises(sms.exceptions.ThrottlingException):
        sms.update_pool(PoolId=POOL)
    with pytest.raises(sms.exceptions.InternalServerException):
        sms.update_pool(PoolId=POOL)
    sms.update_pool(PoolId=POOL)


# --- Wire faults ----------------------------------------------------------------------------------
def test_a_latency_fault_delays_the_answer_then_handles_the_request(
    sms: Any, pool: Any, control: Any
) -> None:
    control.add_fault("UpdatePool", "latency", seconds=0.3)

    started = time.monotonic()
    answer = sms.update_pool(PoolId=POOL, SharedRoutesEnabled=True)

    assert time.monotonic() - started >= 0.3
    assert answer["SharedRoutesEnabled"] is True
    assert control.calls("UpdatePool")[0]["fault"] == "latency"


def test_a_hang_fault_makes_the_client_time_out_reading(impatient: Any, pool: Any, control: Any) -> None:
    control.add_fault("UpdatePool", "hang", seconds=2)

    with pytest.raises(botocore.exceptions.ReadTimeoutError):
        impatient.update_pool(PoolId=POOL, SharedRoutesEnabled=True)

    assert control.pools()[0]["SharedRoutesEnabled"] is False
    assert control.calls("UpdatePool")[0]["status"] is None


def test_a_connection_reset_fault_resets_the_connection_without_an_answer(
    impatient: Any, pool: Any, control: Any
) -> None:
    control.add_fault("UpdatePool", "connection_reset")

    with pytest.raises(botocore.exceptions.ConnectionClosedError) as excinfo:
        impatient.update_pool(PoolId=POOL, SharedRoutesEnabled=True)

    assert "Connection reset by peer" in repr(excinfo.value.kwargs["error"])
    assert control.pools()[0]["SharedRoutesEnabled"] is False
    assert impatient.update_pool(PoolId=POOL, SharedRoutesEnabled=True)["SharedRoutesEnabled"] is True


def test_a_delete_pool_fault_deletes_the_pool_before_the_request_so_it_fails_not_found(
    sms: Any, control: Any, error_of: Any
) -> None:
    control.seed_pool(POOL, DeletionProtectionEnabled=True)
    control.add_fault("UpdatePool", "delete_pool")

    with pytest.raises(sms.exceptions.ResourceNotFoundException) as excinfo:
        sms.update_pool(PoolId=POOL, SharedRoutesEnabled=True)

    assert (error_of(excinfo)["ResourceType"], error_of(excinfo)["ResourceId"]) == ("pool", POOL)
    assert control.pools() == []
    assert control.calls("UpdatePool")[0]["fault"] == "delete_pool"


# --- Answers with members left out ------------------------------------------------------------------
def test_an_omit_members_fault_applies_the_update_and_answers_without_the_named_members(
    sms: Any, pool: Any, control: Any
) -> None:
    control.add_fault("UpdatePool", "omit_members", members=["TwoWayChannelRole", "SharedRoutesEnabled"])

    answer = sms.update_pool(
        PoolId=POOL,
        TwoWayEnabled=True,
        TwoWayChannelArn="arn:aws:sns:us-east-1:123456789012:inbound",
        TwoWayChannelRole="arn:aws:iam::123456789012:role/inbound",
        SharedRoutesEnabled=True,
    )
    stored = control.pools()[0]
    second = sms.update_pool(PoolId=POOL)

    assert "TwoWayChannelRole" not in answer and "SharedRoutesEnabled" not in answer
    assert answer["TwoWayChannelArn"] == "arn:aws:sns:us-east-1:123456789012:inbound"
    assert (stored["TwoWayChannelRole"], stored["SharedRoutesEnabled"]) == (
        "arn:aws:iam::123456789012:role/inbound",
        True,
    )
    assert second["TwoWayChannelRole"] == "arn:aws:iam::123456789012:role/inbound"
    assert control.calls("UpdatePool")[0]["fault"] == "omit_members"


def test_an_omit_members_fault_for_one_pool_leaves_other_pools_answers_whole(
    sms: Any, pool: Any, control: Any
) -> None:
    control.seed_pool("pool-other")
    control.add_fault("DescribePools", "omit_members", members=["Status"], pool_id=POOL, count=None)

    other = sms.describe_pools(PoolIds=["pool-other"])["Pools"][0]
    mine = sms.describe_pools(PoolIds=[POOL])["Pools"][0]

    assert other["Status"] == "ACTIVE"
    assert "Status" not in mine and mine["PoolId"] == POOL


@pytest.mark.parametrize(
    ("operation", "members", "message"),
    [
        ("UpdatePool", None, "members must be a non-empty list of UpdatePool's answer members"),
        ("UpdatePool", [], "members must be a non-empty list of UpdatePool's answer members"),
        ("UpdatePool", ["TwoWayChanelRole"], "members ['TwoWayChanelRole'] are not in UpdatePool's answer"),
        ("*", ["Status"], "an omit_members fault needs one operation, got '*'"),
    ],
)
def test_add_fault_refuses_omit_members_that_the_answer_does_not_have(
    control: Any, operation: str, members: Any, message: str
) -> None:
    with pytest.raises(EmulatorControlError) as excinfo:
        control.add_fault(operation, "omit_members", members=members)

    assert message in str(excinfo.value)
    assert control.faults() == []


# --- Control API arguments ------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("args", "kwargs", "message"),
    [
        (
            ("UpdatePoool", "throttle"),
            {},
            "operation must be '*' or an operation of the service, got 'UpdatePoool'",
        ),
        (("UpdatePool", "explode"), {}, "kind must be one of"),
        (
            ("UpdatePool", "conflict"),
            {"reason": "BAD_REASON"},
            "reason must be a ConflictExceptionReason value",
        ),
        (("UpdatePool", "conflict"), {}, "reason must be a ConflictExceptionReason value, got None"),
        (("UpdatePool", "latency"), {}, "seconds must be a number >= 0 for a latency fault, got None"),
        (("UpdatePool", "hang"), {"seconds": -1}, "seconds must be a number >= 0 for a hang fault, got -1"),
        (("UpdatePool", "throttle"), {"count": 0}, "count must be a positive integer or None, got 0"),
    ],
)
def test_add_fault_refuses_a_bad_argument_naming_it(
    control: Any, args: tuple[str, str], kwargs: dict[str, Any], message: str
) -> None:
    with pytest.raises(EmulatorControlError, match="HTTP 400") as excinfo:
        control.add_fault(*args, **kwargs)

    assert message in str(excinfo.value)
    assert control.faults() == []


# --- Rate limit -----------------------------------------------------------------------------------
def test_the_rate_limit_throttles_a_request_over_the_rate_per_operation(
    sms: Any, pool: Any, control: Any, error_of: Any
) -> None:
    # One request per 100 s: the second is over the rate however slow this machine is.
    control.set_rate_limit(0.01)

    sms.describe_pools()
    with pytest.raises(sms.exceptions.ThrottlingException) as excinfo:
        sms.describe_pools()
    sms.update_pool(PoolId=POOL)  # another operation has its own bucket

    assert error_of(excinfo) == {"Code": "ThrottlingException", "Message": "Rate exceeded", "Status": 429}


def test_the_rate_limit_admits_a_request_again_once_the_bucket_refills(
    sms: Any, pool: Any, control: Any
) -> None:
    control.set_rate_limit(20)

    sms.describe_pools()
    time.sleep(0.1)

    sms.describe_pools()


def test_a_retrying_client_gets_through_the_rate_limit(new_client: Any, pool: Any, control: Any) -> None:
    control.set_rate_limit(5)
    client = new_client(retries={"mode": "standard", "total_max_attempts": 10})

    for _ in range(4):
        client.update_pool(PoolId=POOL)

    throttled = [c for c in control.calls("UpdatePool") if c["error"] == "ThrottlingException"]
    assert len(control.calls("UpdatePool")) == 4 + len(throttled)


def test_a_rate_limit_of_none_turns_the_limit_off(sms: Any, control: Any) -> None:
    control.set_rate_limit(1)
    control.set_rate_limit(None)

    for _ in range(5):
        sms.describe_pools()


@pytest.mark.parametrize("rate", [0, -1, "fast"])
def test_set_rate_limit_refuses_a_rate_that_is_not_a_positive_number(control: Any, rate: Any) -> None:
    with pytest.raises(EmulatorControlError, match=r"requests_per_second must be a number > 0 or None"):
        control.set_rate_limit(rate)


# --- Status sequences -----------------------------------------------------------------------------
def test_each_describe_takes_the_next_status_and_the_last_one_sticks(
    sms: Any, pool: Any, control: Any
) -> None:
    control.set_pool_statuses(POOL, ["CREATING", "CREATING", "ACTIVE"])

    statuses = [sms.describe_pools(PoolIds=[POOL])["Pools"][0]["Status"] for _ in range(5)]

    assert statuses == ["CREATING", "CREATING", "ACTIVE", "ACTIVE", "ACTIVE"]


def test_an_update_takes_a_status_too_and_is_refused_while_creating(
    sms: Any, pool: Any, control: Any
) -> None:
    control.set_pool_statuses(POOL_ARN, ["CREATING", "ACTIVE"])

    with pytest.raises(sms.exceptions.ConflictException):
        sms.update_pool(PoolId=POOL, SharedRoutesEnabled=True)
    answer = sms.update_pool(PoolId=POOL, SharedRoutesEnabled=True)

    assert (answer["Status"], answer["SharedRoutesEnabled"]) == ("ACTIVE", True)


def test_a_status_that_sticks_at_creating_keeps_refusing_updates(sms: Any, pool: Any, control: Any) -> None:
    control.set_pool_statuses(POOL, ["CREATING"])

    for _ in range(3):
        with pytest.raises(sms.exceptions.ConflictException):
            sms.update_pool(PoolId=POOL)


@pytest.mark.parametrize("statuses", [[], ["READY"], "ACTIVE"])
def test_set_pool_statuses_refuses_statuses_the_model_lacks(control: Any, statuses: Any) -> None:
    with pytest.raises(EmulatorControlError, match="statuses must be"):
        control.set_pool_statuses(POOL, statuses)


def test_statuses_after_update_wait_for_the_next_update_then_the_pool_is_creating_for_a_while(
    sms: Any, pool: Any, control: Any, error_of: Any
) -> None:
    control.set_pool_statuses(POOL, ["CREATING", "CREATING", "ACTIVE"], after_update=True)

    before = sms.describe_pools(PoolIds=[POOL])["Pools"][0]["Status"]
    answer = sms.update_pool(PoolId=POOL, SharedRoutesEnabled=True)
    with pytest.raises(sms.exceptions.ConflictException) as excinfo:
        sms.update_pool(PoolId=POOL, DeletionProtectionEnabled=True)
    after = [sms.describe_pools(PoolIds=[POOL])["Pools"][0]["Status"] for _ in range(2)]

    assert (before, answer["Status"], answer["SharedRoutesEnabled"]) == ("ACTIVE", "CREATING", True)
    assert error_of(excinfo) == {
        "Code": "ConflictException",
        "Message": f"Pool {POOL} is not ACTIVE (status CREATING).",
        "Reason": "RESOURCE_NOT_ACTIVE",
        "ResourceType": "pool",
        "ResourceId": POOL,
        "Status": 400,
    }
    assert after == ["ACTIVE", "ACTIVE"]
    assert control.pools()[0]["DeletionProtectionEnabled"] is False


def test_statuses_after_update_are_not_armed_by_a_refused_update(sms: Any, pool: Any, control: Any) -> None:
    control.set_pool_statuses(POOL, ["CREATING"], after_update=True)

    with pytest.raises(sms.exceptions.ValidationException):
        sms.update_pool(PoolId=POOL, TwoWayEnabled=True)

    assert sms.describe_pools(PoolIds=[POOL])["Pools"][0]["Status"] == "ACTIVE"
    assert sms.update_pool(PoolId=POOL)["Status"] == "CREATING"


# --- Seeding and raw state ------------------------------------------------------------------------
def test_seed_pool_creates_a_pool_with_the_chosen_id_and_settings_in_either_spelling(
    sms: Any, control: Any
) -> None:
    sms.create_opt_out_list(OptOutListName="marketing")

    seeded = control.seed_pool(
        "pool-existing",
        region="us-east-1",
        message_type="PROMOTIONAL",
        two_way_enabled=True,
        TwoWayChannelArn="arn:aws:sns:us-east-1:123456789012:inbound",
        opt_out_list_name="marketing",
    )
    described = sms.describe_pools(PoolIds=["pool-existing"])["Pools"][0]

    assert seeded["PoolArn"] == f"arn:aws:sms-voice:us-east-1:{ACCOUNT_ID}:pool/pool-existing"
    assert described["MessageType"] == "PROMOTIONAL"
    assert described["TwoWayEnabled"] is True
    assert described["TwoWayChannelArn"] == "arn:aws:sns:us-east-1:123456789012:inbound"
    assert described["OptOutListName"] == "marketing"


def test_seed_pool_without_an_id_makes_one_like_create_pool(control: Any) -> None:
    assert control.seed_pool()["PoolId"].startswith("pool-")


@pytest.mark.parametrize(
    ("args", "kwargs", "message"),
    [
        (("bad id",), {}, "pool_id must match [A-Za-z0-9_-]{1,256}, got 'bad id'"),
        ((POOL,), {}, f"pool_id '{POOL}' already exists in us-east-1"),
        (("pool-x",), {"status": "READY"}, "status must be one of"),
        (("pool-x",), {"message_type": "BULK"}, "message_type must be TRANSACTIONAL or PROMOTIONAL"),
        (("pool-x",), {"shared_routs_enabled": True}, "unknown pool settings ['SharedRoutsEnabled']"),
        (("pool-x",), {"two_way_enabled": "yes"}, "setting TwoWayEnabled must be a boolean, got 'yes'"),
        (
            ("pool-x",),
            {"opt_out_list_name": "nope"},
            "setting OptOutListName: Opt-out list nope does not exist.",
        ),
    ],
)
def test_seed_pool_refuses_a_bad_argument_naming_it(
    control: Any, pool: Any, args: tuple[str, ...], kwargs: dict[str, Any], message: str
) -> None:
    with pytest.raises(EmulatorControlError) as excinfo:
        control.seed_pool(*args, **kwargs)

    assert message in str(excinfo.value)
    assert [p["PoolId"] for p in control.pools()] == [POOL]


def test_the_call_log_lists_requests_in_order_and_clears(sms: Any, pool: Any, control: Any) -> None:
    sms.describe_pools()
    with pytest.raises(sms.exceptions.ResourceNotFoundException):
        sms.update_pool(PoolId="pool-none")

    calls = control.calls()
    control.clear_calls()

    assert [(c["operation"], c["status"], c["error"], c["message"]) for c in calls] == [
        ("DescribePools", 200, None, None),
        ("UpdatePool", 400, "ResourceNotFoundException", "Pool pool-none does not exist."),
    ]
    assert control.calls() == []


def test_reset_clears_faults_rate_limit_statuses_and_calls(
    server: Any, sms: Any, pool: Any, control: Any
) -> None:
    control.add_fault("*", "throttle", count=None)
    control.set_rate_limit(0.001)
    control.set_pool_statuses(POOL, ["CREATING"])

    server.control.reset()
    control.seed_pool(POOL)

    for _ in range(2):
        assert sms.describe_pools()["Pools"][0]["Status"] == "ACTIVE"
    assert control.faults() == []
    assert len(control.calls()) == 2


def test_an_unknown_control_route_answers_404(control: Any) -> None:
    with pytest.raises(EmulatorControlError, match="HTTP 404: no control route GET /_emulator/nothing"):
        control._call("GET", "nothing")
