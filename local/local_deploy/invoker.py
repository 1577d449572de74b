"""Custom resources: the real handler invoked in-process the way CloudFormation and Lambda would.

Each request becomes CloudFormation's event (``events.py``) with a ``ResponseURL`` on a loopback HTTPS
``ResponseReceiver``; the handler named by the function's ``Handler`` property runs with a Lambda
context whose deadline is the function's ``Timeout``, in the environment Lambda would give it
(``AWS_ENDPOINT_URL_PINPOINT_SMS_VOICE_V2`` pointing at the emulator, ``AWS_CA_BUNDLE`` trusting the
receiver). Its HTTPS answer decides the operation, exactly as in CloudFormation.
"""

from __future__ import annotations

import importlib
import json
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from lambda_runtime import LambdaContext, lambda_environment
from response_receiver import ResponseReceiver

from local_deploy.engine import Outcome, Request
from local_deploy.errors import DeployError
from local_deploy.events import custom_resource_event

# Lambda's default when a function declares no Timeout.
DEFAULT_LAMBDA_TIMEOUT = 3
# CloudFormation rejects a response body larger than this.
MAX_RESPONSE_BYTES = 4096
# After the handler returned, how long its HTTPS answer may take to arrive.
ANSWER_GRACE_SECONDS = 5.0


@dataclass(frozen=True)
class Function:
    """The Lambda function behind a ServiceToken: its name, ``Handler`` string and ``Timeout`` (s)."""

    name: str
    handler: str
    timeout: float = DEFAULT_LAMBDA_TIMEOUT


FunctionLookup = Callable[[str], Function | None]

_last_endpoint: list[str | None] = [None]


def _load_handler(handler: str) -> Callable[[dict[str, Any], Any], Any]:
    module_name, _, attribute = handler.rpartition(".")
    try:
        return getattr(importlib.import_module(module_name), attribute)  # type: ignore[no-any-return]
    except (ImportError, AttributeError) as exc:
        raise DeployError(f"Handler {handler!r} cannot be loaded locally: {exc}") from None


class CustomResourceProvider:
    """Applies ``Custom::*`` resources by invoking their handler with CloudFormation's events.

    Args:
        functions: ServiceToken -> the template's function behind it (None when it is not one).
        receiver: a started ``ResponseReceiver``.
        endpoint_url: the SMS endpoint the handler is pointed at.
        stack_id: the stack's ARN, put in every event.
        region: the Lambda's region. Default: "us-east-1"
    """

    local = True

    def __init__(
        self,
        functions: FunctionLookup,
        receiver: ResponseReceiver,
        endpoint_url: str,
        stack_id: str,
        region: str = "us-east-1",
    ) -> None:
        self.functions = functions
        self.receiver = receiver
        self.endpoint_url = endpoint_url
        self.stack_id = stack_id
        self.region = region
        self.requests: list[dict[str, Any]] = []  # every event sent, for tests and the demo

    def create(self, request: Request) -> Outcome:
        return self._send("Create", request)

    def update(self, request: Request) -> Outcome:
        return self._send("Update", request)

    def delete(self, request: Request) -> None:
        self._send("Delete", request)

    def replacement_properties(self, old: dict[str, Any], new: dict[str, Any]) -> list[str]:
        return []  # the handler decides: a new PhysicalResourceId in its answer means replacement

    def ref(self, physical_id: str, attributes: dict[str, Any]) -> Any:
        return physical_id

    # ----------------------------------------------------------------------------------------------
    def _send(self, request_type: str, request: Request) -> Outcome:
        token = str(request.properties.get("ServiceToken", ""))
        function = self.functions(token)
        if function is None:
            raise DeployError(
                f"ServiceToken {token!r} of {request.logical_id} is not a Lambda function of this stack; "
                "the local driver only runs handlers it finds in the template"
            )
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
        problem = self._run(function, event)
        try:
            answer = self.receiver.wait_for(url, timeout=ANSWER_GRACE_SECONDS)
        except TimeoutError:
            raise DeployError(
                f"No response from {function.name} (Timeout {function.timeout:g} s"
                f"{', ' + problem if problem else ''}); "
                "CloudFormation would fail the resource when its ServiceTimeout ran out"
            ) from None
        return self._outcome(event, answer)

    def _run(self, function: Function, event: dict[str, Any]) -> str:
        """Run the handler; returns what went wrong in the function itself (empty when nothing did)."""
        handler = _load_handler(function.handler)
        if _last_endpoint[0] != self.endpoint_url:
            # Like a new Lambda container: the handler builds its client once, for one endpoint.
            _reset_handler_client()
            _last_endpoint[0] = self.endpoint_url
        context = LambdaContext(function.timeout, function_name=function.name, region=self.region)
        crashed: list[str] = []

        def run() -> None:
            with lambda_environment(
                self.endpoint_url, self.receiver.ca_bundle_path, {"AWS_REGION": self.region}
            ):
                try:
                    handler(event, context)
                except Exception as exc:  # Lambda records it in the logs; CloudFormation sees no answer
                    crashed.append(f"{type(exc).__name__}: {exc}")

        thread = threading.Thread(target=run, name=f"lambda-{function.name}", daemon=True)
        thread.start()
        # Lambda stops the function at its Timeout; a thread cannot be killed, so it is left behind.
        thread.join(timeout=function.timeout + 1)
        return crashed[0] if crashed else ("timed out" if thread.is_alive() else "")

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


def _reset_handler_client() -> None:
    try:
        from pool_settings_handler import client
    except ImportError:
        return
    reset = getattr(client, "reset_client", None)
    if callable(reset):
        reset()
