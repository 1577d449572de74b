"""CloudFormation's deploy and destroy semantics over pluggable resource providers: no AWS calls here.

Each rule cites the CloudFormation documentation it follows (``docs/local-deploy.md`` lists them):

- **Validate before the first change.** Parameters, conditions, every property of every resource and
  every output are resolved (values not known yet are ``Pending``) before any event: a template error
  changes nothing, as CloudFormation validates a template before it starts an operation.
- **Dependency order, in parallel.** A resource starts once everything it depends on is done;
  independent resources start together, at most ``max_parallel`` at a time (User Guide, "DependsOn
  attribute": "resources that don't have dependencies are created in parallel"). ``max_parallel=1`` is
  the serial walk, in a fixed order, for readable demos.
- **No event for an unchanged resource**; a changed one is updated, or replaced when a create-only
  property changed or the provider answered a new physical ID (the old one is deleted during cleanup).
  A changed ``Type`` fails the resource: "Update of resource type is not permitted".
- **The first failure stops the deploy**: nothing new starts, the resources already in progress finish,
  then everything rolls back: a failed Update and every updated resource gets an Update with old and
  new swapped; a failed Create and every created resource gets a Delete (User Guide, "Stack failure
  options"; "Custom resource request types": a failed Create is followed by a Delete).
- **Statuses** as CloudFormation emits them (User Guide, "Stack status codes"), including
  ``UPDATE_COMPLETE_CLEANUP_IN_PROGRESS`` after every successful update and
  ``UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS`` in every update rollback.
- **Failed states are sticky**: ``ROLLBACK_COMPLETE``/``ROLLBACK_FAILED``/``DELETE_FAILED`` allow only a
  delete; ``UPDATE_ROLLBACK_FAILED`` allows ``continue_update_rollback`` or a delete (User Guide,
  "Stack status codes", "Continue rolling back an update"). A resource that fails to delete stays in
  the state.
"""

from __future__ import annotations

import copy
import threading
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import asdict, dataclass, field
from typing import Any, Protocol

from sms_pool_settings_local.deploy.errors import DeployError, DriverError, TemplateError
from sms_pool_settings_local.deploy.intrinsics import (
    Pending,
    Scope,
    creation_order,
    deletion_order,
    dependencies,
    evaluate_conditions,
    resolve,
)
from sms_pool_settings_local.deploy.output import EventLog
from sms_pool_settings_local.deploy.state import ResourceState, StackState
from sms_pool_settings_local.deploy.template import Template

# How many resource operations run at once. CloudFormation documents no figure; it is bounded.
DEFAULT_MAX_PARALLEL = 4
# Statuses in which a stack can only be deleted (User Guide, "Stack status codes").
DELETE_ONLY_STATUSES = ("ROLLBACK_COMPLETE", "ROLLBACK_FAILED", "DELETE_FAILED")
CONTINUE_ROLLBACK_STATUS = "UPDATE_ROLLBACK_FAILED"
TYPE_CHANGE_REASON = "Update of resource type is not permitted"
OUTPUTS = "Outputs"  # the "resource type" of a failure to resolve the stack's outputs


@dataclass(frozen=True)
class Request:
    """One resource operation. ``old_properties``/``physical_id`` are set on Update and Delete."""

    logical_id: str
    resource_type: str
    properties: dict[str, Any]
    old_properties: dict[str, Any] | None = None
    physical_id: str | None = None


@dataclass(frozen=True)
class Outcome:
    """What a Create or Update produced: the physical ID and the attributes ``Fn::GetAtt`` reads."""

    physical_id: str
    attributes: dict[str, Any] = field(default_factory=dict)


class Provider(Protocol):
    """Applies one resource type. ``local`` is False for types only recorded, never applied.

    ``attributes`` names what ``Fn::GetAtt`` can read (None: anything, checked when it is read).
    ``delete_after_failed_create``: a failed Create is followed by a Delete even without a physical
    ID (custom resources: CloudFormation always sends it).
    """

    local: bool

    def create(self, request: Request) -> Outcome: ...

    def update(self, request: Request) -> Outcome: ...

    def delete(self, request: Request) -> None: ...

    def replacement_properties(self, old: dict[str, Any], new: dict[str, Any]) -> list[str]:
        """Names of changed properties whose change requires replacement (create-only properties)."""
        ...

    def ref(self, physical_id: str, attributes: dict[str, Any]) -> Any: ...


ProviderLookup = Callable[[str, str], Provider]


class StackStatusError(DriverError):
    """The stack's status does not allow the operation (CloudFormation's ValidationError)."""


@dataclass
class _Undo:
    kind: str  # "created" | "updated" | "replaced"
    logical_id: str
    previous: ResourceState | None  # the state before the operation (None for a create)


@dataclass
class _Failure:
    logical_id: str
    resource_type: str
    properties: dict[str, Any]
    old: ResourceState | None  # None: a failed Create (a failed replacement is one too)
    error: DeployError


@dataclass
class _Plan:
    parameters: dict[str, Any]
    conditions: dict[str, bool]
    resources: dict[str, dict[str, Any]]
    graph: dict[str, set[str]]
    order: list[str]
    changes: int  # local resources with an event to come
    has_changes: bool = False


@dataclass
class Deployment:
    """Deploys or destroys one stack.

    Args:
        template: the stack's template.
        state: the stack's state as last applied; a new ``StackState`` for a stack never deployed.
        providers: (resource type, logical ID) -> Provider; raises ``TemplateError`` for a type it
            cannot emulate.
        pseudo: pseudo parameter values (``AWS::Region`` ...).
        log: where events go.
        on_change: called with the state after every resource operation, to persist it.
            Default: - nothing.
        parameters: parameter values given at deploy time. Default: - none (previous values, then
            defaults).
        import_value: export name -> value, for ``Fn::ImportValue``. Default: - no exports.
        max_parallel: resource operations at once; 1 is the serial walk. Default: 4
        check_outputs: called with the new outputs before the stack completes; a ``DeployError`` it
            raises (an export in use that would change) fails and rolls back the update.
            Default: - no check.
    """

    template: Template | None
    state: StackState
    providers: ProviderLookup
    pseudo: dict[str, str]
    log: EventLog
    on_change: Callable[[StackState], None] = lambda _s: None
    parameters: dict[str, str] = field(default_factory=dict)
    import_value: Callable[[str], Any] | None = None
    max_parallel: int = DEFAULT_MAX_PARALLEL
    check_outputs: Callable[[dict[str, dict[str, Any]]], None] | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    # ----------------------------------------------------------------------------------------------
    def validate(self) -> _Plan:
        """Resolve everything the deploy will need, with no change and no event.

        Raises:
            StackStatusError: the stack's status allows no update.
            TemplateError: anything the template gets wrong or the driver cannot emulate.
        """
        assert self.template is not None
        status = self.state.status
        if status in (*DELETE_ONLY_STATUSES, CONTINUE_ROLLBACK_STATUS):
            # CloudFormation's ValidationError, word for word; the hint says what is allowed instead.
            allowed = (
                "continue-update-rollback or destroy" if status == CONTINUE_ROLLBACK_STATUS else "destroy"
            )
            raise StackStatusError(
                f"Stack:{self.state.stack_id} is in {status} state and can not be updated. "
                f"(Allowed: {allowed})"
            )
        body = self.template.body
        if "Transform" in body:
            raise TemplateError(f"Transform {body['Transform']!r} is not supported by the local driver")
        parameters = self.template.parameter_values(self.parameters, self.state.parameters)
        conditions = evaluate_conditions(self.template.conditions, self.pseudo, parameters)
        resources: dict[str, dict[str, Any]] = {}
        for logical, spec in self.template.resources.items():
            name = spec.get("Condition")
            if name is not None and name not in conditions:
                raise TemplateError(f"{logical}: Condition {name!r} is not in the template's Conditions")
            if name is None or conditions[name]:
                resources[logical] = spec
        graph = dependencies(resources)
        order = creation_order(graph)
        plan = _Plan(parameters, conditions, resources, graph, order, 0)
        changed = set(self.state.resources) - set(resources)  # removed: deleted during cleanup
        for logical in order:
            spec = resources[logical]
            provider = self.providers(spec["Type"], logical)
            properties = resolve(spec.get("Properties", {}), self._scope(plan, logical, dry=True))
            check = getattr(provider, "validate", None)
            if callable(check):
                check(Request(logical, spec["Type"], properties))
            old = self.state.resources.get(logical)
            if (
                old is None
                or old.type != spec["Type"]
                or old.properties != properties
                or _policies(spec) != (old.deletion_policy, old.update_replace_policy)
            ):
                changed.add(logical)
        outputs = self._outputs(plan, dry=True)
        if outputs != self.state.outputs:
            changed.add("")  # an output alone changing is an update of the stack
        plan.has_changes = bool(changed)
        plan.changes = sum(1 for name in changed if name and self._local(_type_of(self, plan, name), name))
        return plan

    def deploy(self) -> bool:
        """Apply the template; returns True when the stack ended in CREATE_COMPLETE or UPDATE_COMPLETE.

        Raises:
            StackStatusError, TemplateError: before any change (see ``validate``).
        """
        plan = self.validate()
        if self.state.resources and not plan.has_changes:
            self.log.note(f" ✅  {self.state.stack_name} (no changes)")
            return True
        creating = not self.state.resources and self.state.status in ("REVIEW_IN_PROGRESS", "")
        creating = creating or self.state.status == "CREATE_IN_PROGRESS"
        verb = "CREATE" if creating else "UPDATE"
        self.log.expect(plan.changes + 1)
        before = copy.deepcopy(self.state.resources)
        self.state.parameters = {
            k: ",".join(v) if isinstance(v, list) else v for k, v in plan.parameters.items()
        }
        self.state.status = f"{verb}_IN_PROGRESS"
        self.log.stack(self.state.status)
        self.on_change(self.state)
        undo: list[_Undo] = []
        cleanup: list[tuple[str, ResourceState]] = []
        failures = self._walk(plan, undo, cleanup)
        if not failures:
            try:
                outputs = self._outputs(plan, dry=False)
                if self.check_outputs is not None:
                    self.check_outputs(outputs)
            except (DeployError, TemplateError) as exc:
                error = exc if isinstance(exc, DeployError) else DeployError(str(exc))
                failures = [_Failure(self.state.stack_name, OUTPUTS, {}, None, error)]
        if failures:
            self._rollback(creating, failures, undo, before)
            return False
        self.state.outputs = outputs
        self.state.imports = sorted(self._imported)
        removed = [name for name in before if name not in plan.resources]
        if not creating:
            # Emitted after every successful update, whether or not anything is left to delete.
            self.state.status = "UPDATE_COMPLETE_CLEANUP_IN_PROGRESS"
            self.log.stack(self.state.status)
            for logical, old in reversed(cleanup):
                if not self._delete_quietly(logical, old, old.update_replace_policy):
                    self.state.leftovers.append({"logical_id": logical, **asdict(old)})
            old_graph = {n: set(r.depends_on) & set(before) for n, r in before.items()}
            for logical in deletion_order(old_graph, removed):
                old = self.state.resources[logical]
                if self._delete_quietly(logical, old, old.deletion_policy):
                    del self.state.resources[logical]
                self.on_change(self.state)
        self.state.status = f"{verb}_COMPLETE"
        self.log.stack(self.state.status)
        self.on_change(self.state)
        return True

    def destroy(self) -> bool:
        """Delete every resource in reverse dependency order; True when the stack ended DELETE_COMPLETE."""
        self.state.status = "DELETE_IN_PROGRESS"
        self.log.expect(sum(1 for n, r in self.state.resources.items() if self._local(r.type, n)) + 1)
        self.log.stack(self.state.status)
        self.on_change(self.state)
        failed: list[str] = []
        for op in self.state.pending_rollback:
            if op["op"] == "delete" and not op.get("created"):  # a replacement's new resource
                self.state.leftovers.append({"logical_id": op["logical_id"], **op["resource"]})
        for leftover in list(self.state.leftovers):
            res = _resource(leftover)
            if self._delete_quietly(leftover["logical_id"], res, res.deletion_policy):
                self.state.leftovers.remove(leftover)
            else:
                failed.append(leftover["logical_id"])
        self.state.pending_rollback = []
        graph = {n: set(r.depends_on) & set(self.state.resources) for n, r in self.state.resources.items()}
        kept: set[str] = set()
        for logical in deletion_order(graph):
            old = self.state.resources[logical]
            if any(dep in kept for dep in _dependents(graph, logical)):
                kept.add(logical)  # something that depends on it is still there
                continue
            if self._delete_quietly(logical, old, old.deletion_policy):
                del self.state.resources[logical]
            else:
                failed.append(logical)
                kept.add(logical)
            self.on_change(self.state)
        if failed:
            self.state.status = "DELETE_FAILED"
            self.log.stack(
                self.state.status, f"The following resource(s) failed to delete: [{', '.join(failed)}]."
            )
            self.on_change(self.state)
            return False
        self.state.status = "DELETE_COMPLETE"
        self.log.stack(self.state.status)
        return True

    def continue_update_rollback(self, skip: list[str] | None = None) -> bool:
        """Retry the rollback operations that failed; True when the stack ends UPDATE_ROLLBACK_COMPLETE.

        ``skip`` names resources whose rollback is not retried: CloudFormation then considers them
        rolled back (API reference, ContinueUpdateRollback ``ResourcesToSkip``).

        Raises:
            StackStatusError: the stack is not in UPDATE_ROLLBACK_FAILED.
        """
        if self.state.status != CONTINUE_ROLLBACK_STATUS:
            raise StackStatusError(
                f"Stack:{self.state.stack_id} is in {self.state.status} state: only a stack in "
                f"{CONTINUE_ROLLBACK_STATUS} can continue its rollback"
            )
        skip = list(skip or [])
        unknown = sorted(set(skip) - {op["logical_id"] for op in self.state.pending_rollback})
        if unknown:
            raise StackStatusError(
                f"--resources-to-skip must name resources whose rollback failed, got {', '.join(unknown)}; "
                f"failed: {', '.join(op['logical_id'] for op in self.state.pending_rollback)}"
            )
        self.log.expect(len(self.state.pending_rollback) + 1)
        self.state.status = "UPDATE_ROLLBACK_IN_PROGRESS"
        self.log.stack(self.state.status)
        still: list[dict[str, Any]] = []
        for op in [o for o in self.state.pending_rollback if o["op"] == "update"]:
            if op["logical_id"] in skip:
                continue
            res = self.state.resources[op["logical_id"]]
            if not self._update_back(op["logical_id"], res, op["attempted"], res.physical_id):
                still.append(op)
        self.state.status = "UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS"
        self.log.stack(self.state.status)
        for op in [o for o in self.state.pending_rollback if o["op"] == "delete"]:
            if op["logical_id"] in skip:
                # Skipped: no longer part of the stack's rollback, but kept for destroy to delete.
                if op.get("created"):
                    self.state.resources.pop(op["logical_id"], None)
                self.state.leftovers.append({"logical_id": op["logical_id"], **op["resource"]})
                continue
            res = _resource(op["resource"])
            if self._delete_quietly(op["logical_id"], res, res.deletion_policy):
                if op.get("created"):
                    self.state.resources.pop(op["logical_id"], None)
            else:
                still.append(op)
        self.state.pending_rollback = still
        self.state.status = "UPDATE_ROLLBACK_FAILED" if still else "UPDATE_ROLLBACK_COMPLETE"
        self.log.stack(self.state.status)
        self.on_change(self.state)
        return not still

    # ----------------------------------------------------------------------------------------------
    def _walk(
        self, plan: _Plan, undo: list[_Undo], cleanup: list[tuple[str, ResourceState]]
    ) -> list[_Failure]:
        """Start each resource when its dependencies are done; stop starting at the first failure."""
        done: set[str] = set()
        started: set[str] = set()
        failures: list[_Failure] = []
        self._imported: set[str] = set()
        workers = max(1, self.max_parallel)
        pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="resource") if workers > 1 else None
        in_flight: dict[Future[Any], tuple[str, ResourceState | None, dict[str, Any]]] = {}
        try:
            while True:
                progressed = True
                while progressed and not failures and len(in_flight) < workers:
                    progressed = False
                    for logical in plan.order:
                        if logical in started or not plan.graph[logical] <= done:
                            continue
                        if len(in_flight) >= workers:
                            break
                        started.add(logical)
                        progressed = True
                        job = self._start(plan, logical)
                        if job is None:  # unchanged: nothing to send
                            done.add(logical)
                            continue
                        if isinstance(job, _Failure):
                            failures.append(job)
                            break
                        call, old, properties = job
                        future: Future[Any] = Future()
                        if pool is None:
                            _run_into(future, call)
                        else:
                            future = pool.submit(call)
                        in_flight[future] = (logical, old, properties)
                        if pool is None:
                            break  # serial: finish this one before looking for the next
                if not in_flight:
                    return failures
                finished, _ = wait(list(in_flight), return_when=FIRST_COMPLETED)
                for future in sorted(finished, key=lambda f: in_flight[f][0]):
                    logical, old, properties = in_flight.pop(future)
                    try:
                        outcome, replaced = future.result()
                    except DeployError as exc:
                        spec = plan.resources[logical]
                        replacing = old is not None and self._must_replace(
                            self.providers(spec["Type"], logical), old, spec["Type"], properties
                        )
                        failures.append(
                            _Failure(logical, spec["Type"], properties, None if replacing else old, exc)
                        )
                        continue
                    self._record(plan, logical, old, properties, outcome, replaced, undo, cleanup)
                    done.add(logical)
        finally:
            if pool is not None:
                pool.shutdown(wait=True)

    def _start(
        self, plan: _Plan, logical: str
    ) -> _Failure | tuple[Callable[[], tuple[Outcome, bool]], ResourceState | None, dict[str, Any]] | None:
        """What starting ``logical`` means: None (unchanged), a failure, or the operation to run."""
        spec = plan.resources[logical]
        rtype = spec["Type"]
        provider = self.providers(rtype, logical)
        old = self.state.resources.get(logical)
        try:
            properties = resolve(spec.get("Properties", {}), self._scope(plan, logical, dry=False))
        except (TemplateError, DeployError) as exc:
            # Validation resolved this already; what is left is a value only known now (a custom
            # resource's answer without the attribute asked for): the resource fails.
            reason = exc.reason if isinstance(exc, DeployError) else str(exc)
            verb = "CREATE" if old is None else "UPDATE"
            self.log.emit(logical, rtype, f"{verb}_FAILED", reason)
            return _Failure(logical, rtype, {}, old, DeployError(reason))
        if old is not None and old.type == rtype and old.properties == properties:
            old.depends_on = sorted(plan.graph[logical])
            _set_policies(old, spec)
            return None  # CloudFormation sends nothing for a resource whose properties did not change

        def call() -> tuple[Outcome, bool]:
            if old is None:
                return self._create(logical, rtype, provider, properties), False
            return self._update(logical, rtype, provider, old, properties)

        return call, old, properties

    def _record(
        self,
        plan: _Plan,
        logical: str,
        old: ResourceState | None,
        properties: dict[str, Any],
        outcome: Outcome,
        replaced: bool,
        undo: list[_Undo],
        cleanup: list[tuple[str, ResourceState]],
    ) -> None:
        spec = plan.resources[logical]
        provider = self.providers(spec["Type"], logical)
        res = ResourceState(
            spec["Type"],
            outcome.physical_id,
            properties,
            outcome.attributes,
            sorted(plan.graph[logical]),
            provider.local,
        )
        _set_policies(res, spec)
        self.state.resources[logical] = res
        if old is None:
            undo.append(_Undo("created", logical, None))
        else:
            undo.append(_Undo("replaced" if replaced else "updated", logical, old))
            if replaced:
                cleanup.append((logical, old))
        self.on_change(self.state)

    def _outputs(self, plan: _Plan, *, dry: bool) -> dict[str, dict[str, Any]]:
        assert self.template is not None
        outputs: dict[str, dict[str, Any]] = {}
        for name, spec in self.template.outputs.items():
            condition = spec.get("Condition")
            if condition is not None and not plan.conditions.get(condition, False):
                continue
            scope = self._scope(plan, f"Outputs.{name}", dry=dry)
            value = resolve(spec.get("Value"), scope)
            export = resolve(spec["Export"]["Name"], scope) if "Export" in spec else None
            outputs[name] = {"Value": value, "Export": export, "Description": spec.get("Description", "")}
        return outputs

    def _scope(self, plan: _Plan, where: str, *, dry: bool) -> Scope:
        def ref(name: str) -> Any:
            res = self._applied(plan, name, where, f"Ref {name}", dry)
            if res is None:
                return Pending(f"<{name}>")
            return self.providers(res.type, name).ref(res.physical_id, res.attributes)

        def get_att(name: str, attribute: str) -> Any:
            res = self._applied(plan, name, where, f"Fn::GetAtt {name}.{attribute}", dry)
            rtype = res.type if res is not None else plan.resources[name]["Type"]
            known = getattr(self.providers(rtype, name), "attributes", None)
            if known is not None and attribute not in known:
                raise TemplateError(
                    f"{where}: Fn::GetAtt {name}.{attribute}: {rtype} has no attribute {attribute!r} "
                    f"locally (known: {', '.join(sorted(known)) or 'none'})"
                )
            if res is None:
                return Pending(f"<{name}.{attribute}>")
            if attribute not in res.attributes:
                if dry:
                    return Pending(f"<{name}.{attribute}>")  # an answer still to come may carry it
                raise DeployError(
                    f"CustomResource attribute error: Vendor response doesn't contain {attribute} key in "
                    f"object {name}"
                    if rtype.startswith("Custom::") or rtype == "AWS::CloudFormation::CustomResource"
                    else f"{where}: Fn::GetAtt {name}.{attribute}: not available on {rtype}"
                )
            return res.attributes[attribute]

        def import_value(name: str) -> Any:
            if self.import_value is None:
                raise TemplateError(f"{where}: Fn::ImportValue {name!r}: no stack exports it")
            self._imported = getattr(self, "_imported", set()) | {name}
            return self.import_value(name)

        return Scope(
            self.pseudo,
            plan.parameters,
            ref,
            get_att,
            where,
            conditions=plan.conditions,
            mappings=self.template.mappings if self.template else {},
            import_value=import_value,
        )

    def _applied(self, plan: _Plan, name: str, where: str, what: str, dry: bool) -> ResourceState | None:
        if name not in plan.resources:
            raise TemplateError(
                f"{where}: {what}: Unresolved resource dependencies [{name}] in the Resources block of the "
                "template"
            )
        res = self.state.resources.get(name)
        if res is None and not dry:
            raise TemplateError(f"{where}: {what}: {name} has not been applied")
        return res

    def _local(self, rtype: str, logical: str) -> bool:
        try:
            return self.providers(rtype, logical).local
        except TemplateError:
            return True

    def _create(self, logical: str, rtype: str, provider: Provider, properties: dict[str, Any]) -> Outcome:
        if provider.local:
            self.log.emit(logical, rtype, "CREATE_IN_PROGRESS")
        try:
            outcome = provider.create(Request(logical, rtype, properties))
        except DeployError as exc:
            if provider.local:
                self.log.emit(logical, rtype, "CREATE_FAILED", exc.reason)
            raise
        if provider.local:
            self.log.emit(logical, rtype, "CREATE_COMPLETE")
        return outcome

    def _update(
        self, logical: str, rtype: str, provider: Provider, old: ResourceState, properties: dict[str, Any]
    ) -> tuple[Outcome, bool]:
        """Update or replace; returns (outcome, replaced). A replaced resource's old one goes in cleanup."""
        if old.type != rtype:
            # CloudFormation refuses to change a resource's type in place (User Guide, "Update behaviors
            # of stack resources"; the error text is CloudFormation's own).
            self.log.emit(logical, rtype, "UPDATE_FAILED", TYPE_CHANGE_REASON)
            raise DeployError(TYPE_CHANGE_REASON, unchanged=True)
        must_replace = self._must_replace(provider, old, rtype, properties)
        if provider.local:
            self.log.emit(
                logical,
                rtype,
                "UPDATE_IN_PROGRESS",
                "Requested update requires the creation of a new physical resource; hence creating one."
                if must_replace
                else "",
            )
        try:
            if must_replace:
                outcome = provider.create(Request(logical, rtype, properties))
            else:
                outcome = provider.update(
                    Request(logical, rtype, properties, old.properties, old.physical_id)
                )
        except DeployError as exc:
            if provider.local:
                self.log.emit(logical, rtype, "UPDATE_FAILED", exc.reason)
            raise
        if provider.local:
            self.log.emit(logical, rtype, "UPDATE_COMPLETE")
        return outcome, must_replace or outcome.physical_id != old.physical_id

    @staticmethod
    def _must_replace(provider: Provider, old: ResourceState, rtype: str, properties: dict[str, Any]) -> bool:
        return old.type == rtype and bool(provider.replacement_properties(old.properties, properties))

    def _delete_quietly(self, logical: str, res: ResourceState, policy: str = "Delete") -> bool:
        """Delete one resource with its events; returns False (after a DELETE_FAILED event) on failure.

        A ``Retain`` policy keeps the resource and says so with ``DELETE_SKIPPED``, as CloudFormation does.
        """
        provider = self.providers(res.type, logical)
        if not provider.local:
            return True
        physical = res.physical_id  # a replacement's old resource shares the logical ID with the new one
        if policy in ("Retain", "RetainExceptOnCreate"):
            self.log.emit(logical, res.type, "DELETE_SKIPPED", physical_id=physical)
            return True
        self.log.emit(logical, res.type, "DELETE_IN_PROGRESS", physical_id=physical)
        try:
            provider.delete(Request(logical, res.type, res.properties, physical_id=physical))
        except DeployError as exc:
            self.log.emit(logical, res.type, "DELETE_FAILED", exc.reason, physical_id=physical)
            return False
        self.log.emit(logical, res.type, "DELETE_COMPLETE", physical_id=physical)
        return True

    def _rollback(
        self,
        creating: bool,
        failures: list[_Failure],
        undo: list[_Undo],
        before: dict[str, ResourceState],
    ) -> None:
        created = sorted(f.logical_id for f in failures if f.old is None and f.resource_type != OUTPUTS)
        updated = sorted(f.logical_id for f in failures if f.old is not None)
        reason = " ".join(
            [f.error.reason for f in failures if f.resource_type == OUTPUTS]
            + [
                f"The following resource(s) failed to {verb}: [{', '.join(names)}]."
                for verb, names in (("create", created), ("update", updated))
                if names
            ]
        )
        prefix = "ROLLBACK" if creating else "UPDATE_ROLLBACK"
        self.state.status = f"{prefix}_IN_PROGRESS"
        self.log.stack(self.state.status, reason)
        pending: list[dict[str, Any]] = []
        deletes: list[tuple[str, ResourceState, bool]] = []  # (logical, resource, created in this deploy)
        # The failed resources first: a failed Create gets a Delete; a failed Update the swapped Update.
        for failure in failures:
            if failure.resource_type == OUTPUTS:
                continue
            provider = self.providers(failure.resource_type, failure.logical_id)
            if failure.old is None:
                physical = failure.error.physical_id
                if provider.local and not physical and getattr(provider, "delete_after_failed_create", False):
                    # No answer, or none with an ID: CloudFormation still sends the Delete, with an ID
                    # of its own making (cloudformation-coverage-roadmap#1814).
                    physical = _generated_id(self.state.stack_name, failure.logical_id)
                if provider.local and physical:
                    res = ResourceState(failure.resource_type, physical, failure.properties, {}, [], True)
                    spec = (self.template.resources if self.template else {}).get(failure.logical_id, {})
                    _set_policies(res, spec)
                    deletes.append((failure.logical_id, res, failure.logical_id not in before))
                elif provider.local:
                    self.log.emit(failure.logical_id, failure.resource_type, "DELETE_COMPLETE")
            elif not failure.error.unchanged and not self._update_back(
                failure.logical_id, failure.old, failure.properties, failure.old.physical_id
            ):
                pending.append(_update_op(failure.logical_id, failure.properties))
        for step in reversed(undo):
            current = self.state.resources[step.logical_id]
            if step.kind in ("created", "replaced"):
                # A replacement's new resource goes; the old one never left.
                deletes.append((step.logical_id, current, step.kind == "created"))
            else:
                assert step.previous is not None
                if not self._update_back(
                    step.logical_id, step.previous, current.properties, current.physical_id
                ):
                    pending.append(_update_op(step.logical_id, current.properties))
        if not creating:
            # Emitted in every update rollback, whether or not anything is left to delete.
            self.log.stack("UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS")
        kept: dict[str, ResourceState] = {}
        for name, res, created_now in deletes:
            # RetainExceptOnCreate exists to delete what a failed deploy created; Retain keeps even that.
            policy = "Delete" if res.deletion_policy == "RetainExceptOnCreate" else res.deletion_policy
            if not self._delete_quietly(name, res, policy):
                # Never forgotten: a created resource stays in the stack; a replacement's new one is
                # kept as a pending delete that continue-update-rollback or destroy tries again.
                if created_now:
                    kept[name] = res
                pending.append(
                    {"op": "delete", "logical_id": name, "resource": asdict(res), "created": created_now}
                )
        # The stack is what it was before the operation, plus what could not be deleted. (The Deletes
        # above ran on the state as it was, so a custom resource still finds its function.)
        self.state.resources = {**before, **kept}
        if creating:
            self.state.status = "ROLLBACK_FAILED" if pending else "ROLLBACK_COMPLETE"
            self.state.pending_rollback = []
        else:
            self.state.status = "UPDATE_ROLLBACK_FAILED" if pending else "UPDATE_ROLLBACK_COMPLETE"
            self.state.pending_rollback = pending
        self.log.stack(self.state.status)
        self.on_change(self.state)

    def _update_back(
        self, logical: str, previous: ResourceState, attempted: dict[str, Any], physical_id: str
    ) -> bool:
        """The rollback Update: old and new swapped (the attempted properties become the old ones)."""
        provider = self.providers(previous.type, logical)
        if not provider.local:
            return True
        self.log.emit(logical, previous.type, "UPDATE_IN_PROGRESS")
        try:
            provider.update(Request(logical, previous.type, previous.properties, attempted, physical_id))
        except DeployError as exc:
            self.log.emit(logical, previous.type, "UPDATE_FAILED", exc.reason)
            return False
        self.log.emit(logical, previous.type, "UPDATE_COMPLETE")
        return True


def _run_into(future: Future[Any], call: Callable[[], Any]) -> None:
    """Run ``call`` here and now, its result or exception into ``future`` (the serial walk)."""
    try:
        future.set_result(call())
    except DeployError as exc:
        future.set_exception(exc)


def _update_op(logical: str, attempted: dict[str, Any]) -> dict[str, Any]:
    return {"op": "update", "logical_id": logical, "attempted": attempted}


def _resource(doc: dict[str, Any]) -> ResourceState:
    return ResourceState(**{k: v for k, v in doc.items() if k != "logical_id"})


def _generated_id(stack_name: str, logical_id: str) -> str:
    from sms_pool_settings_local.deploy.providers import physical_name  # providers import this module

    return physical_name(stack_name, logical_id, 128)


def _type_of(deployment: Deployment, plan: _Plan, name: str) -> str:
    return str(
        plan.resources[name]["Type"] if name in plan.resources else deployment.state.resources[name].type
    )


def _policies(spec: dict[str, Any]) -> tuple[str, str]:
    return str(spec.get("DeletionPolicy", "Delete")), str(spec.get("UpdateReplacePolicy", "Delete"))


def _set_policies(res: ResourceState, spec: dict[str, Any]) -> None:
    res.deletion_policy, res.update_replace_policy = _policies(spec)


def _dependents(graph: dict[str, set[str]], name: str) -> list[str]:
    return [other for other, deps in graph.items() if name in deps]
