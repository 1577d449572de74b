"""Custom resources as CloudFormation and Lambda run them: ServiceTimeout, asynchronous retries,
immutable ServiceToken, the Delete after a Create that never answered. Hand-written templates, the
handlers of ``cr_handlers.py`` or the real one, the in-process emulator, real HTTPS answers."""

from __future__ import annotations

from typing import Any

import pytest
from sms_pool_settings_local.deploy.errors import TemplateError
from sms_pool_settings_local.deploy.handwritten import TRUST_LAMBDA, lambda_function
from sms_pool_settings_local.deploy.session import LocalAccount
from sms_pool_settings_local.deploy.template import Template

NO_ANSWER = (
    "CloudFormation did not receive a response from your Custom Resource. "
    "Please check your logs for requestId ["
)
POOL = "pool-0123456789abcdef0123456789abcdef"
# The real handler's own time budget, small enough for a Lambda Timeout of a few seconds.
SMALL_HANDLER_TIMEOUTS = {
    "POOL_SETTINGS_CONNECT_TIMEOUT": "0.5",
    "POOL_SETTINGS_READ_TIMEOUT": "0.5",
    "POOL_SETTINGS_RESPONSE_BUDGET": "0.5",
}


@pytest.fixture
def account(tmp_path):
    with LocalAccount(tmp_path / "state") as acct:
        yield acct


def stack(
    handler: str,
    properties: dict[str, Any] | None = None,
    *,
    timeout: int = 5,
    retries: int | None = None,
    resource_type: str = "Custom::Thing",
    functions: tuple[str, ...] = ("Fn",),
    token: str = "Fn",
    environment: dict[str, str] | None = None,
) -> Template:
    resources: dict[str, Any] = {
        "Role": {"Type": "AWS::IAM::Role", "Properties": {"AssumeRolePolicyDocument": TRUST_LAMBDA}}
    }
    for name in functions:
        resources[name] = lambda_function(handler, timeout, environment)
    if retries is not None:
        resources["FnInvokeConfig"] = {
            "Type": "AWS::Lambda::EventInvokeConfig",
            "Properties": {
                "FunctionName": {"Ref": "Fn"},
                "Qualifier": "$LATEST",
                "MaximumRetryAttempts": retries,
            },
        }
    resources["Thing"] = {
        "Type": resource_type,
        "Properties": {"ServiceToken": {"Fn::GetAtt": [token, "Arn"]}, **(properties or {})},
    }
    return Template("Custom", {"Resources": resources})


def statuses(result) -> list[tuple[str, str]]:
    return [(e.logical_id, e.status) for e in result.events]


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (0, "Thing: ServiceTimeout must be an integer from 1 to 3600 seconds, got 0"),
        (3601, "Thing: ServiceTimeout must be an integer from 1 to 3600 seconds, got 3601"),
        (
            "ten",
            "E3012 'ten' is not of type 'integer' \\(Resources/Thing/Properties/ServiceTimeout",
        ),  # cfn-lint's
    ],
)
def test_a_service_timeout_out_of_range_is_a_template_error_before_any_event(
    account, handlers, value, message
):
    with pytest.raises(TemplateError, match=message):
        account.deploy(stack("cr_handlers.late", {"ServiceTimeout": value, "Sleep": 0}))
    assert handlers.EVENTS == [] and account.store.load("Custom") is None


def test_an_answer_after_the_service_timeout_is_ignored_and_the_resource_fails_as_cloudformation_says(
    account, handlers
):
    # GIVEN a handler that answers SUCCESS after 2 s, well within its Lambda Timeout but after the
    # resource's 1 s ServiceTimeout (today's driver waited for the Lambda's timeout plus a margin)
    template = stack("cr_handlers.late", {"ServiceTimeout": 1, "Sleep": 2}, timeout=5)
    # WHEN
    result = account.deploy(template)
    # THEN the resource failed with CloudFormation's message, and the rollback sent the Delete
    assert not result.ok
    failed = [e for e in result.events if e.status == "CREATE_FAILED"]
    assert len(failed) == 1 and failed[0].reason.startswith(NO_ANSWER)
    create = next(r for r in result.requests if r["RequestType"] == "Create")
    assert f"[{create['RequestId']}]" in failed[0].reason
    assert statuses(result)[-1] == ("Custom", "ROLLBACK_COMPLETE")
    assert [e["RequestType"] for e in handlers.EVENTS] == ["Create", "Delete"]


def test_a_create_that_never_answers_is_followed_by_a_delete_with_an_id_cloudformation_made(
    account, handlers
):
    # WHEN the handler returns without ever answering the Create
    result = account.deploy(stack("cr_handlers.never", {"ServiceTimeout": 2}))
    # THEN the resource fails with CloudFormation's message and still gets its Delete in the rollback
    assert not result.ok
    assert [e.reason[: len(NO_ANSWER)] for e in result.events if e.status == "CREATE_FAILED"] == [NO_ANSWER]
    delete = next(e for e in handlers.EVENTS if e["RequestType"] == "Delete")
    assert delete["LogicalResourceId"] == "Thing"
    assert delete["PhysicalResourceId"].startswith("Custom-Thing-")  # generated, as CloudFormation does
    assert ("Thing", "DELETE_COMPLETE") in statuses(result)


def test_a_crashed_invocation_is_retried_with_the_same_event_while_cloudformation_waits(account, handlers):
    # GIVEN no EventInvokeConfig: Lambda's default of 2 retries
    result = account.deploy(stack("cr_handlers.crash_first", {"ServiceTimeout": 30}))
    # THEN the retry answered, with the same event
    assert result.ok
    creates = [e for e in handlers.EVENTS if e["RequestType"] == "Create"]
    assert len(creates) == 2 and creates[0]["RequestId"] == creates[1]["RequestId"]


def test_maximum_retry_attempts_zero_is_honoured_from_the_template(account, handlers):
    result = account.deploy(stack("cr_handlers.crash_first", {"ServiceTimeout": 30}, retries=0))
    assert not result.ok
    failed = next(e for e in result.events if e.status == "CREATE_FAILED")
    assert failed.reason.startswith(NO_ANSWER) and "RuntimeError: first attempt crashes" in failed.reason
    assert [e["RequestType"] for e in handlers.EVENTS] == ["Create", "Delete"]


def test_a_changed_service_token_fails_the_update_and_rolls_back_without_sending_it(account, handlers):
    assert account.deploy(stack("cr_handlers.late", {"Sleep": 0}, functions=("Fn", "Other"))).ok
    handlers.reset()
    # WHEN the resource is pointed at another function
    result = account.deploy(stack("cr_handlers.late", {"Sleep": 0}, functions=("Fn", "Other"), token="Other"))
    # THEN
    assert not result.ok
    assert [(e.logical_id, e.reason) for e in result.events if e.status == "UPDATE_FAILED"] == [
        ("Thing", "Modifying service token is not allowed.")
    ]
    assert statuses(result)[-1] == ("Custom", "UPDATE_ROLLBACK_COMPLETE")
    assert handlers.EVENTS == []  # neither function received anything


def test_a_changed_resource_type_fails_the_update(account, handlers):
    assert account.deploy(stack("cr_handlers.late", {"Sleep": 0})).ok
    result = account.deploy(stack("cr_handlers.late", {"Sleep": 0}, resource_type="Custom::Other"))
    assert not result.ok
    assert [e.reason for e in result.events if e.status == "UPDATE_FAILED"] == [
        "Update of resource type is not permitted"
    ]


@pytest.mark.parametrize(("retries", "written_after_rollback"), [(None, True), (0, False)])
def test_a_retry_after_the_rollback_writes_the_new_values_unless_retries_are_off(
    account, handlers, retries, written_after_rollback
):
    """Issue 11, item 1: the Lambda-retry race, and that MaximumRetryAttempts 0 closes it."""
    account.control.seed_pool(POOL, SharedRoutesEnabled=False)

    def settings(shared: str) -> Template:
        return stack(
            "cr_handlers.stuck_then_real",
            {"ServiceTimeout": 30, "PoolId": POOL, "SharedRoutesEnabled": shared},
            timeout=3,
            retries=retries,
            resource_type="Custom::SmsPoolSettings",
            environment=SMALL_HANDLER_TIMEOUTS,
        )

    assert account.deploy(settings("false")).ok
    # GIVEN the next Update invocation answers FAILED at its deadline and is then killed at its Timeout
    handlers.STUCK_UPDATES[0] = 1
    # WHEN the update is deployed
    result = account.deploy(settings("true"))
    # THEN CloudFormation rolled back: the stack declares SharedRoutesEnabled=false ...
    assert not result.ok and statuses(result)[-1] == ("Custom", "UPDATE_ROLLBACK_COMPLETE")
    assert account.store.load("Custom").resources["Thing"].properties["SharedRoutesEnabled"] == "false"
    updates = [e for e in handlers.EVENTS if e["RequestType"] == "Update"]
    forward = updates[0]["RequestId"]
    # ... and with retries on, Lambda retried the killed invocation (the same event) after the rollback,
    # which wrote the new value onto the rolled-back stack's pool
    retried = [e for e in updates[2:] if e["RequestId"] == forward]
    assert bool(retried) is written_after_rollback
    live = account.sms().describe_pool(POOL)
    assert live["SharedRoutesEnabled"] is written_after_rollback
