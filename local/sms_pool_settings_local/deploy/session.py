"""The local account one command works in: an emulated SMS endpoint, a response receiver, state files.

``LocalAccount`` either connects to an emulator already running (``endpoint_url``) or starts one in this
process for the duration of the command, loading and saving its state in ``<state_dir>/emulator.json``.
Stack state lives in ``<state_dir>/stacks/<stack>.json`` for the default environment (account
123456789012, us-east-1), else in ``<state_dir>/environments/<account>-<region>/stacks/<stack>.json``, so
one stack name deployed to two environments keeps two states. Both are written atomically.

Another account (``account=``) is the emulator's, by access key (``EmulatorControl.set_account``): the
driver's own calls sign with ``local-<account>`` and the handler runs with ``AWS_ACCESS_KEY_ID``
``handler-<account>``, both mapped to the account, so the two never see another account's pools.
"""

from __future__ import annotations

import dataclasses
import re
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from sms_pool_settings_local.deploy import lint
from sms_pool_settings_local.deploy.client import SmsClient
from sms_pool_settings_local.deploy.engine import DEFAULT_MAX_PARALLEL, Deployment, StackStatusError
from sms_pool_settings_local.deploy.errors import StateError
from sms_pool_settings_local.deploy.exports import Exports
from sms_pool_settings_local.deploy.iam import DEFAULT_ROLE_PROPAGATION_SECONDS, IamGate, RoleRegistrar
from sms_pool_settings_local.deploy.intrinsics import pseudo_parameters
from sms_pool_settings_local.deploy.invoker import (
    DEFAULT_LAMBDA_TIMEOUT,
    DEFAULT_MAXIMUM_RETRY_ATTEMPTS,
    CustomResourceProvider,
    Function,
)
from sms_pool_settings_local.deploy.output import Event, EventLog, construct_paths
from sms_pool_settings_local.deploy.providers import (
    EVENT_INVOKE_CONFIG_TYPE,
    NOT_APPLIED_TYPES,
    NotAppliedProvider,
    OptOutListProvider,
    PoolProvider,
    provider_lookup,
)
from sms_pool_settings_local.deploy.stand_ins import StackMirror, StandIns
from sms_pool_settings_local.deploy.state import StackState, StateStore
from sms_pool_settings_local.deploy.template import Template
from sms_pool_settings_local.emulator import ACCOUNT_ID, EmulatorControl, EmulatorServer, policies_for_role
from sms_pool_settings_local.response_receiver import ResponseReceiver

# In the directory a command runs in, as `cdk` puts cdk.out there (the command's --state-dir).
DEFAULT_STATE_DIR = ".sms-pool-settings-local"
DEFAULT_REGION = "us-east-1"
# The access keys of the default account: the driver's SmsClient ("local") and the handler's
# (offline_env.DUMMY_CREDENTIALS, "testing"); neither is mapped, so both act in ACCOUNT_ID.
DRIVER_KEY_PREFIX = "local"
HANDLER_KEY_PREFIX = "handler"


def environment_dir(state_dir: str | Path, account: str = ACCOUNT_ID, region: str = DEFAULT_REGION) -> Path:
    """Where the stack state of ``account`` and ``region`` lives under ``state_dir`` (see above)."""
    if (account, region) == (ACCOUNT_ID, DEFAULT_REGION):
        return Path(state_dir)
    return Path(state_dir) / "environments" / f"{account}-{region}"


@dataclass
class Result:
    """What a deploy or destroy did: ``ok``, the events, and the custom resource requests sent."""

    ok: bool
    events: list[Event] = field(default_factory=list)
    requests: list[dict[str, Any]] = field(default_factory=list)


class LocalAccount:
    """An emulated account for one command (a context manager).

    Args:
        state_dir: where stack and emulator state live. Default: ".sms-pool-settings-local"
        endpoint_url: an emulator already running. Default: None (start one in-process on a free port,
            with its state in ``<state_dir>/emulator.json``)
        region: the region resources are created in. Default: "us-east-1"
        stream: where progress lines go. Default: - standard output.
        max_parallel: resource operations at once; 1 is the serial walk (``--serial``). Default: 4
        lint: run cfn-lint on every template before a deploy. Default: True
        enforce_iam: while a custom resource's handler runs, the emulator enforces the policies of the
            function's role (see ``iam.py``). Default: True
        role_propagation_seconds: each role the driver creates becomes assumable by the service this
            long after its creation (IAM's eventual consistency). Default: 0
        account: the 12-digit account deployed to, one of the emulator's (see above).
            Default: ``sms_pool_settings_local.emulator.ACCOUNT_ID`` (123456789012)

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
        max_parallel: int = DEFAULT_MAX_PARALLEL,
        lint: bool = True,
        enforce_iam: bool = True,
        role_propagation_seconds: float = DEFAULT_ROLE_PROPAGATION_SECONDS,
        account: str = ACCOUNT_ID,
    ) -> None:
        if not re.fullmatch(r"\d{12}", account):
            raise StateError(f"account must be 12 digits, got {account!r}")
        self.account = account
        self.max_parallel = max_parallel
        self.lint = lint
        self.enforce_iam = enforce_iam
        self.role_propagation_seconds = role_propagation_seconds
        self.state_dir = Path(state_dir)
        self.store = StateStore(environment_dir(self.state_dir, account, region))
        self.region = region
        self.stream = stream
        self._given_endpoint = endpoint_url
        self._server: EmulatorServer | None = None
        self._receiver: ResponseReceiver | None = None
        self.stand_ins: StandIns | None = None

    def __enter__(self) -> LocalAccount:
        if self._given_endpoint is None:
            self._server = EmulatorServer(state_file=self.state_dir / "emulator.json")
            self._server.start()
        if self.account != ACCOUNT_ID:
            for key in (self._key(DRIVER_KEY_PREFIX), self._key(HANDLER_KEY_PREFIX)):
                self.control.set_account(key, self.account)
        return self

    @property
    def driver_access_key(self) -> str | None:
        """The access key the driver's own calls sign with in this account; None: the default account's
        (any key acts there)."""
        return self._key(DRIVER_KEY_PREFIX)

    def _key(self, prefix: str) -> str | None:
        """The access key of the driver or the handler in this account; None: the default account's."""
        return f"{prefix}-{self.account}" if self.account != ACCOUNT_ID else None

    def __exit__(self, *exc: object) -> None:
        if self.stand_ins is not None:
            self.stand_ins.stop()
            self.stand_ins = None
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
        return SmsClient(
            self.endpoint_url, self.region, dummy_credentials=True, access_key_id=self._key(DRIVER_KEY_PREFIX)
        )

    def stand_ins_started(self) -> StandIns:
        """SSM and CloudFormation for the handler (``stand_ins.py``), started with the first command
        that runs handlers; every stack of this environment is published to CloudFormation's directory."""
        if self.stand_ins is None:
            self.stand_ins = StandIns(self.state_dir, self.region).start()
            for name in self.store.stacks():
                state = self.store.load(name)
                if state is not None:
                    StackMirror(self.stand_ins.directory, state).publish()
        return self.stand_ins

    def _receiver_started(self) -> ResponseReceiver:
        if self._receiver is None:
            self._receiver = ResponseReceiver().start()
        return self._receiver

    # ----------------------------------------------------------------------------------------------
    def deploy(self, template: Template, parameters: dict[str, str] | None = None) -> Result:
        """Deploy ``template`` (create, or update from the stack's state). Prints one line per event.

        cfn-lint runs first, then every property of every resource is resolved: an error in either
        stops the deploy before any change.

        Args:
            template: the stack's template.
            parameters: ``--parameters`` values. Default: - previous values, then defaults.

        Raises:
            TemplateError: cfn-lint errors, or anything the driver refuses in the template.
            StackStatusError: the stack's status allows no update (ROLLBACK_COMPLETE ...).
        """
        self._check_environment(template)
        state = self.store.load(template.stack_name) or self._new_state(template.stack_name)
        log = EventLog(
            template.stack_name, self.stream, construct_paths(template.stack_name, template.resources)
        )
        if self.lint:
            for finding in lint.check(template.stack_name, template.body, self.region):
                log.note(f"cfn-lint: {finding}")
        not_applied = sorted(
            f"{name} ({res['Type']})"
            for name, res in template.resources.items()
            if res["Type"] in NOT_APPLIED_TYPES
        )
        if not_applied:
            log.note(f"Recorded, not applied locally (Ref and Fn::GetAtt resolve): {', '.join(not_applied)}")
        if template.rules:
            log.note(
                f"Rules not evaluated locally (no CDK bootstrap stack here): {', '.join(template.rules)}"
            )
        if self.enforce_iam:
            roles = [
                f"{name} ({len(policies_for_role(template.body, name))} policy document(s))"
                for name, res in template.resources.items()
                if res["Type"] == "AWS::IAM::Role" and policies_for_role(template.body, name)
            ]
            if roles:
                log.note(
                    f"IAM enforced in the emulator while a handler runs, for the roles: {', '.join(roles)}"
                )
        exports = Exports(self.store, template.stack_name)
        previous_outputs = dict(state.outputs)
        deployment, custom = self._deployment(template, state, log)
        deployment.parameters = dict(parameters or {})
        deployment.import_value = exports.value
        deployment.check_outputs = lambda outputs: exports.check_new(outputs, previous_outputs)
        previous_template = state.template
        state.template = dict(template.body)
        try:
            ok = deployment.deploy()
        finally:
            custom.drain()
            if state.status.startswith("UPDATE_ROLLBACK_"):  # CloudFormation keeps the old template
                state.template = previous_template
                if self.stand_ins is not None:  # GetTemplate answers it again (the stack at rest)
                    self.stand_ins.mirror(state)
        self._finish(state)
        if ok and state.status.endswith("_COMPLETE"):
            log.outputs(state.stack_id, {k: v for k, v in state.outputs.items()})
        return Result(ok, log.events, custom.requests)

    def destroy(self, stack_name: str) -> Result:
        """Delete the stack's resources in reverse dependency order and forget its state.

        Allowed in every status, and the only operation allowed after a failed first deploy.

        Raises:
            StateError: the stack has no state (never deployed here, or already destroyed).
            StackStatusError: another stack imports one of its exports.
        """
        state = self.store.load(stack_name)
        if state is None:
            raise StateError(
                f"stack {stack_name!r} has no local state in {self.state_dir}: nothing to destroy"
            )
        Exports(self.store, stack_name).check_delete(state)
        log = EventLog(stack_name, self.stream)
        deployment, custom = self._deployment(None, state, log)
        try:
            ok = deployment.destroy()
        finally:
            custom.drain()
        self._finish(state)
        return Result(ok, log.events, custom.requests)

    def continue_update_rollback(self, stack_name: str, skip: list[str] | None = None) -> Result:
        """Retry the failed part of an update rollback (``aws cloudformation continue-update-rollback``).

        Raises:
            StateError: the stack has no state.
            StackStatusError: the stack is not in UPDATE_ROLLBACK_FAILED, or ``skip`` names a resource
                whose rollback did not fail.
        """
        state = self.store.load(stack_name)
        if state is None:
            raise StateError(f"stack {stack_name!r} has no local state in {self.state_dir}")
        log = EventLog(stack_name, self.stream)
        deployment, custom = self._deployment(None, state, log)
        try:
            ok = deployment.continue_update_rollback(skip)
        finally:
            custom.drain()
        self._finish(state)
        return Result(ok, log.events, custom.requests)

    # ----------------------------------------------------------------------------------------------
    def _check_environment(self, template: Template) -> None:
        """A stack synthesized for another account or region is refused, as ``cdk deploy`` refuses it."""
        if not template.environment.startswith("aws://"):
            return
        account, _, region = template.environment[len("aws://") :].partition("/")
        if account and not account.startswith("unknown-") and account != self.account:
            raise StackStatusError(
                f"Need to perform AWS calls for account {account}, but the current credentials are for "
                f"{self.account} (the local account): synthesize the stack for account {self.account}"
            )
        if region and not region.startswith("unknown-") and region != self.region:
            raise StackStatusError(
                f"Stack {template.stack_name} is for region {region}, the local account is in {self.region}: "
                f"give --region {region} or synthesize it for {self.region}"
            )

    def _new_state(self, stack_name: str) -> StackState:
        stack_id = f"arn:aws:cloudformation:{self.region}:{self.account}:stack/{stack_name}/{uuid.uuid4()}"
        return StackState(stack_name, stack_id)

    def _finish(self, state: StackState) -> None:
        # A stack is forgotten only once deleted: ROLLBACK_COMPLETE stays until it is destroyed.
        if state.status == "DELETE_COMPLETE" and not state.resources:
            self.store.delete(state.stack_name)
        else:
            self.store.save(state)

    def _deployment(
        self, template: Template | None, state: StackState, log: EventLog
    ) -> tuple[Deployment, CustomResourceProvider]:
        sms = self.sms()
        stand_ins = self.stand_ins_started()
        mirror = stand_ins.mirror(state)
        log.on_event = mirror.event  # CloudFormation's view changes before the event is printed

        def on_change(changed: StackState) -> None:
            self.store.save(changed)
            mirror.applied(changed)
            stand_ins.save()

        def policies(function: Function) -> tuple[list[dict[str, Any]], str] | None:
            # The role's policies as the stack has them applied at this moment (resolved when the
            # driver applied them; during a rollback, the new ones until they are rolled back).
            role = _role_of(function, state)
            if role is None:
                return None
            documents = policies_for_role(applied_view(state, role), role)
            if not documents:
                return None
            name = state.resources[role].physical_id
            return documents, f"arn:aws:sts::{self.account}:assumed-role/{name}/{function.name}"

        gate = IamGate(self.control, policies, enabled=self.enforce_iam)
        custom = CustomResourceProvider(
            lambda token: self._for_handler(function_for(token, state, template)),
            self._receiver_started(),
            self.endpoint_url,
            state.stack_id,
            self.region,
            log,
            around_invocation=gate.handler,
        )
        lookup = provider_lookup(
            pool=PoolProvider(sms),
            opt_out_list=OptOutListProvider(sms, state.stack_name, self.account),
            custom=lambda _type: custom,
            not_applied=RoleRegistrar(
                NotAppliedProvider(state.stack_name, self.region, self.account),
                self.control,
                self.role_propagation_seconds,
            ),
        )
        pseudo = pseudo_parameters(
            region=self.region, account=self.account, stack_name=state.stack_name, stack_id=state.stack_id
        )
        deployment = Deployment(
            template, state, lookup, pseudo, log, on_change=on_change, max_parallel=self.max_parallel
        )
        return deployment, custom

    def _for_handler(self, function: Function | None) -> Function | None:
        """``function`` with what its Lambda environment gets here: the handler's access key of this
        account, as Lambda gives a function its role's credentials of the account it runs in, and the
        SSM and CloudFormation stand-ins' endpoints (``AWS_ENDPOINT_URL_SSM``,
        ``AWS_ENDPOINT_URL_CLOUDFORMATION``; none the user set: the handler inherits those)."""
        if function is None:
            return None
        extra = dict(self.stand_ins.environment) if self.stand_ins is not None else {}
        key = self._key(HANDLER_KEY_PREFIX)
        if key is not None:
            extra["AWS_ACCESS_KEY_ID"] = key
        if not extra:
            return function
        return dataclasses.replace(function, environment=(*function.environment, *sorted(extra.items())))


def applied_view(state: StackState, role: str) -> dict[str, Any]:
    """The stack's resources as applied, as a template whose policies name ``role`` by ``Ref``.

    The applied properties are resolved: a policy's ``Roles`` holds the role's name. Naming it
    ``{"Ref": role}`` again lets ``emulator.policies_for_role`` pick the role's policies.
    """
    name = state.resources[role].physical_id
    resources: dict[str, Any] = {}
    for logical, res in state.resources.items():
        properties = dict(res.properties)
        if res.type == "AWS::IAM::Policy":
            properties["Roles"] = [{"Ref": role} if r == name else r for r in properties.get("Roles", [])]
        resources[logical] = {"Type": res.type, "Properties": properties}
    return {"Resources": resources}


def _role_of(function: Function, state: StackState) -> str | None:
    """The logical ID of the stack's role whose ARN is the function's execution role."""
    for logical, res in state.resources.items():
        if res.type == "AWS::IAM::Role" and res.attributes.get("Arn") == function.role_arn:
            return logical
    return None


def function_for(token: str, state: StackState, template: Template | None) -> Function | None:
    """The stack's Lambda function whose ARN is ``token``, with its Timeout and retry configuration.

    ``MaximumRetryAttempts`` comes from the ``AWS::Lambda::EventInvokeConfig`` of the function's
    ``$LATEST`` in the template (``FunctionName: {"Ref": <function>}``, what CDK's ``retry_attempts``
    writes), else from one recorded in the state; Lambda's default (2) without one.
    """
    for logical, res in state.resources.items():
        if res.type != "AWS::Lambda::Function" or res.attributes.get("Arn") != token:
            continue
        timeout = float(res.properties.get("Timeout", DEFAULT_LAMBDA_TIMEOUT))
        retries = DEFAULT_MAXIMUM_RETRY_ATTEMPTS
        names = [{"Ref": logical}, res.physical_id, res.attributes.get("Arn")]
        configs = [
            spec.get("Properties", {})
            for spec in (template.resources.values() if template else [])
            if spec.get("Type") == EVENT_INVOKE_CONFIG_TYPE
        ] + [r.properties for r in state.resources.values() if r.type == EVENT_INVOKE_CONFIG_TYPE]
        for props in configs:
            if props.get("FunctionName") in names and props.get("Qualifier", "$LATEST") == "$LATEST":
                retries = int(props.get("MaximumRetryAttempts", DEFAULT_MAXIMUM_RETRY_ATTEMPTS))
                break
        variables = (res.properties.get("Environment") or {}).get("Variables") or {}
        environment = tuple(sorted((str(k), str(v)) for k, v in variables.items()))
        handler = str(res.properties.get("Handler", ""))
        role = res.properties.get("Role")
        return Function(
            res.physical_id, handler, timeout, retries, environment, str(role) if role is not None else None
        )
    return None
