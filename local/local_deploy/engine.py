"""CloudFormation's deploy and destroy semantics over pluggable resource providers: no AWS calls here.

A deploy walks the template in dependency order. A resource whose resolved properties equal the last
applied ones gets no event. A new one is created; a changed one is updated, or replaced when a
create-only property changed or the provider returned a new physical ID (the old one is deleted during
cleanup). The first failure stops the deploy and rolls back: resources updated so far get an Update
with old and new swapped (the failed one included), resources created so far get a Delete (a failed
Create included), and the state returns to what it was. ``destroy`` deletes in reverse dependency order.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from local_deploy.errors import DeployError, TemplateError
from local_deploy.intrinsics import Scope, creation_order, deletion_order, dependencies, resolve
from local_deploy.output import EventLog
from local_deploy.state import ResourceState, StackState
from local_deploy.template import Template


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
    """Applies one resource type. ``local`` is False for types only recorded, never applied."""

    local: bool

    def create(self, request: Request) -> Outcome: ...

    def update(self, request: Request) -> Outcome: ...

    def delete(self, request: Request) -> None: ...

    def replacement_properties(self, old: dict[str, Any], new: dict[str, Any]) -> list[str]:
        """Names of changed properties whose change requires replacement (create-only properties)."""
        ...

    def ref(self, physical_id: str, attributes: dict[str, Any]) -> Any: ...


ProviderLookup = Callable[[str, str], Provider]


@dataclass
class _Undo:
    kind: str  # "created" | "updated" | "replaced"
    logical_id: str
    previous: ResourceState | None  # the state before the operation (None for a create)


@dataclass
class Deployment:
    """Deploys or destroys one stack.

    Args:
        template: the stack's template.
        state: the stack's state as last applied; None for a stack never deployed.
        providers: (resource type, logical ID) -> Provider; raises ``TemplateError`` for a type it
            cannot emulate.
        pseudo: pseudo parameter values (``AWS::Region`` ...).
        log: where events go.
        on_change: called with the state after every resource operation, to persist it.
            Default: - nothing.
    """

    template: Template | None
    state: StackState
    providers: ProviderLookup
    pseudo: dict[str, str]
    log: EventLog
    on_change: Callable[[StackState], None] = lambda _s: None

    # ----------------------------------------------------------------------------------------------
    def deploy(self) -> bool:
        """Apply the template; returns True when the stack ended in CREATE_COMPLETE or UPDATE_COMPLETE.

        Raises:
            TemplateError: before any change, for a resource the driver cannot emulate.
        """
        assert self.template is not None
        resources = self.template.resources
        _check_supported(self.template.body)
        graph = dependencies(resources)
        order = creation_order(graph)
        for logical in order:  # validate every type before the first change, as CloudFormation does
            self.providers(resources[logical]["Type"], logical)
        parameters = self.template.parameter_values()
        if self.state.resources and not self._has_changes(resources, order, parameters):
            self.log.note(f" ✅  {self.state.stack_name} (no changes)")
            return True
        creating = not self.state.resources
        verb = "CREATE" if creating else "UPDATE"
        before = copy.deepcopy(self.state.resources)
        self.state.status = f"{verb}_IN_PROGRESS"
        self.log.stack(self.state.status)
        undo: list[_Undo] = []
        cleanup: list[tuple[str, ResourceState]] = []  # (logical ID, old state) deleted after success
        for logical in order:
            spec = resources[logical]
            rtype = spec["Type"]
            provider = self.providers(rtype, logical)
            scope = self._scope(parameters, logical)
            properties = resolve(spec.get("Properties", {}), scope)
            old = self.state.resources.get(logical)
            if old is not None and old.type == rtype and old.properties == properties:
                old.depends_on = sorted(graph[logical])
                _set_policies(old, spec)
                continue  # CloudFormation sends nothing for a resource whose properties did not change
            try:
                if old is None:
                    self._create(logical, rtype, provider, properties, graph, undo)
                else:
                    replaced = self._update(logical, rtype, provider, old, properties, graph, undo)
                    if replaced:
                        cleanup.append((logical, old))
                _set_policies(self.state.resources[logical], spec)
            except DeployError as exc:
                self.log.emit(logical, rtype, f"{'CREATE' if old is None else 'UPDATE'}_FAILED", exc.reason)
                # A failed replacement is a failed Create of the new resource: the old one never changed.
                replacing = old is not None and self._must_replace(provider, old, rtype, properties)
                self._rollback(
                    creating,
                    logical,
                    rtype,
                    provider,
                    properties,
                    None if replacing else old,
                    exc,
                    undo,
                    before,
                )
                return False
            self.on_change(self.state)
        removed = [name for name in self.state.resources if name not in resources and name not in order]
        if cleanup or removed:
            self.state.status = f"{verb}_COMPLETE_CLEANUP_IN_PROGRESS"
            self.log.stack(self.state.status)
            for logical, old in reversed(cleanup):
                self._delete_quietly(logical, old, old.update_replace_policy)
            old_graph = {n: set(r.depends_on) for n, r in before.items()}
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
        self.log.stack(self.state.status)
        graph = {n: set(r.depends_on) & set(self.state.resources) for n, r in self.state.resources.items()}
        failed: list[str] = []
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

    # ----------------------------------------------------------------------------------------------
    def _has_changes(self, resources: dict[str, Any], order: list[str], parameters: dict[str, Any]) -> bool:
        if set(resources) != set(self.state.resources):
            return True
        for logical in order:
            old = self.state.resources[logical]
            if old.type != resources[logical]["Type"]:
                return True
            try:
                properties = resolve(
                    resources[logical].get("Properties", {}), self._scope(parameters, logical)
                )
            except TemplateError:
                return True  # it refers to something not applied yet: the walk will say what
            if properties != old.properties:
                return True
            spec = resources[logical]
            if (old.deletion_policy, old.update_replace_policy) != (
                spec.get("DeletionPolicy", "Delete"),
                spec.get("UpdateReplacePolicy", "Delete"),
            ):
                return True
        return False

    def _scope(self, parameters: dict[str, Any], where: str) -> Scope:
        def ref(name: str) -> Any:
            res = self._applied(name, where, f"Ref {name}")
            return self.providers(res.type, name).ref(res.physical_id, res.attributes)

        def get_att(name: str, attribute: str) -> Any:
            res = self._applied(name, where, f"Fn::GetAtt {name}.{attribute}")
            if attribute not in res.attributes:
                known = ", ".join(sorted(res.attributes)) or "none"
                raise TemplateError(
                    f"{where}: Fn::GetAtt {name}.{attribute}: {res.type} has no attribute {attribute!r} "
                    f"locally (known: {known})"
                )
            return res.attributes[attribute]

        return Scope(self.pseudo, parameters, ref, get_att, where)

    def _applied(self, name: str, where: str, what: str) -> ResourceState:
        res = self.state.resources.get(name)
        if res is None:
            raise TemplateError(f"{where}: {what}: no resource or parameter named {name!r} has been applied")
        return res

    def _create(
        self,
        logical: str,
        rtype: str,
        provider: Provider,
        properties: dict[str, Any],
        graph: dict[str, set[str]],
        undo: list[_Undo],
    ) -> None:
        if provider.local:
            self.log.emit(logical, rtype, "CREATE_IN_PROGRESS")
        outcome = provider.create(Request(logical, rtype, properties))
        self.state.resources[logical] = ResourceState(
            rtype, outcome.physical_id, properties, outcome.attributes, sorted(graph[logical]), provider.local
        )
        undo.append(_Undo("created", logical, None))
        if provider.local:
            self.log.emit(logical, rtype, "CREATE_COMPLETE")

    def _update(
        self,
        logical: str,
        rtype: str,
        provider: Provider,
        old: ResourceState,
        properties: dict[str, Any],
        graph: dict[str, set[str]],
        undo: list[_Undo],
    ) -> bool:
        """Update or replace; returns True when the resource was replaced (old one to delete in cleanup)."""
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
        if must_replace:
            outcome = provider.create(Request(logical, rtype, properties))
        else:
            outcome = provider.update(Request(logical, rtype, properties, old.properties, old.physical_id))
        replaced = must_replace or outcome.physical_id != old.physical_id
        self.state.resources[logical] = ResourceState(
            rtype, outcome.physical_id, properties, outcome.attributes, sorted(graph[logical]), provider.local
        )
        undo.append(_Undo("replaced" if replaced else "updated", logical, old))
        if provider.local:
            self.log.emit(logical, rtype, "UPDATE_COMPLETE")
        return replaced

    @staticmethod
    def _must_replace(provider: Provider, old: ResourceState, rtype: str, properties: dict[str, Any]) -> bool:
        return old.type != rtype or bool(provider.replacement_properties(old.properties, properties))

    def _delete_quietly(self, logical: str, res: ResourceState, policy: str = "Delete") -> bool:
        """Delete one resource with its events; returns False (after a DELETE_FAILED event) on failure.

        A ``Retain`` policy keeps the resource and says so with ``DELETE_SKIPPED``, as CloudFormation does.
        """
        provider = self.providers(res.type, logical)
        if not provider.local:
            return True
        if policy in ("Retain", "RetainExceptOnCreate"):
            self.log.emit(logical, res.type, "DELETE_SKIPPED")
            return True
        self.log.emit(logical, res.type, "DELETE_IN_PROGRESS")
        try:
            provider.delete(Request(logical, res.type, res.properties, physical_id=res.physical_id))
        except DeployError as exc:
            self.log.emit(logical, res.type, "DELETE_FAILED", exc.reason)
            return False
        self.log.emit(logical, res.type, "DELETE_COMPLETE")
        return True

    def _rollback(
        self,
        creating: bool,
        logical: str,
        rtype: str,
        provider: Provider,
        properties: dict[str, Any],
        old: ResourceState | None,
        exc: DeployError,
        undo: list[_Undo],
        before: dict[str, ResourceState],
    ) -> None:
        failed_create = old is None
        verb = "CREATE" if failed_create else "UPDATE"
        reason = f"The following resource(s) failed to {verb.lower()}: [{logical}]."
        prefix = "ROLLBACK" if creating else "UPDATE_ROLLBACK"
        self.state.status = f"{prefix}_IN_PROGRESS"
        self.log.stack(self.state.status, reason)
        ok = True
        deletes: list[tuple[str, ResourceState]] = []
        # The failed resource first: a failed Create gets a Delete; a failed Update gets the swapped Update.
        if failed_create:
            if provider.local and exc.physical_id:
                deletes.append((logical, ResourceState(rtype, exc.physical_id, properties, {}, [], True)))
            elif provider.local:
                self.log.emit(logical, rtype, "DELETE_COMPLETE")
        else:
            assert old is not None
            ok &= self._update_back(logical, old, properties, old.physical_id)
        for step in reversed(undo):
            current = self.state.resources[step.logical_id]
            if step.kind == "created":
                deletes.append((step.logical_id, current))
            elif step.kind == "replaced":
                deletes.append((step.logical_id, current))  # the new one goes; the old one never left
            else:
                assert step.previous is not None
                ok &= self._update_back(
                    step.logical_id, step.previous, current.properties, current.physical_id
                )
        if deletes and not creating:
            self.log.stack("UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS")
        for name, res in deletes:
            # RetainExceptOnCreate exists to delete what a failed deploy created; Retain keeps even that.
            policy = "Delete" if res.deletion_policy == "RetainExceptOnCreate" else res.deletion_policy
            ok &= self._delete_quietly(name, res, policy)
        self.state.resources = before
        if ok:
            self.state.status = f"{prefix}_COMPLETE"
        else:
            self.state.status = f"{prefix}_FAILED"
        self.log.stack(self.state.status)
        if creating and ok:
            self.state.resources = {}
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


def _set_policies(res: ResourceState, spec: dict[str, Any]) -> None:
    res.deletion_policy = str(spec.get("DeletionPolicy", "Delete"))
    res.update_replace_policy = str(spec.get("UpdateReplacePolicy", "Delete"))


def _check_supported(body: dict[str, Any]) -> None:
    """Refuse, before any change, what the driver does not evaluate: transforms and conditions."""
    if "Transform" in body:
        raise TemplateError(f"Transform {body['Transform']!r} is not supported by the local driver")
    for logical, spec in body.get("Resources", {}).items():
        if "Condition" in spec:
            raise TemplateError(
                f"{logical}: Condition {spec['Condition']!r} is not supported by the local driver"
            )
    if body.get("Conditions"):
        names = ", ".join(sorted(body["Conditions"]))
        raise TemplateError(f"Conditions ({names}) are not supported by the local driver")


def _dependents(graph: dict[str, set[str]], name: str) -> list[str]:
    return [other for other, deps in graph.items() if name in deps]
