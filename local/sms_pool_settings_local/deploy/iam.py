"""IAM the way the stack's provider runs under it: enforcement in the emulator, role propagation.

- **Enforcement while a handler runs.** When a custom resource's function has a role with policies in
  the stack (``emulator.policies_for_role`` over the applied, resolved resources), the emulator's
  IAM enforcement is on (``EmulatorControl.enforce_iam``) for as long as the handler runs, as the
  role's session ``arn:aws:sts::<account>:assumed-role/<role>/<function>``, and only for requests
  signed with the handler's access key (``access_key_id``): the driver's own calls (what CloudFormation
  does with the deployer's credentials: CreatePool, DeleteOptOutList ...) sign with another key and
  are not held to the role's policies. A missing or mis-scoped statement fails the deploy with the
  service's ``AccessDeniedException``, as it would in an account.
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

from sms_pool_settings_local.emulator import EmulatorControl
from sms_pool_settings_local.offline_env import DUMMY_CREDENTIALS

# Policies for a function about to run: (policy documents, principal ARN), or None for none.
PolicySource = Callable[[Any], tuple[list[dict[str, Any]], str] | None]

DEFAULT_ROLE_PROPAGATION_SECONDS = 0.0


class IamGate:
    """Enforcement on, for the handler's access key, while handlers run.

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
        self._key: str | None = None

    @contextlib.contextmanager
    def handler(self, function: Any) -> Iterator[None]:
        """While ``function``'s handler runs: its access key held to its role's policies."""
        found = self.policies(function) if self.enabled else None
        if found is None:
            yield
            return
        policies, principal = found
        access_key = dict(function.environment).get(
            "AWS_ACCESS_KEY_ID", DUMMY_CREDENTIALS["AWS_ACCESS_KEY_ID"]
        )
        key = repr((policies, principal, access_key))
        with self._changed:
            # Handlers under other policies wait: the emulator holds one set at a time.
            self._changed.wait_for(lambda: self._key in (None, key))
            if self._handlers == 0:
                self.control.enforce_iam(policies, principal_arn=principal, access_key_id=access_key)
                self._key = key
            self._handlers += 1
        try:
            yield
        finally:
            with self._changed:
                self._handlers -= 1
                if self._handlers == 0:
                    self._key = None
                    self.control.clear_iam()
                self._changed.notify_all()


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
