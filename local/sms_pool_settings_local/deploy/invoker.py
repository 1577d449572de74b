"""Custom resources: the real handler invoked in-process the way CloudFormation and Lambda would.

Each request becomes CloudFormation's event (``events.py``) with a ``ResponseURL`` on a loopback HTTPS
``ResponseReceiver``; the handler named by the function's ``Handler`` property runs with a Lambda
context whose deadline is the function's ``Timeout``, in the environment Lambda would give it
(``AWS_ENDPOINT_URL_PINPOINT_SMS_VOICE_V2`` pointing at the emulator, ``AWS_CA_BUNDLE`` trusting the
receiver). Its HTTPS answer decides the operation, exactly as in CloudFormation. The rules kept:

- **Asynchronous invocation.** CloudFormation invokes the function asynchronously (Lambda Developer
  Guide, "Invoking a Lambda function asynchronously"): an invocation that raises or runs past its
  ``Timeout`` is retried with the same event, up to the function's ``EventInvokeConfig``
  ``MaximumRetryAttempts`` (0 to 2, default 2; Lambda Developer Guide, "Configuring error handling for
  asynchronous invocation"). Lambda waits about a minute before the first retry and two before the
  second; the driver compresses that wait while CloudFormation is still waiting for an answer, and
  delivers a retry of an invocation that did answer after the stack operation (``drain``), which is
  when it lands in AWS when the operation takes less than that minute.
- **ServiceTimeout.** CloudFormation waits for an answer for the resource's ``ServiceTimeout`` (1 to
  3600 s, default 3600; Template Reference, ``AWS::CloudFormation::CustomResource``), not for the
  Lambda's timeout; an answer after it is ignored and the resource fails with CloudFormation's message.
- **Immutable ServiceToken.** An Update that changes it fails: "Modifying service token is not allowed."
  (Template Reference: ServiceToken "Updates aren't supported"; cloudformation-coverage-roadmap#802.)
"""

from __future__ import annotations

import contextlib
import importlib
import json
import threading
import time
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import Any

from sms_pool_settings_local.deploy.engine import Outcome, Request
from sms_pool_settings_local.deploy.errors import DeployError, TemplateError
from sms_pool_settings_local.deploy.events import custom_resource_event
from sms_pool_settings_local.deploy.intrinsics import Pending
from sms_pool_settings_local.deploy.output import EventLog
from sms_pool_settings_local.lambda_runtime import LambdaContext, lambda_environment
from sms_pool_settings_local.response_receiver import ResponseReceiver

# Lambda's default when a function declares no Timeout.
DEFAULT_LAMBDA_TIMEOUT = 3
# Lambda's default for an asynchronous invocation without an EventInvokeConfig.
DEFAULT_MAXIMUM_RETRY_ATTEMPTS = 2
# AWS::CloudFormation::CustomResource ServiceTimeout: 1 to 3600 seconds, default 3600.
SERVICE_TIMEOUT_RANGE = (1, 3600)
DEFAULT_SERVICE_TIMEOUT = 3600
# CloudFormation rejects a response body larger than this.
MAX_RESPONSE_BYTES = 4096
SERVICE_TOKEN_CHANGE_REASON = "Modifying service token is not allowed."  # noqa: S105 - not a secret
# How often the wait for an answer looks at the invocations.
_POLL_SECONDS = 0.02


def no_response_reason(request_id: str) -> str:
    """CloudFormation's Reason when no answer came within the ServiceTimeout (as CloudFormation words it)."""
    return (
        "CloudFormation did not receive a response from your Custom Resource. Please check your logs for "
        f"requestId [{request_id}]. If you are using the Python cfn-response module, you may need to update "
        "your Lambda function code so that CloudFormation can attach the updated version."
    )


@dataclass(frozen=True)
class Function:
    """The Lambda function behind a ServiceToken.

    Args:
        name: the function's name.
        handler: its ``Handler`` string (``module.attribute``).
        timeout: its ``Timeout`` in seconds. Default: 3 (Lambda's default)
        maximum_retry_attempts: its ``EventInvokeConfig`` ``MaximumRetryAttempts``. Default: 2
        environment: its ``Environment.Variables``, set while it runs. Default: - none.
        role_arn: its execution role. Default: None
    """

    name: str
    handler: str
    timeout: float = DEFAULT_LAMBDA_TIMEOUT
    maximum_retry_attempts: int = DEFAULT_MAXIMUM_RETRY_ATTEMPTS
    environment: tuple[tuple[str, str], ...] = ()
    role_arn: str | None = None


FunctionLookup = Callable[[str], Function | None]

_last_endpoint: list[str | None] = [None]


def _load_handler(handler: str) -> Callable[[dict[str, Any], Any], Any]:
    module_name, _, attribute = handler.rpartition(".")
    try:
        return getattr(importlib.import_module(module_name), attribute)  # type: ignore[no-any-return]
    except (ImportError, AttributeError) as exc:
        raise DeployError(f"Handler {handler!r} cannot be loaded locally: {exc}") from None


@dataclass
class _Attempt:
    """One invocation of the function with the event: a thread, and how it ended."""

    number: int
    ends_at: float
    thread: threading.Thread
    error: list[str] = field(default_factory=list)
    finished_at: list[float] = field(default_factory=list)

    def ended(self) -> bool:
        return bool(self.finished_at) or time.monotonic() >= self.ends_at

    def failed(self) -> bool:
        """Lambda's view once it ended: the function raised, or was still running at its Timeout."""
        return bool(self.error) or not self.finished_at or self.finished_at[0] > self.ends_at


@dataclass
class _Invocation:
    """An asynchronous invocation: the event, the function and the attempts Lambda made."""

    event: dict[str, Any]
    function: Function
    attempts: list[_Attempt] = field(default_factory=list)

    @property
    def retries_left(self) -> int:
        return self.function.maximum_retry_attempts + 1 - len(self.attempts)


class CustomResourceProvider:
    """Applies ``Custom::*`` resources by invoking their handler with CloudFormation's events.

    Args:
        functions: ServiceToken -> the template's function behind it (None when it is not one).
        receiver: a started ``ResponseReceiver``.
        endpoint_url: the SMS endpoint the handler is pointed at.
        stack_id: the stack's ARN, put in every event.
        region: the Lambda's region. Default: "us-east-1"
        log: where notices about Lambda's retries go. Default: - nowhere.
        around_invocation: function -> a context manager held while its handler runs (IAM
            enforcement). Default: - none.
    """

    local = True
    attributes = None  # whatever the handler's Data holds; checked when read
    delete_after_failed_create = True

    def __init__(
        self,
        functions: FunctionLookup,
        receiver: ResponseReceiver,
        endpoint_url: str,
        stack_id: str,
        region: str = "us-east-1",
        log: EventLog | None = None,
        around_invocation: Callable[[Function], AbstractContextManager[None]] | None = None,
    ) -> None:
        self.around_invocation = around_invocation or (lambda _f: contextlib.nullcontext())
        self.functions = functions
        self.receiver = receiver
        self.endpoint_url = endpoint_url
        self.stack_id = stack_id
        self.region = region
        self.log = log
        self.requests: list[dict[str, Any]] = []  # every event sent, for tests and the demo
        self._answered: list[_Invocation] = []  # answered, but an attempt may still fail and be retried
        self._invocations: list[_Invocation] = []  # every one, to wait for its attempts to end
        self._lock = threading.Lock()

    def validate(self, request: Request) -> None:
        """Template checks CloudFormation makes before it starts (ServiceTimeout's range).

        Raises:
            TemplateError: ``ServiceTimeout`` not an integer from 1 to 3600.
        """
        service_timeout(request.logical_id, request.properties)

    def create(self, request: Request) -> Outcome:
        return self._send("Create", request)

    def update(self, request: Request) -> Outcome:
        old_token = (request.old_properties or {}).get("ServiceToken")
        if old_token != request.properties.get("ServiceToken"):
            raise DeployError(SERVICE_TOKEN_CHANGE_REASON, unchanged=True)
        return self._send("Update", request)

    def delete(self, request: Request) -> None:
        self._send("Delete", request)

    def replacement_properties(self, old: dict[str, Any], new: dict[str, Any]) -> list[str]:
        return []  # the handler decides: a new PhysicalResourceId in its answer means replacement

    def ref(self, physical_id: str, attributes: dict[str, Any]) -> Any:
        return physical_id

    def drain(self) -> int:
        """Deliver Lambda's retries of invocations that answered and then failed; returns how many.

        Call it after the stack operation: in AWS these retries come a minute or more after the
        answer. Their answers go to a ResponseURL CloudFormation no longer reads.
        """
        delivered = 0
        with self._lock:
            pending, self._answered = self._answered, []
        for invocation in pending:
            while True:
                last = invocation.attempts[-1]
                while not last.ended():
                    time.sleep(_POLL_SECONDS)
                if not last.failed() or invocation.retries_left <= 0:
                    break
                if self.log is not None:
                    event = invocation.event
                    self.log.note(
                        f"Lambda retries the asynchronous invocation of {invocation.function.name} for "
                        f"{event['LogicalResourceId']} ({event['RequestType']}, attempt "
                        f"{len(invocation.attempts) + 1} of {invocation.function.maximum_retry_attempts + 1})"
                        " after CloudFormation had its answer; the answer of the retry is ignored"
                    )
                self._start_attempt(invocation)
                delivered += 1
        with self._lock:
            invocations, self._invocations = self._invocations, []
        for attempt in (a for i in invocations for a in i.attempts):
            while not attempt.ended():  # Lambda would have stopped it at its Timeout at the latest
                time.sleep(_POLL_SECONDS)
        return delivered

    # ----------------------------------------------------------------------------------------------
    def _send(self, request_type: str, request: Request) -> Outcome:
        token = str(request.properties.get("ServiceToken", ""))
        function = self.functions(token)
        if function is None:
            raise DeployError(
                f"ServiceToken {token!r} of {request.logical_id} is not a Lambda function of this stack; "
                "the local driver only runs handlers it finds in the template"
            )
        wait = service_timeout(request.logical_id, request.properties)
        url = self.receiver.new_response_url()
        event = custom_resource_event(
            request_type,
            resource_type=request.resource_type,
            logical_id=request.logical_id,
            stack_id=self.stack_id,
            response_url=url,
            properties=request.properties,
            old_properties=request.old_properties,
            physical_id=request.physical_id,
        )
        self.requests.append(event)
        invocation = _Invocation(event, function)
        with self._lock:
            self._invocations.append(invocation)
        give_up = time.monotonic() + wait
        self._start_attempt(invocation)
        while True:
            answers = self.receiver.responses(url)
            if answers:
                with self._lock:
                    self._answered.append(invocation)
                return self._outcome(event, answers[0])
            last = invocation.attempts[-1]
            if last.ended() and last.failed() and invocation.retries_left > 0:
                self._start_attempt(invocation)  # Lambda's retry, its wait compressed
                continue
            every_attempt_over = all(not a.thread.is_alive() for a in invocation.attempts)
            if time.monotonic() >= give_up or (last.ended() and every_attempt_over):
                # No answer can come any more (or the ServiceTimeout is over): CloudFormation fails the
                # resource. A later answer lands on a URL nobody reads.
                problems = "; ".join(e for a in invocation.attempts for e in a.error)
                raise DeployError(
                    no_response_reason(event["RequestId"]) + (f" ({problems})" if problems else "")
                )
            time.sleep(_POLL_SECONDS)

    def _start_attempt(self, invocation: _Invocation) -> None:
        """Run the handler once more with the invocation's event, in a thread of its own."""
        function = invocation.function
        handler = _load_handler(function.handler)
        # The whole environment counts: the credentials (the account) and the SSM and CloudFormation
        # stand-ins' endpoints, which are new in every command even when the SMS endpoint is not.
        container = repr((self.endpoint_url, self.region, function.environment))
        if _last_endpoint[0] != container:
            # Like a new Lambda container: the handler builds its client once, for one endpoint, region
            # and set of credentials (the account it runs in).
            _reset_handler_client()
            _last_endpoint[0] = container
        context = LambdaContext(function.timeout, function_name=function.name, region=self.region)
        error: list[str] = []
        finished_at: list[float] = []

        def run() -> None:
            try:
                with (
                    self.around_invocation(function),
                    lambda_environment(
                        self.endpoint_url,
                        self.receiver.ca_bundle_path,
                        {**dict(function.environment), "AWS_REGION": self.region},
                    ),
                ):
                    handler(invocation.event, context)
            except Exception as exc:  # Lambda records it in the logs; CloudFormation sees no answer
                error.append(f"{type(exc).__name__}: {exc}")
            finally:
                finished_at.append(time.monotonic())

        number = len(invocation.attempts) + 1
        thread = threading.Thread(target=run, name=f"lambda-{function.name}-{number}", daemon=True)
        # Lambda stops the function at its Timeout; a thread cannot be killed, so it is left behind.
        attempt = _Attempt(number, time.monotonic() + function.timeout, thread, error, finished_at)
        invocation.attempts.append(attempt)
        thread.start()

    def _outcome(self, event: dict[str, Any], answer: dict[str, Any]) -> Outcome:
        size = len(json.dumps(answer).encode())
        if size > MAX_RESPONSE_BYTES:
            raise DeployError(f"Response object is too long ({size} bytes, limit {MAX_RESPONSE_BYTES}).")
        for key in ("RequestId", "LogicalResourceId", "StackId"):
            if answer.get(key) != event[key]:
                raise DeployError(f"Invalid response: {key} must be {event[key]!r}, got {answer.get(key)!r}")
        physical_id = answer.get("PhysicalResourceId")
        status = answer.get("Status")
        if status == "FAILED":
            raise DeployError(str(answer.get("Reason") or "(no Reason given)"), physical_id=physical_id)
        if status != "SUCCESS":
            raise DeployError(f"Invalid response: Status must be SUCCESS or FAILED, got {status!r}")
        if not physical_id:
            raise DeployError("Invalid PhysicalResourceId: the response has none")
        if event["RequestType"] == "Delete":
            return Outcome(str(physical_id))
        data = answer.get("Data") or {}
        return Outcome(str(physical_id), dict(data))


def service_timeout(logical_id: str, properties: dict[str, Any]) -> float:
    """The resource's ``ServiceTimeout`` in seconds (default 3600).

    Raises:
        TemplateError: not an integer from 1 to 3600, naming the resource and the value.

    Example:
        >>> service_timeout("R", {"ServiceTimeout": "900"})
        900.0
    """
    value = properties.get("ServiceTimeout", DEFAULT_SERVICE_TIMEOUT)
    if isinstance(value, Pending):
        return float(DEFAULT_SERVICE_TIMEOUT)
    low, high = SERVICE_TIMEOUT_RANGE
    try:
        number = int(str(value))
    except ValueError:
        number = None
    if isinstance(value, bool) or number is None or not low <= number <= high:
        raise TemplateError(
            f"Properties validation failed for resource {logical_id}: ServiceTimeout must be an integer "
            f"from {low} to {high} seconds, got {value!r}"
        )
    return float(number)


def _reset_handler_client() -> None:
    try:
        from pool_settings_handler import client
    except ImportError:
        return
    reset = getattr(client, "reset_client", None)
    if callable(reset):
        reset()
