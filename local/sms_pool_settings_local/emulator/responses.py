"""The JSON 1.0 protocol: dispatch on ``X-Amz-Target``, apply faults and the rate limit, answer.

``Dispatcher.answer`` turns one request into an ``Outcome``; the server writes it to the socket, or for
the ``hang`` and ``connection_reset`` faults, writes nothing.
"""

from __future__ import annotations

import json
import re
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from botocore.model import ListShape, Shape, StructureShape

from .authorization import IamEnforcer, default_principal
from .faults import Fault, FaultRegistry, RateLimiter, omit_members
from .models import (
    ACCOUNT_ID,
    DEFAULT_REGION,
    AccessDeniedException,
    ConflictException,
    InternalServerException,
    SerializationException,
    ServiceError,
    SmsBackend,
    ThrottlingException,
    UnknownOperationException,
    ValidationException,
    pool_arn,
    pool_id_of,
)
from .validation import operation_model, operation_names, validate

TARGET_PREFIX = "PinpointSMSVoiceV2."
CONTENT_TYPE = "application/x-amz-json-1.0"
_REGION = re.compile(r"Credential=[^/,\s]+/\d{8}/([^/,\s]+)/")
_ACCESS_KEY = re.compile(r"Credential=([^/,\s]+)/")


class Headers(Protocol):
    """Read access to request headers (``http.client.HTTPMessage`` or a dict)."""

    def get(self, name: str, default: Any = None, /) -> Any: ...


@dataclass
class Outcome:
    """What to do on the wire: ``respond`` with ``status``/``body``, or ``hang``/``reset`` the socket."""

    action: str
    status: int | None = None
    body: dict[str, Any] | None = None
    seconds: float = 0.0


def region_of(headers: Headers) -> str:
    """The region of the SigV4 credential scope in ``Authorization``; us-east-1 when absent."""
    match = _REGION.search(headers.get("Authorization", "") or "")
    return match.group(1) if match else DEFAULT_REGION


def access_key_of(headers: Headers) -> str | None:
    """The access key ID of the SigV4 credential in ``Authorization``; None when unsigned."""
    match = _ACCESS_KEY.search(headers.get("Authorization", "") or "")
    return match.group(1) if match else None


def shape_output(shape: Shape | None, value: Any) -> Any:
    """``value`` reduced to the members ``shape`` models, dropping unset ones (as the service does)."""
    if shape is None:
        return {}
    if isinstance(shape, StructureShape) and isinstance(value, dict):
        return {
            k: shape_output(member, value[k])
            for k, member in shape.members.items()
            if value.get(k) is not None
        }
    if isinstance(shape, ListShape) and isinstance(value, list):
        return [shape_output(shape.member, v) for v in value]
    return value


def without_nulls(value: Any) -> Any:
    """``value`` with every JSON ``null`` member of every object removed, nested objects too.

    AWS JSON 1.0 services treat a member sent as ``null`` as not sent (the protocol serialises an
    absent member by leaving it out; botocore never sends ``null``). List items are kept: a ``null``
    in a list is a value, which validation refuses with "Member must not be null".
    """
    if isinstance(value, dict):
        return {k: without_nulls(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [without_nulls(v) for v in value]
    return value


def _pool_ids(params: Any) -> list[str]:
    if not isinstance(params, dict):
        return []
    found = [params["PoolId"]] if isinstance(params.get("PoolId"), str) else []
    if isinstance(params.get("PoolIds"), list):
        found += [p for p in params["PoolIds"] if isinstance(p, str)]
    return found


class Dispatcher:
    """Answers service requests from ``backend``, with ``faults`` and ``limiter`` applied first.

    Every request is appended to ``calls`` as ``{"operation", "request", "status", "error", "fault",
    "region", "account", "message"}`` (``request`` as received, nulls included; ``account`` the one the
    access key acts in; ``message`` the error's).
    ``on_change`` runs after any request that changed stored state (writes the state file). A request
    is handled in this order: faults, the rate limit, validation against the model, IAM authorization
    (when ``enforcer`` is on), the operation.
    """

    def __init__(
        self,
        backend: SmsBackend,
        faults: FaultRegistry,
        limiter: RateLimiter,
        on_change: Callable[[], None] | None = None,
        enforcer: IamEnforcer | None = None,
    ) -> None:
        self.backend = backend
        self.faults = faults
        self.limiter = limiter
        self.on_change = on_change
        self.enforcer = enforcer if enforcer is not None else IamEnforcer()
        self.calls: list[dict[str, Any]] = []
        self.calls_lock = threading.Lock()
        self._handlers: dict[str, Callable[..., dict[str, Any]]] = {
            "CreatePool": backend.create_pool,
            "DescribePools": backend.describe_pools,
            "UpdatePool": backend.update_pool,
            "DeletePool": backend.delete_pool,
            "CreateOptOutList": backend.create_opt_out_list,
            "DescribeOptOutLists": backend.describe_opt_out_lists,
            "DeleteOptOutList": backend.delete_opt_out_list,
            "ListTagsForResource": backend.list_tags_for_resource,
            "TagResource": backend.tag_resource,
            "UntagResource": backend.untag_resource,
        }

    def _record(self, entry: dict[str, Any]) -> None:
        with self.calls_lock:
            self.calls.append(entry)

    def recorded(self) -> list[dict[str, Any]]:
        """A copy of the call log, in order."""
        with self.calls_lock:
            return list(self.calls)

    def clear_calls(self) -> None:
        with self.calls_lock:
            self.calls.clear()

    def answer(self, headers: Headers, raw_body: bytes) -> Outcome:
        """Handle one POST to ``/``."""
        region = region_of(headers)
        target = headers.get("X-Amz-Target", "") or ""
        operation = target[len(TARGET_PREFIX) :] if target.startswith(TARGET_PREFIX) else target
        access_key = access_key_of(headers)
        account = self.backend.account_of(access_key)
        entry: dict[str, Any] = {
            "operation": operation,
            "request": None,
            "status": None,
            "error": None,
            "fault": None,
            "region": region,
            "account": account,
            "message": None,
        }
        version = self.backend.version
        try:
            outcome = self._answer(operation, target, region, access_key, account, raw_body, entry)
        finally:
            self._record(entry)
            if self.on_change is not None and self.backend.version != version:
                self.on_change()
        return outcome

    def _answer(
        self,
        operation: str,
        target: str,
        region: str,
        access_key: str | None,
        account: str,
        raw_body: bytes,
        entry: dict[str, Any],
    ) -> Outcome:
        try:
            if not target.startswith(TARGET_PREFIX) or operation not in operation_names():
                raise UnknownOperationException(f"Unknown operation {target or '(no X-Amz-Target)'}.")
            raw_params = self._parse(raw_body)
            entry["request"] = raw_params
            params = without_nulls(raw_params)
            fault = self.faults.take(operation, _pool_ids(params))
            if fault is not None:
                entry["fault"] = fault.kind
                wire = self._apply_fault(fault, operation, region, params, account)
                if wire is not None:
                    return wire
            if not self.limiter.allow(operation):
                raise ThrottlingException("Rate exceeded")
            result = self._dispatch(operation, region, params, access_key, account)
            if fault is not None and fault.kind == "omit_members":
                assert fault.members is not None  # checked when the fault was added
                result = omit_members(result, fault.members)
        except ServiceError as error:
            entry["status"], entry["error"], entry["message"] = error.status, error.code, error.message
            return Outcome("respond", error.status, error.body())
        entry["status"] = 200
        return Outcome("respond", 200, result)

    @staticmethod
    def _parse(raw_body: bytes) -> dict[str, Any]:
        try:
            params = json.loads(raw_body or b"{}")
        except (ValueError, UnicodeDecodeError):
            raise SerializationException("Request body is not valid JSON.") from None
        if not isinstance(params, dict):
            raise SerializationException("Request body must be a JSON object.")
        return params

    def _dispatch(
        self,
        operation: str,
        region: str,
        params: dict[str, Any],
        access_key: str | None = None,
        account: str = ACCOUNT_ID,
    ) -> dict[str, Any]:
        handler = self._handlers.get(operation)
        if handler is None:
            raise ValidationException(
                f"Operation {operation} is not implemented by the SMS emulator.",
                reason="UNKNOWN_OPERATION",
            )
        validate(operation, params)
        # Authorization after validation: the resources a request authorizes on are read from
        # well-typed members (an emulator's choice; a malformed request fails either way).
        self.enforcer.authorize(
            operation,
            params,
            region,
            access_key,
            account,
            resource_tags=lambda arn: self.backend.tags_of(region, arn, account),
        )
        result = handler(region, params, account=account)
        return shape_output(operation_model(operation).output_shape, result)  # type: ignore[no-any-return]

    def _apply_fault(
        self, fault: Fault, operation: str, region: str, params: dict[str, Any], account: str = ACCOUNT_ID
    ) -> Outcome | None:
        """Raise the fault's error, return the wire action, or None to go on handling the request."""
        targets = _pool_ids(params)
        pool_id = (
            pool_id_of(targets[0]) if targets else (pool_id_of(fault.pool_id) if fault.pool_id else None)
        )
        if fault.kind == "throttle":
            raise ThrottlingException(fault.message or "Rate exceeded")
        if fault.kind == "server_error":
            raise InternalServerException(
                fault.message or "An internal error occurred.", request_id=str(uuid.uuid4())
            )
        if fault.kind == "access_denied":
            resource = pool_arn(region, pool_id, account) if pool_id else "*"
            raise AccessDeniedException(
                fault.message
                or f"User: {default_principal(region, account)} is not authorized to "
                f"perform: sms-voice:{operation} on resource: {resource}"
            )
        if fault.kind == "conflict":
            assert fault.reason is not None  # checked when the fault was added
            raise ConflictException(
                fault.message or f"Pool {pool_id} conflict: {fault.reason}.",
                reason=fault.reason,
                resource_type="pool",
                resource_id=pool_id,
            )
        if fault.kind == "latency":
            time.sleep(fault.seconds or 0.0)
            return None
        if fault.kind == "hang":
            return Outcome("hang", seconds=fault.seconds or 0.0)
        if fault.kind == "connection_reset":
            return Outcome("reset")
        if fault.kind == "delete_pool":
            if pool_id is not None:
                self.backend.remove_pool(region, pool_id, account)
            return None
        if fault.kind == "omit_members":
            return None  # the answer is trimmed once the request has been handled
        raise AssertionError(f"unhandled fault kind {fault.kind}")  # kinds are checked in Fault
