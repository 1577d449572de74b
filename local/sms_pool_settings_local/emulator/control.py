"""``EmulatorControl``: a small client of the control API (stdlib urllib, no boto3).

It drives an emulator in this process or in another one (``python -m sms_pool_settings_local.emulator``).
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any
from urllib.parse import urlencode


class EmulatorControlError(ValueError):
    """The control API refused a request; the message names the argument and the value."""


class EmulatorControl:
    """Methods mirror the control API 1:1.

    Args:
        endpoint_url: the emulator's base URL, e.g. ``http://127.0.0.1:4566``.
        timeout: seconds to wait for each control request. Default: 10

    Example:
        >>> control = EmulatorControl("http://127.0.0.1:4566")  # doctest: +SKIP
        >>> control.add_fault("UpdatePool", "throttle", count=2)  # doctest: +SKIP
    """

    def __init__(self, endpoint_url: str, timeout: float = 10.0) -> None:
        self.endpoint_url = endpoint_url.rstrip("/")
        self.timeout = timeout

    def _call(self, method: str, route: str, body: dict[str, Any] | None = None, **query: Any) -> Any:
        url = f"{self.endpoint_url}/_emulator/{route}"
        params = {k: v for k, v in query.items() if v is not None}
        if params:
            url += "?" + urlencode(params)
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(  # noqa: S310 - the URL is the emulator's, http on loopback
            url, data=data, method=method, headers={"Content-Type": "application/json"}
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310
                return json.loads(response.read() or b"null")
        except urllib.error.HTTPError as exc:
            try:
                message = json.loads(exc.read()).get("error", "")
            except ValueError:
                message = ""
            raise EmulatorControlError(f"{method} {route}: HTTP {exc.code}: {message}") from None

    def health(self) -> bool:
        """True when the emulator answers."""
        return bool(self._call("GET", "health").get("ok"))

    def reset(self) -> None:
        """Clear pools, opt-out lists (Default ones return), faults, rate limit, statuses, registered
        roles, the access-key mapping, call log; turn IAM enforcement off."""
        self._call("POST", "reset", {})

    def add_fault(
        self,
        operation: str,
        kind: str,
        *,
        count: int | None = 1,
        reason: str | None = None,
        seconds: float | None = None,
        pool_id: str | None = None,
        message: str | None = None,
        members: list[str] | None = None,
    ) -> dict[str, Any]:
        """Inject a fault into the next ``count`` requests of ``operation`` ("*" for any).

        Args:
            operation: an operation name of the service, or "*".
            kind: throttle, server_error, access_denied, conflict, latency, hang, connection_reset,
                delete_pool or omit_members (the request is handled, its answer lacks ``members``).
            count: how many matching requests it hits; None for every one. Default: 1
            reason: the ConflictExceptionReason for ``conflict``. Default: None
            seconds: the delay for ``latency`` and ``hang``. Default: None
            pool_id: only requests naming this pool (ID or ARN) match. Default: None (any request)
            message: the error message instead of the emulator's. Default: None
            members: for ``omit_members``, the answer members to leave out (top level, or of each pool
                in DescribePools' ``Pools``), e.g. ``["TwoWayChannelRole"]``. Default: None

        Raises:
            EmulatorControlError: naming the bad argument and its value.
        """
        body: dict[str, Any] = {
            "operation": operation,
            "kind": kind,
            "count": count,
            "reason": reason,
            "seconds": seconds,
            "pool_id": pool_id,
            "message": message,
        }
        if members is not None:
            body["members"] = list(members)
        return dict(self._call("POST", "faults", body))

    def faults(self) -> list[dict[str, Any]]:
        """The faults still armed, in order."""
        return list(self._call("GET", "faults"))

    def clear_faults(self) -> None:
        self._call("DELETE", "faults")

    def set_rate_limit(self, requests_per_second: float | None) -> None:
        """Token bucket per operation (burst 1); over the rate answers ThrottlingException. None disables."""
        self._call("POST", "rate-limit", {"requests_per_second": requests_per_second})

    def set_pool_statuses(self, pool_id: str, statuses: list[str], *, after_update: bool = False) -> None:
        """Each DescribePools/UpdatePool answering for the pool takes the next status; the last sticks.

        Args:
            pool_id: the pool's ID or ARN.
            statuses: PoolStatus values, e.g. ``["CREATING", "CREATING", "ACTIVE"]``.
            after_update: hold the sequence until an UpdatePool of the pool succeeds; that answer takes
                the first status and later answers the rest, so the pool is CREATING for a while
                after the write (an UpdatePool meanwhile answers ConflictException
                RESOURCE_NOT_ACTIVE). Default: False (the sequence starts with the next answer)
        """
        body = {"pool_id": pool_id, "statuses": list(statuses), "after_update": after_update}
        self._call("POST", "pool-statuses", body)

    def seed_pool(
        self,
        pool_id: str | None = None,
        *,
        region: str = "us-east-1",
        message_type: str = "TRANSACTIONAL",
        status: str = "ACTIVE",
        tags: dict[str, str] | None = None,
        account: str = "123456789012",
        **settings: Any,
    ) -> dict[str, Any]:
        """Create a pool directly, with a chosen ID and settings, and return it as stored.

        Settings take UpdatePool's names in snake_case or as in the API (``two_way_enabled=True`` or
        ``TwoWayEnabled=True``). Default pool_id: a new ``pool-`` + 32 hex ID. ``tags`` maps keys to
        values, checked as TagResource checks them (Default: None, no tags); ``account`` is the
        12-digit account the pool belongs to (Default: "123456789012").
        """
        body = {
            "pool_id": pool_id,
            "region": region,
            "message_type": message_type,
            "status": status,
            "settings": settings,
            "tags": tags or {},
            "account": account,
        }
        return dict(self._call("POST", "pools", body))

    def pools(self, region: str = "us-east-1", account: str = "123456789012") -> list[dict[str, Any]]:
        """The raw stored pools of ``region`` in ``account``, in creation order."""
        return list(self._call("GET", "pools", region=region, account=account))

    # --- Accounts ---
    def set_account(self, access_key_id: str, account_id: str) -> dict[str, str]:
        """Requests signed with ``access_key_id`` (the ``Credential=`` of their SigV4 ``Authorization``)
        act in ``account_id`` from now on: its pools, opt-out lists and ARNs, kept apart from every
        other account's. A key never registered acts in 123456789012; ``reset()`` forgets the keys.

        Example:
            >>> control.set_account("AKIAPRODEUWEST1", "222222222222")  # doctest: +SKIP
        """
        body = {"access_key_id": access_key_id, "account_id": account_id}
        return dict(self._call("POST", "accounts", body))

    def accounts(self) -> list[dict[str, str]]:
        """The registered access keys: ``access_key_id``, ``account_id``."""
        return list(self._call("GET", "accounts"))

    def calls(self, operation: str | None = None) -> list[dict[str, Any]]:
        """The requests received, in order: operation, request (as sent), status, error (code), fault,
        region, account (the one the access key acts in), message (the error's message, None on
        success)."""
        return list(self._call("GET", "calls", operation=operation))

    def clear_calls(self) -> None:
        self._call("DELETE", "calls")

    # --- IAM enforcement ---
    def enforce_iam(
        self,
        policies: list[dict[str, Any]],
        principal_arn: str | None = None,
        *,
        access_key_id: str | None = None,
    ) -> dict[str, Any]:
        """Turn IAM enforcement on: from now on every SMS call is authorized against ``policies`` as IAM
        would authorize it (action ``sms-voice:<Operation>`` on the resources the Service Authorization
        Reference names, plus ``iam:PassRole`` on ``TwoWayChannelRole`` with ``iam:PassedToService``),
        and a denied call answers ``AccessDeniedException`` (HTTP 403) in AWS's wording. ``reset()``
        and ``clear_iam()`` turn it off.

        Args:
            policies: the caller's identity-based policy documents, resolved to literal ARNs (no
                CloudFormation intrinsics; ``emulator.iam.policies_for_role`` collects them
                from a template, unresolved). Calling again replaces them.
            principal_arn: the caller named in denials and in ``aws:PrincipalArn``, e.g. the
                provider role's session. Default: None
                (``arn:aws:sts::123456789012:assumed-role/emulator/session``)
            access_key_id: check only requests signed with this access key ID, so one caller (the
                handler, given its own ``AWS_ACCESS_KEY_ID``) is held to ``policies`` while another
                (a deploy driver acting as CloudFormation, with other keys) is not. Default: None
                (every request is checked)

        Returns:
            ``{"enabled": True, "policies": [...], "principal_arn": ..., "access_key_id": ...}``.

        Raises:
            EmulatorControlError: naming the policy, statement and value the emulator cannot evaluate
                (an unresolved intrinsic, an unsupported condition operator, a Principal, ...).

        Example:
            >>> control.enforce_iam([{"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
            ...     "Action": "sms-voice:DescribePools", "Resource": "*"}]}])  # doctest: +SKIP
        """
        body = {"policies": list(policies), "principal_arn": principal_arn, "access_key_id": access_key_id}
        return dict(self._call("POST", "iam", body))

    def clear_iam(self) -> None:
        """Turn IAM enforcement off: every call is allowed again."""
        self._call("DELETE", "iam")

    def iam(self) -> dict[str, Any]:
        """``{"enabled", "policies", "principal_arn", "access_key_id"}``: the IAM enforcement in force."""
        return dict(self._call("GET", "iam"))

    # --- Roles ---
    def add_role(self, role_arn: str, assumable_after_seconds: float) -> dict[str, Any]:
        """Register a role the service can assume only ``assumable_after_seconds`` from now (IAM's
        eventual consistency for a role just created). Until then an UpdatePool naming it in
        ``TwoWayChannelRole`` answers ``ValidationException`` ``RESOURCE_NOT_ACCESSIBLE`` with the
        message ``Could not assume IAM role <arn>.``. Unregistered roles are assumable; ``reset()``
        forgets every registered role.

        Returns:
            ``{"role_arn": ..., "assumable_at": <epoch seconds>}``.
        """
        body = {"role_arn": role_arn, "assumable_after_seconds": assumable_after_seconds}
        return dict(self._call("POST", "roles", body))

    def roles(self) -> list[dict[str, Any]]:
        """The registered roles: ``role_arn`` and ``assumable_at`` (epoch seconds)."""
        return list(self._call("GET", "roles"))
