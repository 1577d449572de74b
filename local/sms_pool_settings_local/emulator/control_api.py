"""The server side of the control API: JSON over HTTP under ``/_emulator/``, for tests and people.

| Method and path                    | Body / query                                   | Answer            |
|------------------------------------|------------------------------------------------|-------------------|
| ``POST /_emulator/reset``          |                                                | ``{}``            |
| ``POST /_emulator/faults``         | ``{operation, kind, count, reason, seconds,    | the fault         |
|                                    | pool_id, message, members}``                   |                   |
| ``GET /_emulator/faults``          |                                                | ``[fault, ...]``  |
| ``DELETE /_emulator/faults``       |                                                | ``{}``            |
| ``POST /_emulator/rate-limit``     | ``{requests_per_second}`` (null disables)      | ``{}``            |
| ``POST /_emulator/pool-statuses``  | ``{pool_id, statuses, after_update}``          | ``{}``            |
| ``POST /_emulator/pools``          | ``{pool_id, region, message_type, status,      | the pool          |
|                                    | settings, tags, account}``                     |                   |
| ``GET /_emulator/pools``           | ``?region=us-east-1&account=123456789012``     | ``[pool, ...]``   |
| ``POST /_emulator/accounts``       | ``{access_key_id, account_id}``                | the mapping       |
| ``GET /_emulator/accounts``        |                                                | ``[mapping, ...]``|
| ``GET /_emulator/calls``           | ``?operation=UpdatePool``                      | ``[call, ...]``   |
| ``DELETE /_emulator/calls``        |                                                | ``{}``            |
| ``GET /_emulator/health``          |                                                | ``{"ok": true}``  |
| ``POST /_emulator/iam``            | ``{policies: [<policy document>, ...],         | the IAM state     |
|                                    | principal_arn, access_key_id}``: IAM           |                   |
|                                    | enforcement on                                 |                   |
| ``GET /_emulator/iam``             |                                                | ``{enabled,       |
|                                    |                                                | policies,         |
|                                    |                                                | principal_arn,    |
|                                    |                                                | access_key_id}``  |
| ``DELETE /_emulator/iam``          | IAM enforcement off (``reset`` does it too)    | ``{}``            |
| ``POST /_emulator/roles``          | ``{role_arn, assumable_after_seconds}``        | the role          |
| ``GET /_emulator/roles``           |                                                | ``[role, ...]``   |

A bad argument answers 400 ``{"error": "<message naming the argument and value>"}``.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs

from .authorization import IamEnforcer
from .faults import Fault, FaultRegistry, RateLimiter
from .models import ACCOUNT_ID, DEFAULT_REGION, SmsBackend
from .responses import Dispatcher

PREFIX = "/_emulator/"


def api_name(setting: str) -> str:
    """``two_way_enabled`` -> ``TwoWayEnabled``; an API name is returned unchanged."""
    if "_" not in setting and setting[:1].isupper():
        return setting
    return "".join(part[:1].upper() + part[1:] for part in setting.split("_"))


class ControlApi:
    """Routes control requests to the emulator's parts. ``reset`` resets all of them."""

    def __init__(
        self,
        backend: SmsBackend,
        faults: FaultRegistry,
        limiter: RateLimiter,
        dispatcher: Dispatcher,
        reset: Callable[[], None],
        on_change: Callable[[], None] | None = None,
        enforcer: IamEnforcer | None = None,
    ) -> None:
        self.enforcer = enforcer if enforcer is not None else dispatcher.enforcer
        self.backend = backend
        self.faults = faults
        self.limiter = limiter
        self.dispatcher = dispatcher
        self.reset = reset
        self.on_change = on_change

    def handle(self, method: str, path: str, raw_body: bytes) -> tuple[int, Any]:
        """Answer one control request: (HTTP status, JSON-serialisable body)."""
        route, _, query_string = path.partition("?")
        query = {k: v[-1] for k, v in parse_qs(query_string).items()}
        try:
            body = json.loads(raw_body) if raw_body else {}
        except ValueError:
            return 400, {"error": "control request body must be JSON"}
        if not isinstance(body, dict):
            return 400, {"error": f"control request body must be a JSON object, got {type(body).__name__}"}
        handler = self._routes().get((method, route[len(PREFIX) :].strip("/")))
        if handler is None:
            return 404, {"error": f"no control route {method} {route}"}
        version = self.backend.version
        try:
            result = handler(body, query)
        except (TypeError, ValueError) as exc:
            return 400, {"error": str(exc)}
        if self.on_change is not None and self.backend.version != version:
            self.on_change()
        return 200, result

    def _routes(self) -> dict[tuple[str, str], Callable[[dict[str, Any], dict[str, str]], Any]]:
        return {
            ("GET", "health"): lambda b, q: {"ok": True},
            ("POST", "reset"): self._reset,
            ("POST", "faults"): self._add_fault,
            ("GET", "faults"): lambda b, q: self.faults.snapshot(),
            ("DELETE", "faults"): self._clear_faults,
            ("POST", "rate-limit"): self._rate_limit,
            ("POST", "pool-statuses"): self._pool_statuses,
            ("POST", "pools"): self._seed_pool,
            ("GET", "pools"): lambda b, q: self.backend.pools(
                q.get("region", DEFAULT_REGION), q.get("account", ACCOUNT_ID)
            ),
            ("POST", "accounts"): self._set_account,
            ("GET", "accounts"): lambda b, q: self.backend.account_records(),
            ("GET", "calls"): self._calls,
            ("DELETE", "calls"): self._clear_calls,
            ("POST", "iam"): self._enforce_iam,
            ("GET", "iam"): lambda b, q: self.enforcer.snapshot(),
            ("DELETE", "iam"): self._clear_iam,
            ("POST", "roles"): self._add_role,
            ("GET", "roles"): lambda b, q: self.backend.role_records(),
        }

    def _enforce_iam(self, body: dict[str, Any], query: dict[str, str]) -> dict[str, Any]:
        known = ["access_key_id", "policies", "principal_arn"]
        unknown = sorted(set(body) - set(known))
        if unknown:
            raise ValueError(f"unknown iam arguments {unknown}; known: {known}")
        self.enforcer.enforce(body.get("policies"), body.get("principal_arn"), body.get("access_key_id"))
        return self.enforcer.snapshot()

    def _set_account(self, body: dict[str, Any], query: dict[str, str]) -> dict[str, str]:
        unknown = sorted(set(body) - {"access_key_id", "account_id"})
        if unknown:
            raise ValueError(f"unknown accounts arguments {unknown}; known: ['access_key_id', 'account_id']")
        return self.backend.set_account(body.get("access_key_id", ""), body.get("account_id", ""))

    def _clear_iam(self, body: dict[str, Any], query: dict[str, str]) -> dict[str, Any]:
        self.enforcer.clear()
        return {}

    def _add_role(self, body: dict[str, Any], query: dict[str, str]) -> dict[str, Any]:
        unknown = sorted(set(body) - {"role_arn", "assumable_after_seconds"})
        if unknown:
            raise ValueError(
                f"unknown roles arguments {unknown}; known: ['assumable_after_seconds', 'role_arn']"
            )
        return self.backend.add_role(body.get("role_arn", ""), body.get("assumable_after_seconds", 0))

    def _reset(self, body: dict[str, Any], query: dict[str, str]) -> dict[str, Any]:
        self.reset()
        return {}

    def _add_fault(self, body: dict[str, Any], query: dict[str, str]) -> dict[str, Any]:
        allowed = {"operation", "kind", "count", "reason", "seconds", "pool_id", "message", "members"}
        unknown = sorted(set(body) - allowed)
        if unknown:
            raise ValueError(f"unknown fault arguments {unknown}; known: {sorted(allowed)}")
        fault = Fault(**body)
        self.faults.add(fault)
        return fault.to_json()

    def _clear_faults(self, body: dict[str, Any], query: dict[str, str]) -> dict[str, Any]:
        self.faults.clear()
        return {}

    def _rate_limit(self, body: dict[str, Any], query: dict[str, str]) -> dict[str, Any]:
        if "requests_per_second" not in body:
            raise ValueError("rate-limit needs requests_per_second (a number > 0, or null to disable)")
        self.limiter.set_rate(body["requests_per_second"])
        return {}

    def _pool_statuses(self, body: dict[str, Any], query: dict[str, str]) -> dict[str, Any]:
        pool_id, statuses = body.get("pool_id"), body.get("statuses")
        if not isinstance(pool_id, str) or not pool_id:
            raise ValueError(f"pool_id must be a pool ID or ARN, got {pool_id!r}")
        if not isinstance(statuses, list):
            raise ValueError(f"statuses must be a list, got {statuses!r}")
        after_update = body.get("after_update", False)
        if not isinstance(after_update, bool):
            raise ValueError(f"after_update must be true or false, got {after_update!r}")
        self.backend.set_pool_statuses(pool_id, statuses, after_update=after_update)
        return {}

    def _seed_pool(self, body: dict[str, Any], query: dict[str, str]) -> dict[str, Any]:
        settings = body.get("settings") or {}
        if not isinstance(settings, dict):
            raise ValueError(f"settings must be an object, got {settings!r}")
        return self.backend.seed_pool(
            body.get("region", DEFAULT_REGION),
            body.get("pool_id"),
            message_type=body.get("message_type", "TRANSACTIONAL"),
            status=body.get("status", "ACTIVE"),
            settings={api_name(k): v for k, v in settings.items()},
            tags=body.get("tags") or None,
            account=body.get("account", ACCOUNT_ID),
        )

    def _calls(self, body: dict[str, Any], query: dict[str, str]) -> list[dict[str, Any]]:
        calls = self.dispatcher.recorded()
        operation = query.get("operation")
        return [c for c in calls if operation is None or c["operation"] == operation]

    def _clear_calls(self, body: dict[str, Any], query: dict[str, str]) -> dict[str, Any]:
        self.dispatcher.clear_calls()
        return {}
