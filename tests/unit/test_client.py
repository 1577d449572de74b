"""The client boundary: which errors are retried, how they are wrapped, and that the deadline holds."""

import time
import types

import boto3
import pytest
from botocore.exceptions import ClientError, ConnectTimeoutError, ReadTimeoutError
from pool_settings_handler import client
from pool_settings_handler.errors import (
    AccessDeniedError,
    DeadlineExceededError,
    OptOutListNotFoundError,
    PoolConflictError,
    PoolNotActiveError,
    PoolNotFoundError,
    RetriesExhaustedError,
    RoleNotAssumableError,
    ServiceError,
    ServiceValidationError,
)
from pool_settings_handler.timing import Budget, Timeouts

FAST = Timeouts(
    connect=1, read=1, response_budget=1, poll_interval=0.01, backoff_base=0.001, backoff_cap=0.002
)


def budget(seconds, timeouts=FAST):
    """An event's budget whose API deadline is ``seconds`` away, paced by ``timeouts``."""
    return Budget(at=time.monotonic() + seconds, timeouts=timeouts)


def client_error(code, status=400, message="msg", **members):
    response = {"Error": {"Code": code, "Message": message}, "ResponseMetadata": {"HTTPStatusCode": status}}
    response.update(members)
    return ClientError(response, "UpdatePool")


class Scripted:
    """A stand-in for a boto3 method: raises or returns the scripted outcomes in turn."""

    def __init__(self, *outcomes):
        self.outcomes = list(outcomes)
        self.calls = []

    def __call__(self, **params):
        self.calls.append(params)
        outcome = self.outcomes.pop(0)
        if isinstance(outcome, Exception):
            raise outcome
        return outcome


def call(method, seconds=5.0):
    return client._call("UpdatePool", "pool-1", method, {"PoolId": "pool-1"}, budget(seconds))


@pytest.mark.parametrize(
    "error",
    [
        client_error("ThrottlingException"),
        client_error("InternalServerException", 500),
        client_error("ServiceUnavailable", 503),
        client_error("SomethingNew", 502),
        ReadTimeoutError(endpoint_url="https://x"),
        ConnectTimeoutError(endpoint_url="https://x"),
    ],
    ids=["throttling", "internal", "unavailable", "any-5xx", "read-timeout", "connect-timeout"],
)
def test_transient_errors_are_retried_until_success(error):
    method = Scripted(error, error, {"PoolArn": "arn"})
    assert call(method) == {"PoolArn": "arn"}
    assert len(method.calls) == 3


@pytest.mark.parametrize(
    ("error", "wrapped", "reason"),
    [
        (
            client_error("ConflictException", message="Protected.", Reason="DELETION_PROTECTION_ENABLED"),
            PoolConflictError,
            "UpdatePool pool-1 rejected: ConflictException DELETION_PROTECTION_ENABLED: Protected.",
        ),
        (
            client_error(
                "ValidationException",
                message="Bad.",
                Reason="INVALID_ARN",
                Fields=[{"Name": "TwoWayChannelArn", "Message": "bad"}],
            ),
            ServiceValidationError,
            "UpdatePool pool-1 rejected: ValidationException INVALID_ARN (fields: TwoWayChannelArn): Bad.",
        ),
        (
            client_error("ResourceNotFoundException", 404, "Gone.", ResourceType="pool", ResourceId="pool-1"),
            PoolNotFoundError,
            "UpdatePool: pool pool-1 not found: Gone.",
        ),
        (
            client_error(
                "ResourceNotFoundException", 404, "No list.", ResourceType="opt-out-list", ResourceId="L1"
            ),
            OptOutListNotFoundError,
            "UpdatePool pool-1: opt-out list L1 not found: No list.",
        ),
        (
            client_error("AccessDeniedException", 403, "Denied."),
            AccessDeniedError,
            "UpdatePool pool-1 denied: AccessDeniedException "
            "(the handler's role lacks sms-voice:UpdatePool): Denied.",
        ),
        (
            client_error("AccessDeniedException", 403, "Disabled.", Reason="INSUFFICIENT_ACCOUNT_REPUTATION"),
            AccessDeniedError,
            "UpdatePool pool-1 denied: AccessDeniedException INSUFFICIENT_ACCOUNT_REPUTATION: Disabled.",
        ),
        (client_error("Mystery", 400, "Huh."), ServiceError, "UpdatePool pool-1 failed: Mystery: Huh."),
    ],
    ids=[
        "conflict",
        "validation",
        "pool-not-found",
        "list-not-found",
        "access-denied",
        "account-denied",
        "unknown",
    ],
)
def test_permanent_errors_are_wrapped_once_and_never_retried(error, wrapped, reason):
    method = Scripted(error, {"PoolArn": "never"})
    with pytest.raises(wrapped) as caught:
        call(method)
    assert caught.value.reason == reason
    assert caught.value.__cause__ is error
    assert len(method.calls) == 1


def test_retries_stop_before_the_deadline_with_the_last_error_in_the_reason():
    throttled = client_error("ThrottlingException", message="Rate exceeded")
    # More outcomes than attempts can fit in 0.3 s, however short the jittered sleeps turn out.
    method = Scripted(*[throttled] * 1_000_000)
    started = time.monotonic()
    with pytest.raises(RetriesExhaustedError) as caught:
        call(method, seconds=0.3)
    assert time.monotonic() - started < 2
    assert caught.value.reason.startswith("UpdatePool pool-1 failed after ")
    assert caught.value.reason.endswith(
        "stopped before the Lambda deadline: ThrottlingException: Rate exceeded"
    )
    assert caught.value.attempts == len(method.calls) > 1


def test_a_backoff_that_overshoots_the_deadline_still_reports_the_last_error():
    # GIVEN a throttled call whose backoff sleep ends after the deadline
    throttled = client_error("ThrottlingException", message="Rate exceeded")
    method = Scripted(throttled, {"PoolArn": "never reached"})
    deadline = budget(0.05)

    def sleep_past_the_deadline(_delay):
        time.sleep(0.1)  # a scheduler pause longer than the jittered delay asked for

    # WHEN the loop comes round again
    with pytest.raises(RetriesExhaustedError) as caught:
        client._call("UpdatePool", "pool-1", method, {}, deadline, sleep=sleep_past_the_deadline)

    # THEN it names the throttling, not "not called"
    assert caught.value.attempts == 1
    assert caught.value.reason.endswith("ThrottlingException: Rate exceeded")


def test_no_call_starts_once_the_deadline_has_passed():
    method = Scripted({"PoolArn": "never"})
    with pytest.raises(DeadlineExceededError):
        call(method, seconds=-1)
    assert method.calls == []


def test_backoff_ceiling_doubles_and_is_capped():
    delays = []
    throttled = client_error("ThrottlingException")
    method = Scripted(*[throttled] * 6, {"ok": True})
    timeouts = Timeouts(backoff_base=1, backoff_cap=4)
    client._call("UpdatePool", "p", method, {}, budget(100, timeouts), sleep=delays.append)
    assert len(delays) == 6
    for delay, ceiling in zip(delays, [1, 2, 4, 4, 4, 4], strict=True):
        assert 0 <= delay <= ceiling


def test_a_pool_that_stays_creating_is_waited_for_then_given_up_before_the_deadline(monkeypatch):
    statuses = iter(["CREATING", "CREATING", "ACTIVE"])
    monkeypatch.setattr(client, "describe_pool", lambda *a: {"PoolId": "p", "Status": next(statuses)})
    pool = client.describe_active_pool("p", budget(5), sleep=lambda s: None)
    assert pool["Status"] == "ACTIVE"

    monkeypatch.setattr(client, "describe_pool", lambda *a: {"PoolId": "p", "Status": "CREATING"})
    with pytest.raises(DeadlineExceededError) as caught:
        client.describe_active_pool("p", budget(0.2))
    assert caught.value.reason.startswith("Deadline reached: pool p still CREATING after ")


def test_a_deleting_pool_is_not_updated(monkeypatch):
    monkeypatch.setattr(client, "describe_pool", lambda *a: {"PoolId": "p", "Status": "DELETING"})
    with pytest.raises(PoolNotActiveError):
        client.describe_active_pool("p", budget(5))


def test_the_client_is_built_once_with_explicit_timeouts_and_no_botocore_retries(monkeypatch):
    monkeypatch.setenv("POOL_SETTINGS_CONNECT_TIMEOUT", "1.5")
    monkeypatch.setenv("POOL_SETTINGS_READ_TIMEOUT", "2.5")
    client.reset_client()
    try:
        first = client.get_client()
        assert client.get_client() is first
        assert first.meta.config.connect_timeout == 1.5
        assert first.meta.config.read_timeout == 2.5
        assert first.meta.config.retries["total_max_attempts"] == 1
    finally:
        client.reset_client()


def test_the_standard_endpoint_variable_redirects_the_client(monkeypatch):
    monkeypatch.setenv("AWS_ENDPOINT_URL_PINPOINT_SMS_VOICE_V2", "http://127.0.0.1:9")
    client.reset_client()
    try:
        assert client.get_client().meta.endpoint_url == "http://127.0.0.1:9"
    finally:
        client.reset_client()
    monkeypatch.delenv("AWS_ENDPOINT_URL_PINPOINT_SMS_VOICE_V2")
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:8")
    try:
        assert client.get_client().meta.endpoint_url == "http://127.0.0.1:8"
    finally:
        client.reset_client()
    monkeypatch.delenv("AWS_ENDPOINT_URL")
    assert (
        boto3.session.Session()
        .client("pinpoint-sms-voice-v2")
        .meta.endpoint_url.startswith("https://sms-voice.")
    )


# --- UpdatePool waits while the service cannot act yet ------------------------------------------------

ROLE = "arn:aws:iam::123456789012:role/SmsTwoWayRole"
NOT_ASSUMABLE = client_error("ValidationException", message=f"Could not assume IAM role {ROLE}.")
NOT_ACCESSIBLE_REASON = client_error(
    "ValidationException", message="Role not accessible.", Reason="RESOURCE_NOT_ACCESSIBLE"
)
NOT_ACCESSIBLE_TEXT = client_error("ValidationException", message="RESOURCE_NOT_ACCESSIBLE: cannot use role")
NOT_ACTIVE = client_error(
    "ConflictException", message="Pool pool-1 is not ACTIVE (status CREATING).", Reason="RESOURCE_NOT_ACTIVE"
)
WRITTEN = {"PoolArn": "arn:aws:sms-voice:us-east-1:123456789012:pool/pool-1", "Status": "ACTIVE"}


@pytest.fixture
def service(monkeypatch):
    """A scripted UpdatePool and DescribePools behind client.get_client()/describe_pool, with no sleeping."""

    svc = types.SimpleNamespace(update=Scripted(), statuses=[], described=0, sleeps=[])

    def describe(pool_id, budget):
        svc.described += 1
        return {
            "PoolId": pool_id,
            "Status": svc.statuses.pop(0) if len(svc.statuses) > 1 else svc.statuses[0],
        }

    monkeypatch.setattr(client, "get_client", lambda: types.SimpleNamespace(update_pool=svc.update))
    monkeypatch.setattr(client, "describe_pool", describe)
    return svc


def update(svc, seconds=5.0, timeouts=FAST, **kwargs):
    return client.update_pool(
        "pool-1",
        {"TwoWayChannelRole": ROLE},
        budget(seconds, timeouts),
        sleep=svc.sleeps.append,
        **kwargs,
    )


@pytest.mark.parametrize(
    "error", [NOT_ASSUMABLE, NOT_ACCESSIBLE_REASON, NOT_ACCESSIBLE_TEXT], ids=["message", "reason", "text"]
)
def test_a_role_not_assumable_yet_is_tried_again_until_it_is(service, error):
    service.update.outcomes = [error, error, WRITTEN]
    assert update(service) == WRITTEN
    assert len(service.update.calls) == 3
    assert service.sleeps == [FAST.poll_interval] * 2
    assert service.described == 0


def test_a_role_never_assumable_fails_naming_the_role_with_the_aws_text_last(service):
    service.update.outcomes = [NOT_ASSUMABLE] * 1_000_000
    started = time.monotonic()
    with pytest.raises(RoleNotAssumableError) as caught:
        client.update_pool(
            "pool-1", {"TwoWayChannelRole": ROLE}, budget(0.3)
        )  # real sleeps: the deadline, not a count, stops it
    assert time.monotonic() - started < 2
    reason = caught.value.reason
    assert reason.startswith(f"UpdatePool pool-1: the service could not assume role {ROLE} after ")
    assert reason.endswith(f": ValidationException: Could not assume IAM role {ROLE}.")
    assert len(reason) <= 256
    assert caught.value.__cause__ is not None


def test_iam_propagation_retries_stop_after_their_own_limit_even_with_time_left(service):
    service.update.outcomes = [NOT_ACCESSIBLE_REASON] * 1_000_000
    short = Timeouts(poll_interval=0.01, iam_propagation=0.1, backoff_base=0.001, backoff_cap=0.002)
    started = time.monotonic()
    with pytest.raises(RoleNotAssumableError) as caught:
        client.update_pool("pool-1", {}, budget(60, short), live_role=ROLE)
    assert time.monotonic() - started < 5
    assert f"could not assume role {ROLE} after" in caught.value.reason
    assert caught.value.reason.endswith("ValidationException RESOURCE_NOT_ACCESSIBLE: Role not accessible.")


def test_a_role_error_without_any_role_known_says_so(service):
    service.update.outcomes = [NOT_ASSUMABLE]
    with pytest.raises(RoleNotAssumableError) as caught:
        client.update_pool("pool-1", {"TwoWayEnabled": True}, budget(0.01))
    assert caught.value.reason.startswith(
        "UpdatePool pool-1: the service could not assume the pool's two-way channel role after 1 attempts"
    )


@pytest.mark.parametrize(
    "error",
    [
        client_error("AccessDeniedException", 403, "Could not assume IAM role x"),
        client_error("ValidationException", message="Bad ARN.", Reason="INVALID_ARN"),
    ],
    ids=["other-code-same-text", "other-validation"],
)
def test_only_a_validation_exception_about_the_role_is_tried_again(service, error):
    service.update.outcomes = [error, WRITTEN]
    with pytest.raises((AccessDeniedError, ServiceValidationError)):
        update(service)
    assert len(service.update.calls) == 1


def test_resource_not_active_waits_for_active_then_writes_again(service):
    service.update.outcomes = [NOT_ACTIVE, WRITTEN]
    service.statuses = ["CREATING", "CREATING", "ACTIVE"]
    assert update(service) == WRITTEN
    assert len(service.update.calls) == 2
    assert service.described == 3


def test_resource_not_active_on_a_deleting_pool_fails_at_once(service):
    service.update.outcomes = [NOT_ACTIVE, WRITTEN]
    service.statuses = ["DELETING"]
    with pytest.raises(PoolNotActiveError) as caught:
        update(service)
    assert caught.value.reason == "Pool pool-1 is DELETING: not updated"
    assert len(service.update.calls) == 1


def test_resource_not_active_until_the_deadline_says_it_waited(service):
    service.update.outcomes = [NOT_ACTIVE] * 1_000_000
    service.statuses = ["ACTIVE"]
    with pytest.raises(DeadlineExceededError) as caught:
        # The waits are recorded, not slept: a real sleep that a loaded machine stretches past the end of
        # the budget would make the next attempt answer "not called" instead, a different case.
        client.update_pool("pool-1", {}, budget(0.2), sleep=service.sleeps.append)
    assert service.sleeps and set(service.sleeps) == {FAST.poll_interval}
    assert caught.value.reason.startswith("Deadline reached: pool pool-1 not ACTIVE for UpdatePool after ")
    assert caught.value.reason.endswith(
        "not updated: UpdatePool pool-1 rejected: ConflictException RESOURCE_NOT_ACTIVE: "
        "Pool pool-1 is not ACTIVE (status CREATING)."
    )


def test_other_conflicts_are_still_never_retried(service):
    service.update.outcomes = [
        client_error("ConflictException", message="No.", Reason="RESOURCE_MODIFICATION_NOT_ALLOWED"),
        WRITTEN,
    ]
    with pytest.raises(PoolConflictError):
        update(service)
    assert len(service.update.calls) == 1
    assert service.sleeps == []


# --- After the write: ACTIVE again --------------------------------------------------------------------


def test_an_answer_that_says_active_needs_no_further_call(service):
    assert client.wait_until_active("pool-1", WRITTEN, budget(5)) == WRITTEN
    assert service.described == 0


@pytest.mark.parametrize(
    "answer", [{**WRITTEN, "Status": "CREATING"}, {"PoolId": "pool-1"}], ids=["creating", "no-status"]
)
def test_an_answer_that_does_not_say_active_is_followed_by_describes_until_it_is(service, answer):
    service.statuses = ["CREATING", "ACTIVE"]
    pool = client.wait_until_active("pool-1", answer, budget(5), sleep=lambda s: None)
    assert pool["Status"] == "ACTIVE"
    assert service.described == 2


def test_a_pool_still_creating_after_the_write_fails_saying_it_was_written(service):
    service.statuses = ["CREATING"]
    with pytest.raises(DeadlineExceededError) as caught:
        client.wait_until_active("pool-1", {"Status": "CREATING"}, budget(0.2))
    assert caught.value.reason.startswith("Deadline reached: pool pool-1 still CREATING after ")
    assert caught.value.reason.endswith(" s, updated, not ACTIVE again")


def test_a_pool_deleting_after_the_write_fails_saying_it_was_written(service):
    service.statuses = ["DELETING"]
    with pytest.raises(PoolNotActiveError) as caught:
        client.wait_until_active("pool-1", {"Status": "DELETING"}, budget(5))
    assert caught.value.reason == "Pool pool-1 is DELETING: updated, not ACTIVE again"
