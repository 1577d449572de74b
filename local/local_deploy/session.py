"""The local account one command works in: an emulated SMS endpoint, a response receiver, state files.

``LocalAccount`` either connects to an emulator already running (``endpoint_url``) or starts one in this
process for the duration of the command, loading and saving its state in ``<state_dir>/emulator.json``.
Stack state lives in ``<state_dir>/stacks/<stack>.json``. Both are written atomically.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from response_receiver import ResponseReceiver
from sms_emulator import ACCOUNT_ID, EmulatorControl, EmulatorServer

from local_deploy.client import SmsClient
from local_deploy.drift import Difference, compare, managed_resources
from local_deploy.engine import Deployment
from local_deploy.errors import StateError
from local_deploy.intrinsics import pseudo_parameters
from local_deploy.invoker import DEFAULT_LAMBDA_TIMEOUT, CustomResourceProvider, Function
from local_deploy.output import Event, EventLog
from local_deploy.providers import (
    NOT_APPLIED_TYPES,
    NotAppliedProvider,
    OptOutListProvider,
    PoolProvider,
    provider_lookup,
)
from local_deploy.state import StackState, StateStore
from local_deploy.template import Template

DEFAULT_STATE_DIR = ".local-state"
DEFAULT_REGION = "us-east-1"


@dataclass
class Result:
    """What a deploy or destroy did: ``ok``, the events, and the custom resource requests sent."""

    ok: bool
    events: list[Event] = field(default_factory=list)
    requests: list[dict[str, Any]] = field(default_factory=list)


class LocalAccount:
    """An emulated account for one command (a context manager).

    Args:
        state_dir: where stack and emulator state live. Default: ".local-state"
        endpoint_url: an emulator already running. Default: None (start one in-process on a free port,
            with its state in ``<state_dir>/emulator.json``)
        region: the region resources are created in. Default: "us-east-1"
        stream: where progress lines go. Default: - standard output.

    Example:
        >>> with LocalAccount() as account:  # doctest: +SKIP
        ...     account.deploy(read_assembly("cdk.out")).ok
    """

    def __init__(
        self,
        state_dir: str | Path = DEFAULT_STATE_DIR,
        endpoint_url: str | None = None,
        region: str = DEFAULT_REGION,
        stream: TextIO | None = None,
    ) -> None:
        self.state_dir = Path(state_dir)
        self.store = StateStore(self.state_dir)
        self.region = region
        self.stream = stream
        self._given_endpoint = endpoint_url
        self._server: EmulatorServer | None = None
        self._receiver: ResponseReceiver | None = None

    def __enter__(self) -> LocalAccount:
        if self._given_endpoint is None:
            self._server = EmulatorServer(state_file=self.state_dir / "emulator.json")
            self._server.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._receiver is not None:
            self._receiver.stop()
            self._receiver = None
        if self._server is not None:
            self._server.stop()
            self._server = None

    @property
    def endpoint_url(self) -> str:
        """The SMS endpoint in use."""
        if self._given_endpoint is not None:
            return self._given_endpoint
        if self._server is None:
            raise RuntimeError("LocalAccount is not entered")
        return self._server.endpoint_url

    @property
    def control(self) -> EmulatorControl:
        """The emulator's control API (seed pools, inject faults)."""
        return EmulatorControl(self.endpoint_url)

    def sms(self) -> SmsClient:
        """An SMS client on this account's endpoint."""
        return SmsClient(self.endpoint_url, self.region, dummy_credentials=True)

    def _receiver_started(self) -> ResponseReceiver:
        if self._receiver is None:
            self._receiver = ResponseReceiver().start()
        return self._receiver

    # ----------------------------------------------------------------------------------------------
    def deploy(self, template: Template) -> Result:
        """Deploy ``template`` (create, or update from the stack's state). Prints one line per event."""
        state = self.store.load(template.stack_name) or self._new_state(template.stack_name)
        log = EventLog(template.stack_name, self.stream)
        not_applied = sorted(
            f"{name} ({res['Type']})"
            for name, res in template.resources.items()
            if res["Type"] in NOT_APPLIED_TYPES
        )
        if not_applied:
            log.note(f"Not applied locally (they only run the handler in AWS): {', '.join(not_applied)}")
        if template.rules:
            log.note(
                f"Rules not evaluated locally (no CDK bootstrap stack here): {', '.join(template.rules)}"
            )
        deployment, custom = self._deployment(template, state, log)
        ok = deployment.deploy()
        self._finish(state)
        return Result(ok, log.events, custom.requests)

    def destroy(self, stack_name: str) -> Result:
        """Delete the stack's resources in reverse dependency order and forget its state.

        Raises:
            StateError: the stack has no state (never deployed here, or already destroyed).
        """
        state = self.store.load(stack_name)
        if state is None or not state.resources:
            raise StateError(
                f"stack {stack_name!r} has no local state in {self.state_dir}: nothing to destroy"
            )
        log = EventLog(stack_name, self.stream)
        deployment, custom = self._deployment(None, state, log)
        ok = deployment.destroy()
        self._finish(state)
        return Result(ok, log.events, custom.requests)

    def drift(self, stack_name: str, sms: SmsClient | None = None) -> list[Difference]:
        """Compare each deployed ``Custom::SmsPoolSettings`` with its live pool; changes nothing.

        Args:
            stack_name: the stack.
            sms: the client to read pools with. Default: - this account's endpoint.

        Raises:
            StateError: the stack has no state.
            DeployError: a pool cannot be described (its Reason says why).
        """
        state = self.store.load(stack_name)
        if state is None or not state.resources:
            raise StateError(f"stack {stack_name!r} has no local state in {self.state_dir}: deploy it first")
        return drift_of(state, sms or self.sms())

    # ----------------------------------------------------------------------------------------------
    def _new_state(self, stack_name: str) -> StackState:
        stack_id = f"arn:aws:cloudformation:{self.region}:{ACCOUNT_ID}:stack/{stack_name}/{uuid.uuid4()}"
        return StackState(stack_name, stack_id)

    def _finish(self, state: StackState) -> None:
        if state.status in ("DELETE_COMPLETE", "ROLLBACK_COMPLETE") and not state.resources:
            self.store.delete(state.stack_name)
        else:
            self.store.save(state)

    def _deployment(
        self, template: Template | None, state: StackState, log: EventLog
    ) -> tuple[Deployment, CustomResourceProvider]:
        sms = self.sms()

        def function_for(token: str) -> Function | None:
            for res in state.resources.values():
                if res.type == "AWS::Lambda::Function" and res.attributes.get("Arn") == token:
                    timeout = float(res.properties.get("Timeout", DEFAULT_LAMBDA_TIMEOUT))
                    return Function(res.physical_id, str(res.properties.get("Handler", "")), timeout)
            return None

        custom = CustomResourceProvider(
            function_for, self._receiver_started(), self.endpoint_url, state.stack_id, self.region
        )
        lookup = provider_lookup(
            pool=PoolProvider(sms),
            opt_out_list=OptOutListProvider(sms, state.stack_name, ACCOUNT_ID),
            custom=lambda _type: custom,
            not_applied=NotAppliedProvider(state.stack_name, self.region, ACCOUNT_ID),
        )
        pseudo = pseudo_parameters(
            region=self.region, account=ACCOUNT_ID, stack_name=state.stack_name, stack_id=state.stack_id
        )
        deployment = Deployment(template, state, lookup, pseudo, log, on_change=self.store.save)
        return deployment, custom


def drift_of(state: StackState, sms: SmsClient) -> list[Difference]:
    """The drifted settings of every ``Custom::SmsPoolSettings`` in ``state``, read with ``sms``."""
    differences: list[Difference] = []
    for logical in managed_resources(state.resources):
        properties = state.resources[logical].properties
        pool = sms.describe_pool(str(properties.get("PoolId")))
        differences += compare(logical, properties, pool)
    return differences
