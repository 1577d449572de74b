"""The AWS services the handler reaches besides SMS, for one driver command, on ``127.0.0.1``.

- **SSM Parameter Store** (the handler's records): moto's ``ThreadedMotoServer`` (``moto_server.py``).
  Each driver command is a new process, so the parameters are carried from one command to the next in
  ``<state_dir>/ssm-parameters.json``, next to the emulator's ``emulator.json``: put back with
  ``PutParameter`` when the server starts, read with ``GetParametersByPath /`` (every region the file
  holds and the command's own) after every resource operation and when it stops, written atomically.
  Only moto's public API and plain SSM calls are used (``deploy.client.SsmClient``). moto keeps
  its backends per process, so they are emptied (``/moto-api/reset``) before the file is put back: two
  ``StandIns`` must not serve handlers at the same time in one process.
- **CloudFormation** (``DescribeStacks``, ``DescribeStackResource`` for the handler;
  ``ListStackResources``, ``GetTemplate``, ``ListExports`` for ``sms-pool-settings drift``):
  ``cloudformation_api.py``,
  whose directory ``StackMirror`` keeps equal to what the driver knows, at every event.

The handler is pointed at them only through ``AWS_ENDPOINT_URL_SSM`` and
``AWS_ENDPOINT_URL_CLOUDFORMATION`` in its Lambda environment, as at the SMS emulator. A variable the
user already set is respected: that service is not started, the handler inherits the variable, and
nothing of it is persisted (the user's server keeps its own state; a CloudFormation endpoint the
driver did not start is not fed by it).
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Mapping
from pathlib import Path
from types import TracebackType
from typing import Any

from sms_pool_settings_local.deploy.client import SsmClient
from sms_pool_settings_local.deploy.cloudformation_api import CloudFormationApi, Output, StackDirectory
from sms_pool_settings_local.deploy.errors import StateError
from sms_pool_settings_local.deploy.output import STACK_TYPE, Event
from sms_pool_settings_local.deploy.state import StackState
from sms_pool_settings_local.moto_server import MotoServer

SSM_VARIABLE = "AWS_ENDPOINT_URL_SSM"
CLOUDFORMATION_VARIABLE = "AWS_ENDPOINT_URL_CLOUDFORMATION"
SSM_STATE_FILE = "ssm-parameters.json"
SSM_STATE_VERSION = 1
# What DescribeStackResource reports for a resource at rest whose last event was in an earlier command
# (the driver's state does not keep resource statuses; the handler only tells DELETE_* from the rest).
AT_REST = "CREATE_COMPLETE"
# The stack statuses that end an update or its rollback: resources deleted in it are no longer the
# stack's (a deleted stack keeps them, DELETE_COMPLETE; a failed first create too: User Guide, "Stack
# status codes").
_UPDATE_ENDS = ("UPDATE_COMPLETE", "UPDATE_ROLLBACK_COMPLETE", "UPDATE_ROLLBACK_FAILED")


class StandIns:
    """SSM (moto) and CloudFormation (the driver's directory) for one command; a context manager.

    Args:
        state_dir: where ``ssm-parameters.json`` lives.
        region: the command's region (the handler's). Default: "us-east-1"
        environ: where the user's variables are read. Default: - ``os.environ``
    """

    def __init__(
        self, state_dir: str | Path, region: str = "us-east-1", environ: Mapping[str, str] | None = None
    ) -> None:
        self.state_file = Path(state_dir) / SSM_STATE_FILE
        self.region = region
        given = os.environ if environ is None else environ
        self.given_ssm = given.get(SSM_VARIABLE) or None
        self.given_cloudformation = given.get(CLOUDFORMATION_VARIABLE) or None
        self._moto: MotoServer | None = None
        self._api: CloudFormationApi | None = None
        self._regions: set[str] = {region}

    # ----------------------------------------------------------------------------------------------
    def start(self) -> StandIns:
        """Start what the user did not give; put the saved parameters back into moto.

        Raises:
            StateError: ``ssm-parameters.json`` is not this module's JSON, naming the file.
        """
        if self.given_ssm is None:
            self._moto = MotoServer().start()
            # moto's backends belong to the process, shared by every moto server in it: emptied first
            # (moto's reset endpoint), the server holds exactly this state directory's parameters.
            self._moto.reset()
            self._restore()
        if self.given_cloudformation is None:
            self._api = CloudFormationApi().start()
        return self

    def stop(self) -> None:
        """Save the parameters, then stop both servers."""
        try:
            self.save()
        finally:
            if self._moto is not None:
                self._moto.stop()
                self._moto = None
            if self._api is not None:
                self._api.stop()
                self._api = None

    def __enter__(self) -> StandIns:
        return self.start()

    def __exit__(
        self, kind: type[BaseException] | None, value: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.stop()

    # ----------------------------------------------------------------------------------------------
    @property
    def environment(self) -> dict[str, str]:
        """The variables the handler's Lambda environment gets: only those of the servers started here."""
        env: dict[str, str] = {}
        if self._moto is not None:
            env[SSM_VARIABLE] = self._moto.endpoint_url
        if self._api is not None:
            env[CLOUDFORMATION_VARIABLE] = self._api.endpoint_url
        return env

    @property
    def ssm_endpoint_url(self) -> str | None:
        """The SSM endpoint the handler uses: the one started here, else the user's, else None."""
        return self._moto.endpoint_url if self._moto is not None else self.given_ssm

    @property
    def directory(self) -> StackDirectory | None:
        """The CloudFormation stand-in's directory; None when the user gave a CloudFormation endpoint."""
        return self._api

    def mirror(self, state: StackState) -> StackMirror:
        """A ``StackMirror`` of ``state`` on this command's directory, the stack published at rest."""
        mirror = StackMirror(self._api, state)
        mirror.publish()
        return mirror

    # ----------------------------------------------------------------------------------------------
    def save(self) -> None:
        """Write every parameter moto holds (the regions seen) to ``ssm-parameters.json``, atomically."""
        if self._moto is None:
            return
        regions = {
            region: [
                {k: p[k] for k in ("Name", "Type", "Value", "DataType") if k in p}
                for p in SsmClient(self._moto.endpoint_url, region).parameters()
            ]
            for region in sorted(self._regions)
        }
        document = {"version": SSM_STATE_VERSION, "regions": regions}
        self.state_file.parent.mkdir(parents=True, exist_ok=True)
        fd, temp = tempfile.mkstemp(dir=self.state_file.parent, prefix=f".{self.state_file.name}.")
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            json.dump(document, out, indent=1, sort_keys=True)
        os.replace(temp, self.state_file)

    def _restore(self) -> None:
        assert self._moto is not None
        if not self.state_file.exists():
            return
        try:
            document: Any = json.loads(self.state_file.read_text(encoding="utf-8"))
        except ValueError as exc:
            raise StateError(f"{self.state_file} must be JSON, got an unreadable file: {exc}") from None
        if not isinstance(document, dict) or document.get("version") != SSM_STATE_VERSION:
            version = document.get("version") if isinstance(document, dict) else document
            raise StateError(f"{self.state_file}: version must be {SSM_STATE_VERSION}, got {version!r}")
        for region, parameters in dict(document.get("regions") or {}).items():
            self._regions.add(region)
            ssm = SsmClient(self._moto.endpoint_url, region)
            for p in parameters:
                ssm.put_parameter(p["Name"], p["Value"], p.get("Type", "String"), p.get("DataType", "text"))


class StackMirror:
    """Keeps one stack's entry of a ``StackDirectory`` equal to the driver's truth.

    The stack's status is the one of its latest stack event (as ``DescribeStacks`` reports it: also
    ``UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS``, which the state never holds); each resource's
    status the one of its latest event, its physical ID the state's. A delete event of another physical
    resource than the one the logical ID now names (a replacement's old resource in the cleanup, a
    leftover) changes nothing: the logical ID is still the stack's. When an update or its rollback ends,
    resources the state no longer has are gone from the stack.

    Args:
        directory: the directory to keep. None: nothing to keep (the user's CloudFormation endpoint).
        state: the stack as the driver has it (the same object the deployment changes).
    """

    def __init__(self, directory: StackDirectory | None, state: StackState) -> None:
        self.directory = directory
        self.state = state
        self._resources: dict[str, tuple[str, str, str | None]] = {}  # logical -> status, type, physical

    def publish(self) -> None:
        """The stack at rest, as the state has it (a stack never deployed is not published)."""
        if self.directory is None or not self.state.status or self.state.status == "REVIEW_IN_PROGRESS":
            return
        self.directory.set_stack(self.state.stack_id, self.state.status, logical_ids=[])
        self._resources = {}
        self.applied(self.state)
        self._details()

    def event(self, event: Event) -> None:
        """Take one event into the directory (called before the event is printed)."""
        if self.directory is None:
            return
        if event.resource_type == STACK_TYPE and event.logical_id == self.state.stack_name:
            self.directory.set_stack(self.state.stack_id, event.status)
            if event.status in _UPDATE_ENDS:
                self._settle()
            self._details()
            return
        known = self._resources.get(event.logical_id)
        physical = event.physical_id or (known[2] if known else None)
        if event.status.startswith("DELETE_") and known and known[2] and physical != known[2]:
            return  # another physical resource of this logical ID (see the class docstring)
        self._put(event.logical_id, event.status, event.resource_type, physical)

    def applied(self, state: StackState) -> None:
        """After a resource operation: resources new to the directory, and the physical IDs they have."""
        if self.directory is None:
            return
        for logical, res in list(state.resources.items()):
            known = self._resources.get(logical)
            if known is None:
                self._put(logical, AT_REST, res.type, res.physical_id)
            elif known[2] != res.physical_id:
                self._put(logical, known[0], res.type, res.physical_id)

    def _details(self) -> None:
        """The template, parameter values and outputs the state has (GetTemplate, DescribeStacks)."""
        assert self.directory is not None
        outputs = [
            Output(key, str(spec.get("Value")), spec.get("Export") or None)
            for key, spec in sorted(self.state.outputs.items())
        ]
        self.directory.set_stack_details(
            self.state.stack_id,
            template=self.state.template or None,
            parameters={k: str(v) for k, v in self.state.parameters.items()},
            outputs=outputs,
        )

    def _settle(self) -> None:
        assert self.directory is not None
        for logical in [name for name in self._resources if name not in self.state.resources]:
            del self._resources[logical]
            self.directory.remove_resource(self.state.stack_id, logical)
        for logical, res in self.state.resources.items():
            known = self._resources.get(logical)
            if known is None or known[2] != res.physical_id or known[0].startswith("DELETE_COMPLETE"):
                # The rollback of a replacement: the old resource is the stack's again.
                self._put(logical, "UPDATE_COMPLETE", res.type, res.physical_id)

    def _put(self, logical: str, status: str, resource_type: str, physical: str | None) -> None:
        assert self.directory is not None
        self._resources[logical] = (status, resource_type, physical)
        self.directory.set_resource(
            self.state.stack_id, logical, status, resource_type=resource_type, physical_id=physical
        )
