"""Every AWS call of the CLI (CloudFormation, SSM, SMS), read only, each failure one ``CliError`` line.

The clients come from one ``boto3.Session``, so everything the SDK reads on its own applies unchanged:
``AWS_PROFILE``, ``AWS_REGION``/``AWS_DEFAULT_REGION``, credentials, ``AWS_ENDPOINT_URL`` and
``AWS_ENDPOINT_URL_<SERVICE>``, ``AWS_RETRY_MODE``/``AWS_MAX_ATTEMPTS`` and the profile's settings. A
throttled call has been retried by the SDK before it is reported.

The calls, and the IAM action each needs (docs/cli.md has the policy):

- CloudFormation ``DescribeStacks`` (stack ID, status, parameters as deployed), ``ListStackResources``
  (logical and physical IDs, types), and for a resource without a record ``GetTemplate`` and
  ``ListExports``.
- SSM ``GetParameters`` on the records, ``parameter/sms-pool-settings/*``.
- SMS ``DescribePools`` (IAM prefix ``sms-voice``).
"""

from __future__ import annotations

import functools
import json
import os
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

import boto3
from botocore.exceptions import BotoCoreError, ClientError
from pool_settings_handler.drift import RECORDS_BATCH, batches, described

from sms_pool_settings_cli.errors import AwsCallError, CliError, StackNotFoundError

# CloudFormation answers DescribeStacks for a stack it does not know with ValidationError "Stack with id
# <name> does not exist" (CloudFormation API Reference, DescribeStacks; boto/boto3#2807).
STACK_NOT_FOUND_CODE = "ValidationError"
STACK_NOT_FOUND_WORDS = "does not exist"
# The error codes of a denied call (IAM User Guide, "Troubleshoot access denied error messages": query
# APIs such as CloudFormation's answer AccessDenied, JSON APIs such as SSM's and SMS's
# AccessDeniedException) and of a throttled one (CloudFormation: Throttling; SSM and SMS:
# ThrottlingException; both are among the codes botocore's standard retry mode retries as throttling).
ACCESS_DENIED_CODES = frozenset({"AccessDenied", "AccessDeniedException"})
THROTTLING_CODES = frozenset({"Throttling", "ThrottlingException", "TooManyRequestsException"})
SMS_SERVICE = "pinpoint-sms-voice-v2"
# Messages from AWS are cut to this length, so an error stays one readable line.
MAX_AWS_MESSAGE = 300

T = TypeVar("T")


@dataclass(frozen=True)
class DeployedStack:
    """A stack as DescribeStacks reports it.

    Attributes:
        parameters: parameter name -> value as deployed (the ``ResolvedValue`` of an SSM parameter
            type, else ``ParameterValue``; a ``NoEcho`` parameter's value reads ``****``).
    """

    name: str
    stack_id: str
    status: str
    parameters: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class StackResource:
    """One resource of a stack, as ListStackResources reports it (no physical ID before it is created)."""

    logical_id: str
    resource_type: str
    status: str
    physical_id: str | None = None


def session(
    region: str | None = None, profile: str | None = None, environ: Mapping[str, str] = os.environ
) -> boto3.Session:
    """The SDK session: ``region`` and ``profile`` when given, else whatever the SDK finds itself.

    The region is ``region``, else ``AWS_REGION``, else what boto3 reads (``AWS_DEFAULT_REGION``, then
    the profile's ``region``). ``AWS_REGION`` is the SDKs' standard variable and overrides
    ``AWS_DEFAULT_REGION`` and the profile (AWS SDKs and Tools Reference Guide, "AWS Region"; AWS CLI
    User Guide, "Environment variables": AWS_REGION); botocore reads only ``AWS_DEFAULT_REGION``
    (botocore/configprovider.py), so it is read here.

    Raises:
        CliError: the profile does not exist, or no region is configured anywhere.
    """
    try:
        made = boto3.Session(region_name=region or environ.get("AWS_REGION") or None, profile_name=profile)
    except BotoCoreError as exc:  # ProfileNotFound
        raise CliError(f"--profile {profile}: {exc}") from None
    if not made.region_name:
        raise CliError("no region: give --region, or set AWS_REGION or the profile's region")
    return made


class Aws:
    """The read-only calls the CLI makes, through clients of ``boto_session`` made on first use.

    Example:
        >>> Aws(session("us-east-1")).stack("Messaging").stack_id  # doctest: +SKIP
        'arn:aws:cloudformation:us-east-1:123456789012:stack/Messaging/...'
    """

    def __init__(self, boto_session: boto3.Session) -> None:
        self.session = boto_session
        self.region = str(boto_session.region_name)
        self._clients: dict[str, Any] = {}

    def _client(self, service: str) -> Any:
        """The client of ``service``, made once.

        Raises:
            CliError: the SDK cannot make it (an endpoint variable that is not a URL, ...).
        """
        if service not in self._clients:
            try:
                self._clients[service] = self.session.client(service)
            except (BotoCoreError, ValueError) as exc:  # botocore: ValueError("Invalid endpoint: ...")
                raise CliError(f"no {service} client: {' '.join(str(exc).split())}") from None
        return self._clients[service]

    # --- CloudFormation ---------------------------------------------------------------------------
    def stack(self, name: str) -> DeployedStack:
        """DescribeStacks of one stack.

        Raises:
            StackNotFoundError: CloudFormation has no stack ``name`` in this region.
            AwsCallError: any other failure.
        """
        try:
            answer = self._client("cloudformation").describe_stacks(StackName=name)
        except ClientError as exc:
            code, message = _error(exc)
            if code == STACK_NOT_FOUND_CODE and STACK_NOT_FOUND_WORDS in message:
                raise StackNotFoundError(
                    f"stack {name} not found in {self.region} (DescribeStacks: {code}: {message})"
                ) from None
            raise _call_error("DescribeStacks", f"stack {name}", exc) from None
        except BotoCoreError as exc:
            raise _call_error("DescribeStacks", f"stack {name}", exc) from None
        stack = answer["Stacks"][0]
        parameters = {
            p["ParameterKey"]: str(p.get("ResolvedValue", p.get("ParameterValue", "")))
            for p in stack.get("Parameters", [])
        }
        return DeployedStack(stack["StackName"], stack["StackId"], stack["StackStatus"], parameters)

    def resources(self, stack_name: str) -> list[StackResource]:
        """ListStackResources, every page.

        Raises:
            AwsCallError: the call failed (naming the stack).
        """
        pages = self._pages("cloudformation", "list_stack_resources", StackName=stack_name)
        return [
            StackResource(
                r["LogicalResourceId"], r["ResourceType"], r["ResourceStatus"], r.get("PhysicalResourceId")
            )
            for page in _guard("ListStackResources", f"stack {stack_name}", lambda: list(pages))
            for r in page.get("StackResourceSummaries", [])
        ]

    def template(self, stack_name: str) -> dict[str, Any]:
        """GetTemplate, as CloudFormation processed it (transforms expanded), parsed from JSON.

        Raises:
            AwsCallError: the call failed.
            CliError: the template is not JSON (a YAML template cannot be read back here).
        """
        answer = _guard(
            "GetTemplate",
            f"stack {stack_name}",
            lambda: self._client("cloudformation").get_template(
                StackName=stack_name, TemplateStage="Processed"
            ),
        )
        body = answer.get("TemplateBody")
        if isinstance(body, str):  # botocore decodes a JSON body itself; a string left is YAML
            try:
                body = json.loads(body)
            except ValueError:
                raise CliError(
                    f"GetTemplate stack {stack_name}: the template is not JSON (YAML is not read back)"
                ) from None
        if not isinstance(body, dict):
            raise CliError(
                f"GetTemplate stack {stack_name}: expected a template object, got {type(body).__name__}"
            )
        return dict(body)

    def exports(self) -> dict[str, str]:
        """ListExports of the region, every page: export name -> value."""
        pages = self._pages("cloudformation", "list_exports")
        return {
            e["Name"]: e["Value"]
            for page in _guard("ListExports", f"region {self.region}", lambda: list(pages))
            for e in page.get("Exports", [])
        }

    # --- SSM --------------------------------------------------------------------------------------
    def parameters(self, names: Sequence[str]) -> dict[str, str]:
        """GetParameters of ``names``, 10 at a time (its limit): name -> value, for the names that exist."""
        found: dict[str, str] = {}
        for batch in batches(names, RECORDS_BATCH):
            ask = functools.partial(self._client("ssm").get_parameters, Names=list(batch))
            answer = _guard("GetParameters", ", ".join(batch), ask)
            found.update({p["Name"]: p["Value"] for p in answer.get("Parameters", [])})
        return found

    # --- SMS --------------------------------------------------------------------------------------
    def pools(self, pools: Sequence[str]) -> dict[str, dict[str, Any]]:
        """DescribePools of ``pools`` (IDs or ARNs; a shared pool needs its ARN), batched as
        ``pool_settings_handler.drift.described`` does for the scheduled check.

        Returns:
            each of ``pools`` that exists -> its DescribePools entry; the missing ones are left out.
        """
        found = described(pools, self._describe_pools, _PoolNotFound)
        return {pool: dict(entry) for pool, entry in found.items() if entry is not None}

    def _describe_pools(self, batch: Sequence[str]) -> list[dict[str, Any]]:
        pages = self._pages(SMS_SERVICE, "describe_pools", PoolIds=list(batch))
        target = ", ".join(batch)
        try:
            return [pool for page in pages for pool in page.get("Pools", [])]
        except ClientError as exc:
            if _error(exc)[0] == "ResourceNotFoundException":
                raise _PoolNotFound from None
            raise _call_error("DescribePools", target, exc) from None
        except BotoCoreError as exc:
            raise _call_error("DescribePools", target, exc) from None

    def _pages(self, service: str, operation: str, **kwargs: Any) -> Iterator[dict[str, Any]]:
        return iter(self._client(service).get_paginator(operation).paginate(**kwargs))


class _PoolNotFound(Exception):
    pass


def _guard(operation: str, target: str, call: Callable[[], T]) -> T:
    try:
        return call()
    except (ClientError, BotoCoreError) as exc:
        raise _call_error(operation, target, exc) from None


def _error(exc: ClientError) -> tuple[str, str]:
    error = exc.response.get("Error", {})
    return str(error.get("Code", "")), " ".join(str(error.get("Message", "")).split())[:MAX_AWS_MESSAGE]


def _call_error(operation: str, target: str, exc: ClientError | BotoCoreError) -> AwsCallError:
    """One line: the operation and what it was asked about first, the cause, AWS's words last."""
    if isinstance(exc, BotoCoreError):  # no credentials, no connection, a bad endpoint ...
        return AwsCallError(f"{operation} {target} failed: {' '.join(str(exc).split())}")
    code, message = _error(exc)
    if code in ACCESS_DENIED_CODES:
        return AwsCallError(
            f"{operation} {target} denied (the read-only policy in docs/cli.md allows it): {code}: {message}"
        )
    if code in THROTTLING_CODES:
        attempts = exc.response.get("ResponseMetadata", {}).get("RetryAttempts", 0)
        retries = f"{attempts} {'retry' if attempts == 1 else 'retries'}"
        return AwsCallError(
            f"{operation} {target} throttled, still after {retries} of the SDK: {code}: {message}"
        )
    return AwsCallError(f"{operation} {target} failed: {code}: {message}")


__all__ = ["Aws", "CliError", "DeployedStack", "StackResource", "session"]
