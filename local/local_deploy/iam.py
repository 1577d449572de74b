"""IAM the way the stack's provider runs under it: enforcement in the emulator, role propagation.

- **Enforcement while a handler runs.** When a custom resource's function has a role with policies in
  the template (``sms_emulator.policies_for_role``), the driver resolves them with the stack's values
  at the moment of the invocation (``Deployment.resolve_now``) and turns the emulator's IAM
  enforcement on (``EmulatorControl.enforce_iam``) for as long as the handler runs, as the role's
  session ``arn:aws:sts::<account>:assumed-role/<role>/<function>``. A missing or mis-scoped statement
  then fails the deploy with the service's ``AccessDeniedException``, as it would in an account.
  The emulator authorizes every caller alike, so the driver's own calls (what CloudFormation does with
  the deployer's credentials: CreatePool, DeleteOptOutList ...) wait until no handler runs, and
  handlers wait for them; enforcement is off again once the last handler ended.
- **Role propagation.** IAM is eventually consistent: a role just created may not be assumable yet
  (IAM User Guide, "Changes that I make are not always immediately visible"). Each ``AWS::IAM::Role``
  the driver creates is registered with the emulator (``EmulatorControl.add_role``), assumable
  ``role_propagation_seconds`` later. Default: 0 (at once).
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Iterator
from typing import Any

from sms_emulator import EmulatorControl

# Policies for a function about to run: (policy documents, principal ARN), or None for none.
PolicySource = Callable[[Any], tuple[list[dict[str, Any]], str] | None]

DEFAULT_ROLE_PROPAGATION_SECONDS = 0.0


class IamGate:
    """Enforcement on while handlers run, off while the driver itself calls the SMS API.

    Args:
        control: the emulator's control API.
        policies: function -> (resolved policies, principal ARN), or None when it has none.
        enabled: turn enforcement on at all. Default: True
    """

    def __init__(self, control: EmulatorControl, policies: PolicySource, enabled: bool = True) -> None:
        self.control = control
        self.policies = policies
        self.enabled = enabled
        self._changed = threading.Condition()
        self._handlers = 0
        self._driver_calls = 0
        self._key: str | None = None

    @contextlib.contextmanager
    def handler(self, function: Any) -> Iterator[None]:
        """While ``function``'s handler runs: enforcement on, under its role's policies."""
        found = self.policies(function) if self.enabled else None
        if found is None:
            yield
            return
        policies, principal = found
        key = repr((policies, principal))
        with self._changed:
            self._changed.wait_for(lambda: self._driver_calls == 0 and self._key in (None, key))
            if self._handlers == 0:
                self.control.enforce_iam(policies, principal_arn=principal)
                self._key = key
            self._handlers += 1
        try:
            yield
        finally:
            with self._changed:
                self._handlers -= 1
                if self._handlers == 0:
                    self.control.clear_iam()
                    self._key = None
                self._changed.notify_all()

    @contextlib.contextmanager
    def driver_call(self) -> Iterator[None]:
        """While the driver itself calls the SMS API (as CloudFormation, with the deployer's rights)."""
        with self._changed:
            self._changed.wait_for(lambda: self._handlers == 0)
            self._driver_calls += 1
        try:
            yield
        finally:
            with self._changed:
                self._driver_calls -= 1
                self._changed.notify_all()


class Gated:
    """A provider whose create/update/delete run as the driver's own calls (``IamGate.driver_call``)."""

    def __init__(self, provider: Any, gate: IamGate) -> None:
        self._provider = provider
        self._gate = gate

    def __getattr__(self, name: str) -> Any:
        return getattr(self._provider, name)

    def create(self, request: Any) -> Any:
        with self._gate.driver_call():
            return self._provider.create(request)

    def update(self, request: Any) -> Any:
        with self._gate.driver_call():
            return self._provider.update(request)

    def delete(self, request: Any) -> Any:
        with self._gate.driver_call():
            return self._provider.delete(request)


class RoleRegistrar:
    """The not-applied provider, registering each created ``AWS::IAM::Role`` with the emulator.

    Args:
        provider: the ``NotAppliedProvider``.
        control: the emulator's control API.
        propagation_seconds: how long a new role stays unassumable. Default: 0
    """

    def __init__(self, provider: Any, control: EmulatorControl, propagation_seconds: float = 0.0) -> None:
        self._provider = provider
        self._control = control
        self._seconds = propagation_seconds

    def __getattr__(self, name: str) -> Any:
        return getattr(self._provider, name)

    def create(self, request: Any) -> Any:
        outcome = self._provider.create(request)
        if request.resource_type == "AWS::IAM::Role":
            self._control.add_role(outcome.attributes["Arn"], self._seconds)
        return outcome
