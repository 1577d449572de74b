"""Every call of the handler: the SMS API, SSM Parameter Store (the records) and CloudFormation.

One client per service and container, the same retries and deadline for all, our errors.

- Every function takes the event's one ``timing.Budget``: its ``remaining()`` is the deadline no new
  attempt starts after, its ``timeouts`` the pacing (backoff, ``poll_interval``, ``iam_propagation``).

- One client per container, built lazily with explicit timeouts and botocore's own retries off
  (``total_max_attempts=1``): we retry ourselves, bounded by the invocation's deadline.
- The standard ``AWS_ENDPOINT_URL_PINPOINT_SMS_VOICE_V2`` / ``AWS_ENDPOINT_URL`` variables redirect the
  client; boto3 reads them itself, so there is no code for it here.
- ``ClientError`` is wrapped once, here, into the errors of ``errors.py``.
- Retried with the backoff of ``pacing.py`` (a throttled attempt waits at least a quarter of its
  ceiling): the throttling codes, InternalServerException, any 5xx, connection errors and read timeouts.
- ``UpdatePool`` also waits and tries again, every ``poll_interval`` within the deadline, while the
  service cannot act yet: it cannot assume the two-way channel role (IAM propagation, for at most
  ``iam_propagation`` seconds), or the pool is not ``ACTIVE`` (``ConflictException RESOURCE_NOT_ACTIVE``).
- Never retried: any other ConflictException or ValidationException, ResourceNotFoundException,
  AccessDeniedException.
- After a write the pool is waited for until ``ACTIVE`` again (``wait_until_active``).
- SSM (``GetParametersByPath``, ``GetParameter``, ``PutParameter``, ``DeleteParameter``) and
  CloudFormation (``DescribeStacks``, ``DescribeStackResource``) go through the same ``_call``:
  ``AWS_ENDPOINT_URL_SSM`` / ``AWS_ENDPOINT_URL_CLOUDFORMATION`` redirect them; their errors become
  ``ServiceError`` naming the operation, the parameter or stack, the code and the message.
- The scheduled drift check (``drift_check.py``) adds ``ListStackResources``, SSM ``GetParameters``,
  ``DescribePools`` of up to 5 pools and CloudWatch ``PutMetricData`` (``AWS_ENDPOINT_URL_CLOUDWATCH``),
  through the same ``_call``.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError, ConnectionError, HTTPClientError

from . import constants as c
from . import pacing
from .errors import (
    AccessDeniedError,
    DeadlineExceededError,
    OptOutListNotFoundError,
    PoolConflictError,
    PoolNotActiveError,
    PoolNotFoundError,
    PoolSettingsError,
    RetriesExhaustedError,
    RoleNotAssumableError,
    ServiceError,
    ServiceValidationError,
)
from .properties import Setting
from .timing import Budget, container_timeouts, forget_container_timeouts

SERVICE_NAME = "pinpoint-sms-voice-v2"
RETRYABLE_CODES = pacing.THROTTLING_CODES | {
    "InternalServerException",
    "ServiceUnavailable",
    "ServiceUnavailableException",
    # SSM's answer while another PutParameter of the same parameter runs.
    "TooManyUpdates",
}

# UpdatePool's answer while the role it was given cannot be assumed yet (a role created seconds before, not
# yet propagated): Terraform's pool resource retries a ValidationException whose message contains either
# text (hashicorp/terraform-provider-aws, internal/service/pinpointsmsvoicev2/pool.go,
# updatePoolWithIAMPropagation). RESOURCE_NOT_ACCESSIBLE is also a ValidationExceptionReason of botocore's
# model, so the Reason member is matched too.
ROLE_NOT_ASSUMABLE_TEXTS = ("Could not assume IAM role", "RESOURCE_NOT_ACCESSIBLE")
# UpdatePool on a pool that is not ACTIVE (ConflictExceptionReason of botocore's model).
NOT_ACTIVE = "RESOURCE_NOT_ACTIVE"

_clients: dict[str, Any] = {}
_client_lock = threading.Lock()


def get_client(service: str = SERVICE_NAME) -> Any:
    """Return the container's client of ``service``, built on first use with ``timing.container_timeouts()``.

    Args:
        service: the boto3 service name. Default: ``SERVICE_NAME`` (the SMS API).
    """
    if service not in _clients:
        with _client_lock:
            if service not in _clients:
                timeouts = container_timeouts()
                config = Config(
                    connect_timeout=timeouts.connect,
                    read_timeout=timeouts.read,
                    retries={"total_max_attempts": 1, "mode": "standard"},
                )
                _clients[service] = boto3.session.Session().client(service, config=config)
    return _clients[service]


def reset_client() -> None:
    """Drop the cached clients and timeouts: the next call reads the current environment (tests)."""
    with _client_lock:
        _clients.clear()
        forget_container_timeouts()


def _error_fields(exc: ClientError) -> tuple[str, str, Mapping[str, Any]]:
    error = exc.response.get("Error", {})
    return str(error.get("Code", "Unknown")), str(error.get("Message", "")), exc.response


def _wrap(operation: str, pool_id: str, params: Mapping[str, Any], exc: ClientError) -> PoolSettingsError:
    code, message, response = _error_fields(exc)
    error = response.get("Error", {})
    reason = response.get("Reason", error.get("Reason"))
    if code == "ResourceNotFoundException":
        if response.get("ResourceType", error.get("ResourceType")) == "opt-out-list":
            resource_id = response.get("ResourceId") or params.get(c.PROP_OPT_OUT_LIST_NAME) or "?"
            return OptOutListNotFoundError(operation, pool_id, str(resource_id), message)
        return PoolNotFoundError(operation, pool_id, message)
    if code == "ConflictException":
        return PoolConflictError(operation, pool_id, reason, message)
    if code == "ValidationException":
        if reason == ROLE_NOT_ASSUMABLE_TEXTS[1] or any(text in message for text in ROLE_NOT_ASSUMABLE_TEXTS):
            return RoleNotAssumableError(pool_id, params.get(c.PROP_TWO_WAY_CHANNEL_ROLE), reason, message)
        fields = [str(f.get("Name", "?")) for f in response.get("Fields", []) if isinstance(f, Mapping)]
        return ServiceValidationError(operation, pool_id, reason, fields, message)
    if code == "AccessDeniedException":
        return AccessDeniedError(operation, pool_id, reason, message)
    return ServiceError(operation, pool_id, code, message)


def _is_retryable(exc: ClientError) -> bool:
    code, _, response = _error_fields(exc)
    status = int(response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0) or 0)
    return code in RETRYABLE_CODES or status >= 500


def _call(
    operation: str,
    pool_id: str,
    method: Callable[..., Any],
    params: Mapping[str, Any],
    budget: Budget,
    sleep: Callable[[float], None] = time.sleep,
    wrap: Callable[[str, str, Mapping[str, Any], ClientError], PoolSettingsError] = _wrap,
) -> Any:
    started = time.monotonic()
    attempt = 0
    last_error, cause = "", None
    while True:
        if budget.remaining() <= 0:
            if attempt:  # a backoff sleep overshot the deadline: the last attempt's error is the cause
                raise RetriesExhaustedError(
                    operation, pool_id, attempt, time.monotonic() - started, last_error
                ) from cause
            raise DeadlineExceededError(f"{operation} {pool_id} not called: no time left before the deadline")
        attempt += 1
        try:
            return method(**params)
        except ClientError as exc:
            if not _is_retryable(exc):
                raise wrap(operation, pool_id, params, exc) from exc
            code, message, _ = _error_fields(exc)
            last_error, cause = f"{code}: {message}", exc
        except (ConnectionError, HTTPClientError) as exc:
            # Connection refused/reset, connect and read timeouts: the call may not have reached the
            # service, and both calls are idempotent, so trying again is safe.
            last_error, cause = type(exc).__name__, exc
        error_code = _error_fields(cause)[0] if isinstance(cause, ClientError) else ""
        delay = pacing.retry_delay(attempt, budget.timeouts, throttled=error_code in pacing.THROTTLING_CODES)
        if delay >= budget.remaining():
            raise RetriesExhaustedError(
                operation, pool_id, attempt, time.monotonic() - started, last_error
            ) from cause
        sleep(delay)


def describe_pool(pool_id: str, budget: Budget) -> dict[str, Any]:
    """Return the pool as ``DescribePools`` reports it.

    Raises:
        PoolNotFoundError: no such pool. Other ``PoolSettingsError`` subclasses as documented above.
    """
    answer = _call("DescribePools", pool_id, get_client().describe_pools, {"PoolIds": [pool_id]}, budget)
    pools = answer.get("Pools", [])
    if not pools:
        raise PoolNotFoundError("DescribePools", pool_id)
    return dict(pools[0])


def pools_with_tags(label: str, budget: Budget) -> list[tuple[str, list[dict[str, str]]]]:
    """Every pool the account owns in the region, with its tags: ``[(pool ARN, Tags), ...]``.

    Every page of ``DescribePools`` (``Owner`` ``SELF``: a pool shared from another account cannot be
    tagged here), then ``ListTagsForResource`` per pool, because ``DescribePools`` neither filters on
    tags nor returns them (its ``PoolFilterName`` values and ``PoolInformation`` members). A pool deleted
    between the two calls is left out. ``label`` names the lookup in Reasons (e.g. ``tag team=alerts``).
    """
    found: list[tuple[str, list[dict[str, str]]]] = []
    params: dict[str, Any] = {"Owner": "SELF"}
    sms = get_client()
    while True:
        answer = _call("DescribePools", label, sms.describe_pools, params, budget)
        for pool in answer.get("Pools", []):
            arn = str(pool["PoolArn"])
            try:
                tags = _call(
                    "ListTagsForResource",
                    arn,
                    sms.list_tags_for_resource,
                    {"ResourceArn": arn},
                    budget,
                )
            except PoolNotFoundError:
                continue
            found.append(
                (arn, [{"Key": str(t["Key"]), "Value": str(t["Value"])} for t in tags.get("Tags", [])])
            )
        if not answer.get("NextToken"):
            return found
        params = {**params, "NextToken": answer["NextToken"]}


def describe_active_pool(
    pool_id: str,
    budget: Budget,
    sleep: Callable[[float], None] = time.sleep,
    *,
    written: bool = False,
) -> dict[str, Any]:
    """Describe the pool, waiting while its status is ``CREATING`` (bounded by ``budget``).

    Args:
        written: the settings were already written (the Reasons say so). Default: False

    Raises:
        DeadlineExceededError: still CREATING when the deadline comes.
        PoolNotActiveError: the pool is DELETING.
    """
    outcome = "updated, not ACTIVE again" if written else "not updated"
    started = time.monotonic()
    while True:
        pool = describe_pool(pool_id, budget)
        status = str(pool.get("Status", ""))
        if status == "DELETING":
            raise PoolNotActiveError(pool_id, status, outcome)
        if status != "CREATING":
            return pool
        if budget.remaining() <= budget.timeouts.poll_interval:
            raise DeadlineExceededError(
                f"pool {pool_id} still CREATING after {time.monotonic() - started:.1f} s, {outcome}"
            )
        sleep(budget.timeouts.poll_interval)


def update_pool(
    pool_id: str,
    fields: Mapping[str, Setting],
    budget: Budget,
    *,
    live_role: str | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> dict[str, Any]:
    """Call ``UpdatePool`` and return its answer, trying again while the service cannot act yet.

    Transient errors are retried by ``_call``. Every ``budget.timeouts.poll_interval`` within the
    deadline it also tries again while the role cannot be assumed (for at most ``iam_propagation``
    seconds; Terraform's pool resource does the same for two minutes), and after
    ``ConflictException RESOURCE_NOT_ACTIVE`` once ``describe_active_pool`` finds the pool ACTIVE
    (Terraform waits for ACTIVE around every update).

    Args:
        live_role: the pool's current TwoWayChannelRole, named in the Reason when the write does not
            set one. Default: - none.

    Raises:
        RoleNotAssumableError: the role still could not be assumed when the retries stopped.
        DeadlineExceededError: the pool was still not ACTIVE for UpdatePool at the deadline.
    """
    params = {c.PROP_POOL_ID: pool_id, **fields}
    role = params.get(c.PROP_TWO_WAY_CHANNEL_ROLE) or live_role
    timeouts = budget.timeouts
    started, attempts = time.monotonic(), 0
    while True:
        attempts += 1
        try:
            answer = _call("UpdatePool", pool_id, get_client().update_pool, params, budget, sleep)
            return {k: v for k, v in answer.items() if k != "ResponseMetadata"}
        except RoleNotAssumableError as exc:
            seconds = time.monotonic() - started
            if min(budget.remaining(), timeouts.iam_propagation - seconds) <= timeouts.poll_interval:
                raise RoleNotAssumableError(
                    pool_id, str(role or ""), exc.code, exc.aws_message, attempts, seconds
                ) from exc
            sleep(timeouts.poll_interval)
        except PoolConflictError as exc:
            if exc.code != NOT_ACTIVE:
                raise
            if budget.remaining() <= timeouts.poll_interval:
                raise DeadlineExceededError(
                    f"pool {pool_id} not ACTIVE for UpdatePool after {time.monotonic() - started:.1f} s, "
                    "not updated",
                    exc.reason,
                ) from exc
            sleep(timeouts.poll_interval)
            describe_active_pool(pool_id, budget, sleep)  # CREATING: waits; DELETING: raises


def wait_until_active(
    pool_id: str,
    answer: Mapping[str, Any],
    budget: Budget,
    sleep: Callable[[float], None] = time.sleep,
) -> dict[str, Any]:
    """The pool once ``ACTIVE`` after a write: ``answer`` itself when it says ACTIVE (no call), else polled.

    Terraform's pool resource waits for ACTIVE after every update (``waitPoolActive``). UpdatePool's own
    answer carries the pool's Status, so the common case costs no DescribePools.

    Raises:
        DeadlineExceededError: still CREATING at the deadline (the settings were written).
        PoolNotActiveError: the pool is DELETING.
    """
    if answer.get("Status") == "ACTIVE":
        return dict(answer)
    return describe_active_pool(pool_id, budget, sleep, written=True)


# --- SSM Parameter Store: the records ---------------------------------------------------------------
def _wrap_other(
    operation: str, target: str, params: Mapping[str, Any], exc: ClientError
) -> PoolSettingsError:
    code, message, _ = _error_fields(exc)
    return ServiceError(operation, target, code, message)


def _other(
    operation: str,
    target: str,
    method: Callable[..., Any],
    params: Mapping[str, Any],
    budget: Budget,
) -> Any:
    return _call(operation, target, method, params, budget, wrap=_wrap_other)


def list_records(path: str, budget: Budget) -> dict[str, dict[str, Any]]:
    """Every parameter under ``path`` (recursively, every page): name -> the parameter as SSM reports
    it (``Value``, ``LastModifiedDate``, ...)."""
    found: dict[str, dict[str, Any]] = {}
    params: dict[str, Any] = {"Path": path, "Recursive": True}
    method = get_client("ssm").get_parameters_by_path
    while True:
        answer = _other("GetParametersByPath", path, method, params, budget)
        found.update({str(p["Name"]): dict(p) for p in answer.get("Parameters", [])})
        if not answer.get("NextToken"):
            return found
        params["NextToken"] = answer["NextToken"]


def get_record(name: str, budget: Budget) -> str | None:
    """The value of parameter ``name``, or None when there is none (``ParameterNotFound``)."""
    method = get_client("ssm").get_parameter
    try:
        answer = _other("GetParameter", name, method, {"Name": name}, budget)
    except ServiceError as exc:
        if exc.code == "ParameterNotFound":
            return None
        raise
    return str(answer["Parameter"]["Value"])


def put_record(name: str, value: str, budget: Budget) -> None:
    """Create or overwrite parameter ``name`` (a Standard ``String``)."""
    params = {"Name": name, "Value": value, "Type": "String", "Overwrite": True, "Tier": "Standard"}
    _other("PutParameter", name, get_client("ssm").put_parameter, params, budget)


def delete_record(name: str, budget: Budget) -> None:
    """Delete parameter ``name``; one already gone is fine."""
    method = get_client("ssm").delete_parameter
    try:
        _other("DeleteParameter", name, method, {"Name": name}, budget)
    except ServiceError as exc:
        if exc.code != "ParameterNotFound":
            raise


# A resource in one of these statuses is no longer part of its stack (CloudFormation User Guide, "Resource
# status codes"; DELETE_SKIPPED: removed from the stack with DeletionPolicy Retain).
GONE_STATUSES = ("DELETE_COMPLETE", "DELETE_SKIPPED")


# --- CloudFormation: is this a rollback, is that owner still there -----------------------------------
def stack_status(stack_id: str, budget: Budget) -> str:
    """The ``StackStatus`` of the stack ``stack_id`` (the handler's own, from the event)."""
    method = get_client("cloudformation").describe_stacks
    answer = _other("DescribeStacks", stack_id, method, {"StackName": stack_id}, budget)
    return str(answer["Stacks"][0]["StackStatus"])


def resource_exists(stack_id: str, logical_id: str, budget: Budget) -> bool:
    """Whether stack ``stack_id`` still has resource ``logical_id``.

    False when CloudFormation answers ``ValidationError`` "... does not exist" (no such stack, or no such
    resource in it), or reports the resource ``DELETE_COMPLETE`` or ``DELETE_SKIPPED`` (deleted, or
    retained out of the stack: either way no longer the stack's).
    """
    params = {"StackName": stack_id, "LogicalResourceId": logical_id}
    method = get_client("cloudformation").describe_stack_resource
    try:
        answer = _other("DescribeStackResource", stack_id, method, params, budget)
    except ServiceError as exc:
        if exc.code == "ValidationError" and "does not exist" in exc.aws_message:
            return False
        raise
    return str(answer["StackResourceDetail"].get("ResourceStatus")) not in GONE_STATUSES


# --- The scheduled drift check (drift_check.py) -------------------------------------------------------
def stack_resources(stack_id: str, resource_type: str, budget: Budget) -> dict[str, str]:
    """Logical ID -> physical ID of every ``resource_type`` resource of the stack (``ListStackResources``,
    every page); a resource without a physical ID yet maps to ``""``."""
    found: dict[str, str] = {}
    params: dict[str, Any] = {"StackName": stack_id}
    method = get_client("cloudformation").list_stack_resources
    while True:
        answer = _other("ListStackResources", stack_id, method, params, budget)
        for summary in answer.get("StackResourceSummaries", []):
            if summary.get("ResourceType") == resource_type:
                found[str(summary["LogicalResourceId"])] = str(summary.get("PhysicalResourceId") or "")
        if not answer.get("NextToken"):
            return found
        params = {**params, "NextToken": answer["NextToken"]}


def get_records(names: Sequence[str], budget: Budget) -> dict[str, str]:
    """Name -> value of the parameters ``names`` that exist (``GetParameters``, at most 10 names)."""
    method = get_client("ssm").get_parameters
    answer = _other("GetParameters", ", ".join(names), method, {"Names": list(names)}, budget)
    return {str(p["Name"]): str(p["Value"]) for p in answer.get("Parameters", [])}


def describe_pools(pool_ids: Sequence[str], budget: Budget) -> list[dict[str, Any]]:
    """The pools ``pool_ids`` (IDs or ARNs, at most 5) as ``DescribePools`` reports them.

    Raises:
        PoolNotFoundError: one of them does not exist (the service then answers for none).
    """
    label = ", ".join(pool_ids)
    answer = _call("DescribePools", label, get_client().describe_pools, {"PoolIds": list(pool_ids)}, budget)
    return [dict(pool) for pool in answer.get("Pools", [])]


def put_metric_data(namespace: str, data: Sequence[Mapping[str, Any]], budget: Budget) -> None:
    """Publish ``data`` (at most 1,000 datapoints) to CloudWatch under ``namespace`` (``PutMetricData``;
    ``AWS_ENDPOINT_URL_CLOUDWATCH`` redirects it)."""
    params = {"Namespace": namespace, "MetricData": list(data)}
    _other("PutMetricData", namespace, get_client("cloudwatch").put_metric_data, params, budget)
