"""Exports across the stacks of one local account (one state directory): ``Fn::ImportValue``.

CloudFormation's rules (User Guide, "Get exported outputs from a deployed CloudFormation stack"):
export names are unique in an account and Region; a stack cannot delete or change an export another
stack imports; ``Fn::ImportValue`` can only name an export that exists.
"""

from __future__ import annotations

from typing import Any

from sms_pool_settings_local.deploy.engine import StackStatusError
from sms_pool_settings_local.deploy.errors import DeployError, TemplateError
from sms_pool_settings_local.deploy.state import StackState, StateStore


class Exports:
    """The exports of every stack in ``store`` other than ``stack_name``.

    Args:
        store: the account's stack states.
        stack_name: the stack being deployed or destroyed.
    """

    def __init__(self, store: StateStore, stack_name: str) -> None:
        self.stack_name = stack_name
        self.others: list[StackState] = [
            s for name in store.stacks() if name != stack_name and (s := store.load(name)) is not None
        ]

    def _exporter(self, name: str) -> tuple[StackState, Any] | None:
        for state in self.others:
            for output in state.outputs.values():
                if output.get("Export") == name:
                    return state, output.get("Value")
        return None

    def _importers(self, name: str) -> list[str]:
        return sorted(s.stack_name for s in self.others if name in s.imports)

    def value(self, name: str) -> Any:
        """The value exported as ``name``.

        Raises:
            TemplateError: no stack exports it (CloudFormation's words).
        """
        found = self._exporter(name)
        if found is None:
            raise TemplateError(f"No export named {name} found.")
        return found[1]

    def check_new(self, outputs: dict[str, dict[str, Any]], previous: dict[str, dict[str, Any]]) -> None:
        """Before the stack completes: an export name taken elsewhere, or an export in use that changes.

        Raises:
            DeployError: the Reason CloudFormation gives; the update rolls back.
        """
        new = {o["Export"]: o["Value"] for o in outputs.values() if o.get("Export")}
        for name in new:
            found = self._exporter(name)
            if found is not None:
                raise DeployError(
                    f"Export with name {name} is already exported by stack {found[0].stack_name}"
                )
        for output in previous.values():
            name = output.get("Export")
            users = self._importers(name) if name else []
            if not users:
                continue
            if name not in new:
                raise DeployError(f"Export {name} cannot be deleted as it is in use by {', '.join(users)}")
            if new[name] != output.get("Value"):
                raise DeployError(f"Cannot update export {name} as it is in use by {', '.join(users)}")

    def check_delete(self, state: StackState) -> None:
        """Before a stack is deleted: none of its exports may be in use.

        Raises:
            StackStatusError: CloudFormation's ValidationError, naming the export and its importers.
        """
        for output in state.outputs.values():
            name = output.get("Export")
            users = self._importers(name) if name else []
            if users:
                raise StackStatusError(
                    f"Export {name} cannot be deleted as it is in use by {', '.join(users)}"
                )
