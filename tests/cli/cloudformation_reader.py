"""CloudFormation's read-only answers about stacks the local driver deployed, on 127.0.0.1, for the CLI.

The driver's own stand-in (``sms_pool_settings_local.deploy.cloudformation_api``) serves the handler
during a deploy command: ``DescribeStacks`` (no parameters) and ``DescribeStackResource``, and stops with
the command. The CLI reads a stack after the deploy, with ``DescribeStacks`` (parameters as deployed),
``ListStackResources``, ``GetTemplate`` and ``ListExports``; this server answers them from exactly what
the driver kept (its state files) and the template it deployed, in the query protocol botocore speaks
(API version 2010-05-15; XML shapes of botocore's ``cloudformation`` model):

- a stack it does not know: ``ValidationError`` ``Stack with id <name> does not exist`` (CloudFormation
  API Reference, DescribeStacks; boto/boto3#2807), HTTP 400;
- a region is its own CloudFormation: a stack and an export are found only in the region the request
  is signed for (CloudFormation User Guide, "Exporting stack output values": exports are per account
  and region);
- parameters: the value each had in the deploy (``StackState.parameters``), else its ``Default``, as
  DescribeStacks lists every parameter of a stack; a ``NoEcho`` parameter's value as asterisks
  (CloudFormation User Guide, "Parameters", NoEcho: "the parameter value is masked with asterisks").

Anything else answers ``InvalidAction``. Needed because the driver's stand-in does not serve these calls
(see the report of issue 10's CLI).
"""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs
from xml.sax.saxutils import escape

from sms_pool_settings_local.deploy.state import StackState

NAMESPACE = "http://cloudformation.amazonaws.com/doc/2010-05-15/"
TIME = "2026-12-01T00:00:00.000Z"


@dataclass(frozen=True)
class Published:
    state: StackState
    template: Mapping[str, Any]
    statuses: Mapping[str, str]  # logical ID -> ResourceStatus (default CREATE_COMPLETE)

    def parameters(self) -> dict[str, str]:
        declared = self.template.get("Parameters") or {}
        values = {name: str(spec["Default"]) for name, spec in declared.items() if "Default" in spec}
        values.update({name: str(value) for name, value in self.state.parameters.items() if name in declared})
        masked = {name for name, spec in declared.items() if str(spec.get("NoEcho", "")).lower() == "true"}
        return {name: "****" if name in masked else value for name, value in values.items()}


class ApiError(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code, self.message = code, message


def _member(members: Mapping[str, str | None]) -> str:
    return (
        "<member>"
        + "".join(f"<{k}>{escape(v)}</{k}>" for k, v in members.items() if v is not None)
        + "</member>"
    )


class CloudFormationReader:
    """The server; ``publish`` a stack after the driver deployed it, ``forget`` it after a destroy."""

    def __init__(self) -> None:
        self._stacks: dict[str, Published] = {}
        self._lock = threading.Lock()
        self.calls: list[dict[str, str]] = []
        reader = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                form = parse_qs(self.rfile.read(length).decode(), keep_blank_values=True)
                params = {k: v[0] for k, v in form.items()}
                # The region the request is signed for: Credential=<key>/<date>/<region>/<service>/...
                scope = self.headers.get("Authorization", "").partition("Credential=")[2].split("/")
                status, body = reader.answer(params, scope[2] if len(scope) > 2 else "")
                payload = body.encode()
                self.send_response(status)
                self.send_header("Content-Type", "text/xml")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, format: str, *args: Any) -> None:
                return None

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        host, port = self._server.server_address[:2]
        self.endpoint_url = f"http://{host!s}:{port}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self) -> CloudFormationReader:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()

    # --- what the driver deployed -----------------------------------------------------------------
    def publish(
        self, state: StackState, template: Mapping[str, Any], statuses: Mapping[str, str] | None = None
    ) -> None:
        """Answer for ``state`` (its status is the stack's), each resource ``CREATE_COMPLETE`` unless
        ``statuses`` says otherwise."""
        with self._lock:
            self._stacks[state.stack_name] = Published(state, template, dict(statuses or {}))

    def forget(self, stack_name: str) -> None:
        with self._lock:
            self._stacks.pop(stack_name, None)

    # --- the API ----------------------------------------------------------------------------------
    def answer(self, params: Mapping[str, str], region: str) -> tuple[int, str]:
        action = params.get("Action", "")
        with self._lock:
            self.calls.append(dict(params))
            try:
                operation = {
                    "DescribeStacks": self.describe_stacks,
                    "ListStackResources": self.list_stack_resources,
                    "GetTemplate": self.get_template,
                    "ListExports": self.list_exports,
                }.get(action)
                if operation is None:
                    raise ApiError("InvalidAction", "The action or operation requested is invalid.")
                result = operation(params, region)
            except ApiError as exc:
                return 400, (
                    f'<ErrorResponse xmlns="{NAMESPACE}"><Error><Type>Sender</Type><Code>{exc.code}</Code>'
                    f"<Message>{escape(exc.message)}</Message></Error>"
                    f"<RequestId>{uuid.uuid4()}</RequestId></ErrorResponse>"
                )
        return 200, (
            f'<{action}Response xmlns="{NAMESPACE}"><{action}Result>{result}</{action}Result>'
            f"<ResponseMetadata><RequestId>{uuid.uuid4()}</RequestId></ResponseMetadata></{action}Response>"
        )

    def _in_region(self, region: str) -> list[Published]:
        """The stacks of the request's region: CloudFormation is a regional service."""
        return [p for p in self._stacks.values() if p.state.stack_id.split(":")[3] == region]

    def _find(self, params: Mapping[str, str], region: str) -> Published:
        name = params.get("StackName", "")
        for published in self._in_region(region):
            if name in (published.state.stack_name, published.state.stack_id):
                return published
        raise ApiError("ValidationError", f"Stack with id {name} does not exist")

    def describe_stacks(self, params: Mapping[str, str], region: str) -> str:
        published = self._find(params, region)
        state = published.state
        parameters = "".join(
            _member({"ParameterKey": k, "ParameterValue": v}) for k, v in published.parameters().items()
        )
        inner = (
            f"<StackId>{escape(state.stack_id)}</StackId><StackName>{escape(state.stack_name)}</StackName>"
            f"<CreationTime>{TIME}</CreationTime><StackStatus>{escape(state.status)}</StackStatus>"
            f"<Parameters>{parameters}</Parameters>"
        )
        return f"<Stacks><member>{inner}</member></Stacks>"

    def list_stack_resources(self, params: Mapping[str, str], region: str) -> str:
        published = self._find(params, region)
        state = published.state
        summaries = "".join(
            _member(
                {
                    "LogicalResourceId": logical,
                    "PhysicalResourceId": res.physical_id or None,
                    "ResourceType": res.type,
                    "LastUpdatedTimestamp": TIME,
                    "ResourceStatus": published.statuses.get(logical, "CREATE_COMPLETE"),
                }
            )
            for logical, res in sorted(state.resources.items())
        )
        return f"<StackResourceSummaries>{summaries}</StackResourceSummaries>"

    def get_template(self, params: Mapping[str, str], region: str) -> str:
        body = json.dumps(self._find(params, region).template)
        stages = "<StagesAvailable><member>Original</member><member>Processed</member></StagesAvailable>"
        return f"<TemplateBody>{escape(body)}</TemplateBody>{stages}"

    def list_exports(self, params: Mapping[str, str], region: str) -> str:
        exports = "".join(
            _member(
                {"ExportingStackId": p.state.stack_id, "Name": str(o["Export"]), "Value": str(o["Value"])}
            )
            for p in self._in_region(region)
            for o in p.state.outputs.values()
            if o.get("Export")
        )
        return f"<Exports>{exports}</Exports>"
