"""lifecycle.py: one answer per event, no polling clients, no Delete sleep, our physical IDs, one budget."""

import json
import logging
import threading
import time

import boto3
import pytest
from pool_settings_handler import handler as handler_module
from pool_settings_handler import lifecycle as lifecycle_module
from pool_settings_handler.errors import PoolConflictError
from pool_settings_handler.lifecycle import SUCCESS, Answer, Lifecycle, OneAnswer, Outcome, event_digest
from pool_settings_handler.timing import Budget
from sms_pool_settings_local.lambda_runtime import LambdaContext

ARN = "arn:aws:sms-voice:us-east-1:123456789012:pool/pool-1"


def event(request_type="Create", **extra):
    return {
        "RequestType": request_type,
        "ResponseURL": "https://127.0.0.1:1/cloudformation-response/x?X-Amz-Signature=secret",
        "StackId": "arn:aws:cloudformation:us-east-1:123456789012:stack/s/1",
        "RequestId": "req-1",
        "LogicalResourceId": "Settings",
        "ResourceType": "Custom::SmsPoolSettings",
        "ResourceProperties": {
            "ServiceToken": "arn:aws:lambda:us-east-1:123456789012:function:f",
            "PoolId": "p",
        },
        **extra,
    }


@pytest.fixture(autouse=True)
def forget_answers():
    """Every test starts with a container that has answered nothing (the ledger lives per process)."""
    lifecycle_module.ANSWERS.clear()
    yield
    lifecycle_module.ANSWERS.clear()


@pytest.fixture
def sent(monkeypatch):
    """Every (url, body) the resource would PUT, instead of sending it."""
    bodies = []
    lock = threading.Lock()

    def fake_put(url, body, **kwargs):
        with lock:
            bodies.append((url, body, kwargs))
        return True

    monkeypatch.setattr(lifecycle_module, "put_response", fake_put)
    return bodies


def run(ev, create=None, update=None, delete=None, timeout=30.0):
    """Run ``ev`` through a Lifecycle whose functions take (event, context) (the budget is dropped)."""
    never = lambda e, c: pytest.fail("not this function")  # noqa: E731

    def with_budget(function):
        return lambda event, context, budget: function(event, context)

    lifecycle = Lifecycle(
        create=with_budget(create or never),
        update=with_budget(update or never),
        delete=with_budget(delete or never),
    )
    lifecycle(ev, LambdaContext(timeout))


def test_it_builds_no_boto3_clients(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("boto3.client called")

    monkeypatch.setattr(boto3, "client", refuse)
    monkeypatch.delenv("AWS_SAM_LOCAL", raising=False)
    run(event(), create=lambda e, c: Outcome(ARN))


def test_success_sends_the_outcome_once(sent):
    run(event(), create=lambda e, c: Outcome(ARN, {"PoolArn": ARN}))
    assert len(sent) == 1
    url, body, _ = sent[0]
    assert url == event()["ResponseURL"]
    assert (body["Status"], body["PhysicalResourceId"], body["Data"]) == ("SUCCESS", ARN, {"PoolArn": ARN})


def test_a_failed_create_gets_a_deterministic_physical_id_that_is_not_an_arn(sent):
    def fail(e, c):
        raise PoolConflictError("UpdatePool", "p", "X", "no")

    run(event(), create=fail)
    body = sent[0][1]
    assert body["Status"] == "FAILED"
    assert body["Reason"] == "UpdatePool p rejected: ConflictException X: no"
    assert body["PhysicalResourceId"] == "failed-create-req-1"


def test_a_failed_update_keeps_the_physical_id(sent):
    def fail(e, c):
        raise PoolConflictError("UpdatePool", "p", "X", "no")

    run(event("Update", PhysicalResourceId=ARN, OldResourceProperties={"PoolId": "p"}), update=fail)
    assert sent[0][1]["PhysicalResourceId"] == ARN


def test_an_unexpected_exception_answers_failed_naming_it(sent):
    def boom(e, c):
        raise KeyError("PoolArn")

    run(event(), create=boom)
    assert sent[0][1]["Status"] == "FAILED"
    assert sent[0][1]["Reason"] == "Internal error: KeyError: 'PoolArn'"


def test_delete_answers_at_once_without_crhelpers_sleep(sent):
    started = time.monotonic()
    run(event("Delete", PhysicalResourceId=ARN), delete=lambda e, c: Outcome(None), timeout=300)
    assert time.monotonic() - started < 5
    assert (sent[0][1]["Status"], sent[0][1]["PhysicalResourceId"]) == ("SUCCESS", ARN)


def test_when_crhelpers_timer_fires_first_only_its_answer_is_sent(sent):
    def slow(e, c):
        time.sleep(1.0)
        return Outcome(ARN)

    run(event(), create=slow, timeout=0.8)  # crhelper's timer fires 0.5 s before the end
    time.sleep(0.1)
    assert len(sent) == 1
    body = sent[0][1]
    assert body["Status"] == "FAILED"
    assert body["Reason"].startswith("Timed out: no answer after 0.")
    assert body["PhysicalResourceId"] == "failed-create-req-1"


def test_concurrent_sends_for_one_event_produce_one_answer(sent):
    answer = OneAnswer(event(), Budget.bind(30.0), event_digest(event()))
    threads = [threading.Thread(target=answer.send, args=(Answer(SUCCESS),)) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(sent) == 1


def test_the_response_deadline_is_just_before_the_lambda_end(sent):
    started = time.monotonic()
    run(event(), create=lambda e, c: Outcome(ARN), timeout=20)
    deadline = sent[0][2]["deadline"]
    assert started + 19 < deadline < started + 20


def test_an_event_without_response_url_is_logged_not_crashed(sent, caplog):
    ev = event()
    del ev["ResponseURL"]
    run(ev, create=lambda e, c: Outcome(ARN))
    assert sent == []


def test_one_structured_line_is_logged_per_event(sent, caplog):
    caplog.set_level(logging.INFO, logger="pool_settings_handler")
    run(event(), create=lambda e, c: Outcome(ARN, {"PoolArn": ARN, "ChangedFields": "TwoWayEnabled"}))
    lines = [
        r for r in caplog.records if r.name == "pool_settings_handler" and r.getMessage().startswith("{")
    ]
    assert len(lines) == 1
    line = json.loads(lines[0].getMessage())
    assert isinstance(line.pop("Seconds"), float)
    assert line == {
        "RequestType": "Create",
        "LogicalResourceId": "Settings",
        "Pool": ARN,
        "PhysicalResourceId": ARN,
        "ChangedFields": "TwoWayEnabled",
        "Result": "SUCCESS",
    }


def test_crhelper_and_our_loggers_are_held_at_info():
    assert handler_module.logging.getLogger("crhelper").level == logging.INFO
    assert logging.getLogger("pool_settings_handler").level == logging.INFO


# --- Events crhelper cannot dispatch: one plain-sentence FAILED answer, nothing run -------------------


@pytest.mark.parametrize("field", ["RequestType", "StackId", "RequestId", "LogicalResourceId"])
def test_an_event_missing_a_request_field_gets_one_failed_answer_naming_it(sent, field):
    ev = event()
    del ev[field]
    run(ev)  # every function fails the test if called
    assert len(sent) == 1
    url, body, _ = sent[0]
    assert url == ev["ResponseURL"]
    assert body["Status"] == "FAILED"
    assert body["Reason"].startswith(f"Invalid event: no {field} (every CloudFormation custom resource")
    assert body["Reason"].endswith("; nothing was changed")
    assert len(body["Reason"]) <= 256


def test_an_event_missing_every_request_field_names_them_all(sent):
    ev = {"ResponseURL": event()["ResponseURL"], "ResourceProperties": {"PoolId": "p"}}
    run(ev)
    [(_, body, _)] = sent
    assert body["Reason"].startswith("Invalid event: no RequestType, RequestId, StackId, LogicalResourceId (")
    assert (body["StackId"], body["RequestId"], body["LogicalResourceId"]) == ("", "", "")
    assert body["PhysicalResourceId"] == "failed-create-unknown"


def test_a_request_field_that_is_not_a_string_counts_as_missing(sent):
    run(event(RequestId=["req-1"]))
    assert sent[0][1]["Reason"].startswith("Invalid event: no RequestId (")


@pytest.mark.parametrize("request_type", ["Upsert", "create", ""])
def test_an_unknown_request_type_gets_a_plain_sentence_not_a_python_error(sent, request_type):
    run(event(request_type, PhysicalResourceId=ARN))
    [(_, body, _)] = sent
    assert body["Status"] == "FAILED"
    assert body["Reason"] == (
        f"Invalid event: RequestType must be Create, Update or Delete, got {request_type!r}; "
        "nothing was changed"
    )
    assert body["PhysicalResourceId"] == ARN


# --- Duplicate deliveries: the same answer, nothing run again -----------------------------------------


def test_a_duplicate_delivery_gets_the_first_answer_again_without_running_the_function(sent):
    calls = []

    def create(e, c):
        calls.append(e["RequestId"])
        return Outcome(ARN, {"PoolArn": ARN, "ChangedFields": "TwoWayEnabled" if len(calls) == 1 else ""})

    run(event(), create=create)
    run(event(), create=create)
    assert calls == ["req-1"]
    assert [url for url, _, _ in sent] == [event()["ResponseURL"]] * 2
    assert sent[0][1] == sent[1][1]
    assert sent[1][1]["Data"]["ChangedFields"] == "TwoWayEnabled"


def test_a_failed_answer_is_replayed_too_so_a_late_duplicate_cannot_write_after_a_rollback(sent):
    outcomes = iter([PoolConflictError("UpdatePool", "p", "X", "no"), Outcome(ARN)])

    def update(e, c):
        outcome = next(outcomes)
        if isinstance(outcome, Exception):
            raise outcome
        return outcome

    ev = event("Update", PhysicalResourceId=ARN, OldResourceProperties={"PoolId": "p"})
    run(ev, update=update)
    run(ev, update=update)
    assert [body["Status"] for _, body, _ in sent] == ["FAILED", "FAILED"]
    assert sent[0][1] == sent[1][1]


def test_an_event_that_differs_in_any_field_is_not_a_duplicate(sent):
    calls = []

    def create(e, c):
        calls.append(e["ResponseURL"])
        return Outcome(ARN)

    run(event(), create=create)
    run({**event(), "ResponseURL": event()["ResponseURL"] + "&other=1"}, create=create)
    run({**event(), "ResourceProperties": {"PoolId": "q"}}, create=create)
    assert len(calls) == 3


def test_the_timers_answer_is_the_one_remembered(sent):
    def slow(e, c):
        time.sleep(1.0)
        return Outcome(ARN)

    run(event(), create=slow, timeout=0.8)
    time.sleep(0.1)
    run(event(), create=lambda e, c: pytest.fail("a duplicate must not run"))
    assert [body["Status"] for _, body, _ in sent] == ["FAILED", "FAILED"]
    assert sent[0][1] == sent[1][1]


def test_the_duplicate_is_logged_as_replayed(sent, caplog):
    caplog.set_level(logging.INFO, logger="pool_settings_handler")
    run(event(), create=lambda e, c: Outcome(ARN))
    run(event(), create=lambda e, c: Outcome(ARN))
    lines = [
        json.loads(r.getMessage())
        for r in caplog.records
        if r.name == "pool_settings_handler" and r.getMessage().startswith("{")
    ]
    assert [line.get("Replayed", False) for line in lines] == [False, True]


# --- The relationship with crhelper is explicit: public names only, no CfnResource ------------------


def test_the_lifecycle_uses_no_private_name_of_crhelper_and_is_no_cfn_resource():
    import ast
    import inspect

    import crhelper

    tree = ast.parse(inspect.getsource(lifecycle_module))
    imported = [
        (node.module or "", alias.name)
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("crhelper")
        for alias in node.names
    ]
    assert imported == [("crhelper", "FAILED"), ("crhelper", "SUCCESS")]
    assert (lifecycle_module.SUCCESS, lifecycle_module.FAILED) == (crhelper.SUCCESS, crhelper.FAILED)
    assert not issubclass(Lifecycle, crhelper.CfnResource)


# --- One time budget per event, from the container's timeouts read once ------------------------------


def test_every_function_gets_one_budget_bound_to_the_lambda_end_and_the_put_uses_it(sent):
    budgets = []

    def create(e, c, budget):
        budgets.append(budget)
        return Outcome(ARN)

    started = time.monotonic()
    Lifecycle(create=create, update=create, delete=create)(event(), LambdaContext(20))
    [budget] = budgets
    assert started + 19 < budget.lambda_end <= time.monotonic() + 20
    assert budget.at == budget.lambda_end - budget.timeouts.safety_margin
    assert sent[0][2] == {
        "deadline": budget.response_deadline,
        "attempt_timeout": budget.timeouts.response_attempt,
    }


def test_the_environment_is_read_once_per_container_not_once_per_event(sent, monkeypatch):
    from pool_settings_handler import timing

    reads = []
    real = timing.Timeouts.from_env.__func__

    def counting(cls):
        reads.append(1)
        return real(cls)

    monkeypatch.setattr(timing.Timeouts, "from_env", classmethod(counting))
    timing.forget_container_timeouts()
    monkeypatch.setenv("POOL_SETTINGS_RESPONSE_ATTEMPT_TIMEOUT", "0.7")
    try:
        run(event(), create=lambda e, c: Outcome(ARN))
        monkeypatch.setenv("POOL_SETTINGS_RESPONSE_ATTEMPT_TIMEOUT", "0.9")
        run(event(RequestId="req-2"), create=lambda e, c: Outcome(ARN))
    finally:
        timing.forget_container_timeouts()
    assert len(reads) == 1
    assert [kwargs["attempt_timeout"] for _, _, kwargs in sent] == [0.7, 0.7]


def test_a_context_without_remaining_time_gets_one_failed_answer_and_nothing_runs(sent):
    never = lambda e, c, b: pytest.fail("no deadline: nothing may run")  # noqa: E731
    Lifecycle(create=never, update=never, delete=never)(event(), object())
    [(_, body, _)] = sent
    assert body["Status"] == "FAILED"
    assert body["Reason"].startswith("Internal error: the Lambda context has no remaining time")
