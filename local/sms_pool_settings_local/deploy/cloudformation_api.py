"""CloudFormation's read calls over loopback, fed by a deploy driver: ``DescribeStacks``,
``DescribeStackResource``, ``ListStackResources``, ``GetTemplate`` and ``ListExports``.

moto's CloudFormation cannot run this project's custom resources, and only the deploy driver knows the
statuses of the stacks it runs, so the driver (or a test) tells this server what CloudFormation would
answer, and real boto3 reads it through ``AWS_ENDPOINT_URL_CLOUDFORMATION``:

    with CloudFormationApi() as api:
        api.set_stack(stack_id, "CREATE_IN_PROGRESS", logical_ids=["Settings1", "Settings2"])
        api.set_stack(stack_id, "ROLLBACK_IN_PROGRESS")                    # resources kept
        api.set_resource(stack_id, "Settings2", "DELETE_COMPLETE")
        api.set_stack(stack_id, "DELETE_COMPLETE")   # found by stack ID only, as CloudFormation keeps it
        api.forget_stack(stack_id)                   # unknown, as after CloudFormation's 90 days
        api.set_stack_details(stack_id, template={...}, parameters={"Stage": "prod"},
                              outputs=[Output("PoolArn", "arn:...", export="Shared:PoolArn")])

The handler reads a stack's status and its resources' (``DescribeStacks``, ``DescribeStackResource``);
``sms-pool-settings drift``/``status`` read the stack's parameters as deployed (``DescribeStacks``), its
resources (``ListStackResources``), its template (``GetTemplate``) and the region's exports
(``ListExports``: the exports of every stack of the region not deleted, as CloudFormation lists them).

The protocol is CloudFormation's query protocol as botocore sends it (API version 2010-05-15): a
form-encoded ``POST /`` with ``Action``, ``Version`` and the parameters; answers are XML in the
shape of botocore's ``cloudformation`` model; errors are ``<ErrorResponse>`` documents with the codes
and words CloudFormation uses:

- ``ValidationError`` (HTTP 400) ``Stack with id <StackName> does not exist`` for a name or ID it does
  not know, and for the name (not the ID) of a deleted stack: DescribeStacks "returns ... deleted
  stacks ... only if you specify the unique stack ID" (CloudFormation API Reference, DescribeStacks);
  the wording is botocore's own report of the service's answer (boto/boto3#2807).
- ``ValidationError`` ``Resource <LogicalResourceId> does not exist for stack <stack name>``
  (DescribeStackResource of a logical ID the stack does not have; the words of the service as users
  report them, e.g. aws-samples/amazon-rekognition-video-analyzer#23, and as moto answers, getmoto/moto#4186).
- ``ValidationError`` ``1 validation error detected: Value null at '<member>' failed to satisfy
  constraint: Member must not be null`` for a required parameter that is missing.
- ``InvalidAction`` (HTTP 400) for any other action ("Common errors", CloudFormation API Reference).

CloudFormation is regional: a request sees only the stacks (and the exports) of the region it is signed
for, so a stack of eu-west-1 is ``Stack with id ... does not exist`` to a us-east-1 client. The region is
read from the SigV4 credential scope of the ``Authorization`` header (see ``signed_region``); a stack's
region is the one of its stack ID. A ``NoEcho`` parameter's value is masked in ``DescribeStacks``
(see ``NO_ECHO_MASK``).

No signature is checked and no IAM is evaluated. Independent of the handler's code.
"""

from __future__ import annotations

import datetime
import json
import re
import threading
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any
from urllib.parse import parse_qs
from xml.sax.saxutils import escape

API_VERSION = "2010-05-15"
NAMESPACE = f"http://cloudformation.amazonaws.com/doc/{API_VERSION}/"
STACK_ID_RE = re.compile(
    r"arn:aws[a-z-]*:cloudformation:[a-z0-9-]+:\d{12}:stack/(?P<name>[A-Za-z][A-Za-z0-9-]*)/.+"
)
DELETED = "DELETE_COMPLETE"
CUSTOM_RESOURCE_TYPE = "AWS::CloudFormation::CustomResource"
# "If you set the NoEcho attribute to true, CloudFormation returns the parameter value masked as
# asterisks (*****) for any calls that describe the stack" (CloudFormation User Guide, "CloudFormation
# template Parameters syntax", NoEcho; parameters-section-structure.html). DescribeStacks answers four.
NO_ECHO_MASK = "****"
# SigV4: "Credential=<access key>/<YYYYMMDD>/<region>/<service>/aws4_request" (IAM User Guide, "Create a
# signed AWS API request"; the same credential scope as X-Amz-Credential, STS API Reference, "Common
# Parameters").
CREDENTIAL_SCOPE_RE = re.compile(r"Credential=[^/,\s]+/\d{8}/(?P<region>[a-z0-9-]+)/[^/,\s]+/aws4_request")


def signed_region(authorization: str | None) -> str:
    """The region a request is signed for, from its ``Authorization`` header's credential scope.

    Returns "" for an unsigned request: no region, so it finds no stack.

    Example:
        >>> signed_region("AWS4-HMAC-SHA256 Credential=AKID/20261201/eu-west-1/cloudformation/aws4_request, "
        ...               "SignedHeaders=host, Signature=00")
        'eu-west-1'
    """
    match = CREDENTIAL_SCOPE_RE.search(authorization or "")
    return match.group("region") if match else ""


def _now() -> str:
    return datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


@dataclass(frozen=True)
class StackResource:
    """One resource of a stack, as DescribeStackResource reports it."""

    logical_id: str
    status: str = "CREATE_COMPLETE"
    resource_type: str = CUSTOM_RESOURCE_TYPE
    physical_id: str | None = None
    updated: str = field(default_factory=_now)


@dataclass(frozen=True)
class Output:
    """One output of a stack: its key, its value and, when exported, the export's name."""

    key: str
    value: str
    export: str | None = None


@dataclass(frozen=True)
class Stack:
    """One stack, as DescribeStacks reports it (and GetTemplate its template)."""

    stack_id: str
    name: str
    status: str
    resources: Mapping[str, StackResource]
    created: str = field(default_factory=_now)
    parameters: Mapping[str, str] = field(default_factory=dict)
    outputs: tuple[Output, ...] = ()
    template: Mapping[str, Any] | None = None

    @property
    def region(self) -> str:
        """The stack's region: the one of its ID (``arn:<p>:cloudformation:<region>:...``)."""
        return self.stack_id.split(":")[3]

    def described_parameters(self) -> dict[str, str]:
        """The parameter values as DescribeStacks lists them: a ``NoEcho`` one masked (``NO_ECHO_MASK``)."""
        declared = (self.template or {}).get("Parameters") or {}
        masked = {
            name
            for name, spec in declared.items()
            if isinstance(spec, Mapping) and str(spec.get("NoEcho", "false")).lower() == "true"
        }
        return {k: NO_ECHO_MASK if k in masked else v for k, v in sorted(self.parameters.items())}


class CloudFormationApiError(ValueError):
    """A caller of the directory gave a value CloudFormation could not have (names the value)."""


def stack_name_of(stack_id: str) -> str:
    """The stack's name, read from its ID ``arn:<p>:cloudformation:<region>:<account>:stack/<name>/<id>``.

    Raises:
        CloudFormationApiError: ``stack_id`` is not a stack ID.
    """
    match = STACK_ID_RE.fullmatch(stack_id)
    if match is None:
        raise CloudFormationApiError(
            "stack_id must be arn:<partition>:cloudformation:<region>:<account>:stack/<name>/<id>, "
            f"got {stack_id!r}"
        )
    return match.group("name")


class StackDirectory:
    """What CloudFormation knows about stacks: a thread-safe in-memory directory the driver updates."""

    def __init__(self) -> None:
        self._stacks: dict[str, Stack] = {}
        self._lock = threading.Lock()
        self._calls: list[dict[str, str]] = []

    def set_stack(self, stack_id: str, status: str, logical_ids: Iterable[str] | None = None) -> None:
        """Create or update a stack: its status and, when given, exactly these logical IDs.

        Args:
            logical_ids: the resources the stack has now; one already known keeps its state, a new one
                is ``CREATE_COMPLETE``. Default: - the resources are kept as they are.

        ``DELETE_COMPLETE`` also marks every resource not already ``DELETE_*`` (``DELETE_SKIPPED`` for
        a retained one) ``DELETE_COMPLETE``, as CloudFormation reports a deleted stack's resources.
        """
        name = stack_name_of(stack_id)
        with self._lock:
            known = self._stacks.get(stack_id)
            resources = dict(known.resources) if known else {}
            if logical_ids is not None:
                wanted = list(logical_ids)
                resources = {lid: resources.get(lid) or StackResource(lid) for lid in wanted}
            if status == DELETED:  # a deleted stack's resources are deleted, but those skipped (Retain)
                resources = {
                    k: v if v.status.startswith("DELETE_") else replace(v, status=DELETED, updated=_now())
                    for k, v in resources.items()
                }
            if known:
                self._stacks[stack_id] = replace(known, status=status, resources=resources)
            else:
                self._stacks[stack_id] = Stack(stack_id, name, status, resources)

    def set_resource(
        self,
        stack_id: str,
        logical_id: str,
        status: str,
        *,
        resource_type: str = CUSTOM_RESOURCE_TYPE,
        physical_id: str | None = None,
    ) -> None:
        """Set one resource's status (adding it when new) in a known stack.

        Raises:
            CloudFormationApiError: the stack is not in the directory.
        """
        with self._lock:
            stack = self._known(stack_id)
            resource = StackResource(logical_id, status, resource_type, physical_id)
            self._stacks[stack_id] = replace(stack, resources={**stack.resources, logical_id: resource})

    def set_stack_details(
        self,
        stack_id: str,
        *,
        template: Mapping[str, Any] | None,
        parameters: Mapping[str, str],
        outputs: Iterable[Output],
    ) -> None:
        """What a deploy gave a known stack: its template, parameter values and outputs.

        Raises:
            CloudFormationApiError: the stack is not in the directory.
        """
        with self._lock:
            stack = self._known(stack_id)
            self._stacks[stack_id] = replace(
                stack, template=template, parameters=dict(parameters), outputs=tuple(outputs)
            )

    def remove_resource(self, stack_id: str, logical_id: str) -> None:
        """The stack no longer has ``logical_id`` (removed from its template and deleted)."""
        with self._lock:
            stack = self._known(stack_id)
            rest = {k: v for k, v in stack.resources.items() if k != logical_id}
            self._stacks[stack_id] = replace(stack, resources=rest)

    def forget_stack(self, stack_id: str) -> None:
        """CloudFormation no longer knows the stack at all (never created, or deleted over 90 days ago)."""
        with self._lock:
            self._stacks.pop(stack_id, None)

    def clear(self) -> None:
        """Forget every stack and the call log."""
        with self._lock:
            self._stacks.clear()
            self._calls.clear()

    def stacks(self) -> dict[str, Stack]:
        """A snapshot of every stack, by ID."""
        with self._lock:
            return dict(self._stacks)

    def calls(self, action: str | None = None) -> list[dict[str, str]]:
        """The requests received (``Action`` and parameters), oldest first."""
        with self._lock:
            return [dict(c) for c in self._calls if action is None or c.get("Action") == action]

    def _known(self, stack_id: str) -> Stack:
        stack = self._stacks.get(stack_id)
        if stack is None:
            raise CloudFormationApiError(f"stack_id {stack_id!r} is not in the directory: set_stack it first")
        return stack

    # --- the API's view ---------------------------------------------------------------------------
    def record(self, params: Mapping[str, str]) -> None:
        with self._lock:
            self._calls.append(dict(params))

    def find(self, name_or_id: str, region: str | None = None) -> Stack | None:
        """The stack CloudFormation answers for ``StackName``: by ID any stack, by name a live one.

        Args:
            region: the region the request is signed for; a stack of another region is not found.
                Default: - any region (the directory's own view, not a request's).
        """
        with self._lock:
            stacks = self._in(region)
            by_id = [s for s in stacks if s.stack_id == name_or_id]
            live = [s for s in stacks if s.name == name_or_id and s.status != DELETED]
            found = by_id or live
            return found[0] if found else None

    def live_stacks(self, region: str | None = None) -> list[Stack]:
        """The stacks not deleted (of ``region``, as ``find``). Default: - of any region."""
        with self._lock:
            return [s for s in self._in(region) if s.status != DELETED]

    def _in(self, region: str | None) -> list[Stack]:
        return [s for s in self._stacks.values() if region is None or s.region == region]


class ApiError(Exception):
    def __init__(self, code: str, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.code, self.message, self.status = code, message, status


def _required(params: Mapping[str, str], name: str) -> str:
    value = params.get(name)
    if not value:
        member = name[0].lower() + name[1:]
        raise ApiError(
            "ValidationError",
            f"1 validation error detected: Value null at '{member}' failed to satisfy constraint: "
            "Member must not be null",
        )
    return value


def _structure(tag: str, members: Mapping[str, str | None]) -> str:
    """``<tag>`` holding one element per member, in order; a None member is left out."""
    inner = "".join(f"<{k}>{escape(v)}</{k}>" for k, v in members.items() if v is not None)
    return f"<{tag}>{inner}</{tag}>"


def _members(tag: str, items: Iterable[Mapping[str, str | None]]) -> str:
    """``<tag>`` holding one ``<member>`` per item (a query protocol list)."""
    return f"<{tag}>" + "".join(_structure("member", item) for item in items) + f"</{tag}>"


def _stack_xml(stack: Stack) -> str:
    members = {"StackId": stack.stack_id, "StackName": stack.name, "CreationTime": stack.created}
    parameters = _members(
        "Parameters",
        ({"ParameterKey": k, "ParameterValue": v} for k, v in stack.described_parameters().items()),
    )
    outputs = _members(
        "Outputs",
        ({"OutputKey": o.key, "OutputValue": o.value, "ExportName": o.export} for o in stack.outputs),
    )
    inner = _structure("member", {**members, "StackStatus": stack.status})
    return inner.removesuffix("</member>") + parameters + outputs + "</member>"


def _find(directory: StackDirectory, name: str, region: str) -> Stack:
    stack = directory.find(name, region)
    if stack is None:
        raise ApiError("ValidationError", f"Stack with id {name} does not exist")
    return stack


def describe_stacks(directory: StackDirectory, params: Mapping[str, str], region: str) -> str:
    """The ``DescribeStacksResult`` body for ``params``."""
    name = params.get("StackName")
    stacks = [_find(directory, name, region)] if name else directory.live_stacks(region)
    return "<Stacks>" + "".join(_stack_xml(s) for s in stacks) + "</Stacks>"


def describe_stack_resource(directory: StackDirectory, params: Mapping[str, str], region: str) -> str:
    """The ``DescribeStackResourceResult`` body for ``params``."""
    name = _required(params, "StackName")
    logical_id = _required(params, "LogicalResourceId")
    stack = _find(directory, name, region)
    resource = stack.resources.get(logical_id)
    if resource is None:
        raise ApiError("ValidationError", f"Resource {logical_id} does not exist for stack {stack.name}")
    detail = {
        "StackName": stack.name,
        "StackId": stack.stack_id,
        "LogicalResourceId": resource.logical_id,
        "PhysicalResourceId": resource.physical_id,
        "ResourceType": resource.resource_type,
        "LastUpdatedTimestamp": resource.updated,
    }
    return _structure("StackResourceDetail", {**detail, "ResourceStatus": resource.status})


def list_stack_resources(directory: StackDirectory, params: Mapping[str, str], region: str) -> str:
    """The ``ListStackResourcesResult`` body: every resource in one page (no ``NextToken``)."""
    stack = _find(directory, _required(params, "StackName"), region)
    return _members(
        "StackResourceSummaries",
        (
            {
                "LogicalResourceId": r.logical_id,
                "PhysicalResourceId": r.physical_id,
                "ResourceType": r.resource_type,
                "LastUpdatedTimestamp": r.updated,
                "ResourceStatus": r.status,
            }
            for r in stack.resources.values()
        ),
    )


# GetTemplate's TemplateStage takes Original or Processed (CloudFormation API Reference, GetTemplate);
# the driver expands no transform, so both are the template as deployed.
TEMPLATE_STAGES = ("Original", "Processed")


def get_template(directory: StackDirectory, params: Mapping[str, str], region: str) -> str:
    """The ``GetTemplateResult`` body: the template as JSON text (botocore parses it back)."""
    stack = _find(directory, _required(params, "StackName"), region)
    stage = params.get("TemplateStage", "Original")
    if stage not in TEMPLATE_STAGES:
        raise ApiError(
            "ValidationError",
            f"1 validation error detected: Value '{stage}' at 'templateStage' failed to satisfy "
            f"constraint: Member must satisfy enum value set: [{', '.join(TEMPLATE_STAGES)}]",
        )
    if stack.template is None:
        raise ApiError("ValidationError", f"Stack with id {stack.name} has no template in the directory")
    body = escape(json.dumps(stack.template, sort_keys=True))
    stages = "".join(f"<member>{name}</member>" for name in TEMPLATE_STAGES)
    return f"<TemplateBody>{body}</TemplateBody><StagesAvailable>{stages}</StagesAvailable>"


def list_exports(directory: StackDirectory, params: Mapping[str, str], region: str) -> str:
    """The ``ListExportsResult`` body: the exports of every stack of ``region`` not deleted, in one page
    (exports are per account and region: CloudFormation User Guide, "Exporting stack output values")."""
    return _members(
        "Exports",
        (
            {"ExportingStackId": s.stack_id, "Name": o.export, "Value": o.value}
            for s in directory.live_stacks(region)
            for o in s.outputs
            if o.export
        ),
    )


ACTIONS = {
    "DescribeStacks": describe_stacks,
    "DescribeStackResource": describe_stack_resource,
    "ListStackResources": list_stack_resources,
    "GetTemplate": get_template,
    "ListExports": list_exports,
}


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        form = parse_qs(self.rfile.read(length).decode("utf-8"), keep_blank_values=True)
        params = {key: values[0] for key, values in form.items()}
        self.server.directory.record(params)
        action = params.get("Action", "")
        request_id = str(uuid.uuid4())
        try:
            operation = ACTIONS.get(action)
            if operation is None or params.get("Version") != API_VERSION:
                raise ApiError(
                    "InvalidAction",
                    "The action or operation requested is invalid. "
                    "Verify that the action is typed correctly.",
                )
            result = operation(
                self.server.directory, params, signed_region(self.headers.get("Authorization"))
            )
        except ApiError as exc:
            body = (
                f'<ErrorResponse xmlns="{NAMESPACE}"><Error><Type>Sender</Type>'
                f"<Code>{escape(exc.code)}</Code><Message>{escape(exc.message)}</Message></Error>"
                f"<RequestId>{request_id}</RequestId></ErrorResponse>"
            )
            self._answer(exc.status, body)
            return
        body = (
            f'<{action}Response xmlns="{NAMESPACE}"><{action}Result>{result}</{action}Result>'
            f"<ResponseMetadata><RequestId>{request_id}</RequestId></ResponseMetadata></{action}Response>"
        )
        self._answer(200, body)

    def _answer(self, status: int, body: str) -> None:
        payload = body.encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "text/xml")
        self.send_header("Content-Length", str(len(payload)))
        self.send_header("x-amzn-RequestId", str(uuid.uuid4()))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, format: str, *args: Any) -> None:
        return None


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address: tuple[str, int], directory: StackDirectory) -> None:
        self.directory = directory
        super().__init__(address, _Handler)


class CloudFormationApi(StackDirectory):
    """The directory served over HTTP on ``127.0.0.1`` in a daemon thread.

    Args:
        port: the port. Default: 0 (a free one; ``endpoint_url`` after ``start``).
    """

    def __init__(self, port: int = 0) -> None:
        super().__init__()
        self._server = _Server(("127.0.0.1", port), self)
        self._thread: threading.Thread | None = None
        host, bound = self._server.server_address[:2]
        self.endpoint_url = f"http://{host!s}:{bound}"

    def start(self) -> CloudFormationApi:
        """Serve in a daemon thread (the socket already listens)."""
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="cloudformation-api", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and close the socket."""
        self._server.shutdown()
        self._server.server_close()
        if self._thread:
            self._thread.join()

    def __enter__(self) -> CloudFormationApi:
        return self.start()

    def __exit__(
        self, kind: type[BaseException] | None, value: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.stop()
