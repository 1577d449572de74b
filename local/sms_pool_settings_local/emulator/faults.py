"""Fault injection and the per-operation rate limit, set through the control API. No HTTP here.

A fault matches a request by operation (or ``"*"``) and optionally by pool; faults are checked in the
order added and the first match with a remaining count fires. The server carries out what a fault
means on the wire (answer an error, sleep, hang, reset the connection).
"""

from __future__ import annotations

import threading
import time
from dataclasses import asdict, dataclass
from typing import Any

from .models import pool_id_of
from .validation import operation_model, operation_names, service_model

FAULT_KINDS = (
    "throttle",
    "server_error",
    "access_denied",
    "conflict",
    "latency",
    "hang",
    "connection_reset",
    "delete_pool",
    "omit_members",
)


def conflict_reasons() -> list[str]:
    """The ConflictExceptionReason values of the installed botocore model."""
    return list(service_model().shape_for("ConflictExceptionReason").enum)


def answer_members(operation: str) -> set[str]:
    """Members an ``omit_members`` fault may leave out of ``operation``'s answer: the output shape's
    own, and for a list of structures (DescribePools' ``Pools``) the members of each item."""
    shape = operation_model(operation).output_shape
    if shape is None:
        return set()
    found = set(shape.members)
    for member in shape.members.values():
        item = getattr(member, "member", None)
        if item is not None and getattr(item, "members", None):
            found |= set(item.members)
    return found


def omit_members(answer: dict[str, Any], members: list[str]) -> dict[str, Any]:
    """``answer`` without ``members`` at the top level and in each structure of a top-level list."""
    kept: dict[str, Any] = {}
    for key, value in answer.items():
        if key in members:
            continue
        if isinstance(value, list):
            value = [
                {k: v for k, v in item.items() if k not in members} if isinstance(item, dict) else item
                for item in value
            ]
        kept[key] = value
    return kept


@dataclass
class Fault:
    """One injected fault. ``count`` None means every matching request.

    ``omit_members`` handles the request as usual (state changes) and answers without the top-level
    answer ``members`` named, or without those members of each pool in ``Pools`` (DescribePools):
    an answer that leaves a member out, which the handler must survive.
    """

    operation: str
    kind: str
    count: int | None = 1
    reason: str | None = None
    seconds: float | None = None
    pool_id: str | None = None
    message: str | None = None
    members: list[str] | None = None

    def __post_init__(self) -> None:
        if self.operation != "*" and self.operation not in operation_names():
            raise ValueError(f"operation must be '*' or an operation of the service, got {self.operation!r}")
        if self.kind not in FAULT_KINDS:
            raise ValueError(f"kind must be one of {list(FAULT_KINDS)}, got {self.kind!r}")
        if self.count is not None and (isinstance(self.count, bool) or not isinstance(self.count, int)):
            raise ValueError(f"count must be a positive integer or None, got {self.count!r}")
        if self.count is not None and self.count < 1:
            raise ValueError(f"count must be a positive integer or None, got {self.count!r}")
        if self.kind == "conflict" and self.reason not in conflict_reasons():
            raise ValueError(f"reason must be a ConflictExceptionReason value, got {self.reason!r}")
        if self.kind in ("latency", "hang") and (
            isinstance(self.seconds, bool) or not isinstance(self.seconds, (int, float)) or self.seconds < 0
        ):
            raise ValueError(f"seconds must be a number >= 0 for a {self.kind} fault, got {self.seconds!r}")
        if self.kind == "omit_members":
            self._check_members()
        elif self.members is not None:
            raise ValueError(f"members is only for an omit_members fault, got {self.members!r}")

    def _check_members(self) -> None:
        if self.operation == "*":
            raise ValueError("an omit_members fault needs one operation, got '*'")
        known = sorted(answer_members(self.operation))
        if (
            not isinstance(self.members, list)
            or not self.members
            or not all(isinstance(m, str) for m in self.members)
        ):
            raise ValueError(
                f"members must be a non-empty list of {self.operation}'s answer members {known}, "
                f"got {self.members!r}"
            )
        unknown = [m for m in self.members if m not in known]
        if unknown:
            raise ValueError(f"members {unknown} are not in {self.operation}'s answer; known: {known}")

    def matches(self, operation: str, pool_ids: list[str]) -> bool:
        if self.operation not in ("*", operation):
            return False
        return self.pool_id is None or pool_id_of(self.pool_id) in {pool_id_of(p) for p in pool_ids}

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


class FaultRegistry:
    """Thread-safe ordered list of faults."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._faults: list[Fault] = []

    def add(self, fault: Fault) -> None:
        with self._lock:
            self._faults.append(fault)

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()

    def snapshot(self) -> list[dict[str, Any]]:
        """The armed faults, in order, as JSON."""
        with self._lock:
            return [f.to_json() for f in self._faults]

    def take(self, operation: str, pool_ids: list[str]) -> Fault | None:
        """The first fault matching the request, its count decremented (spent faults are dropped)."""
        with self._lock:
            for fault in self._faults:
                if fault.matches(operation, pool_ids):
                    if fault.count is not None:
                        fault.count -= 1
                        if fault.count == 0:
                            self._faults.remove(fault)
                    return fault
            return None


class RateLimiter:
    """A token bucket per operation with a burst of 1: at most ``rate`` requests per second each.

    Example:
        >>> limiter = RateLimiter()
        >>> limiter.set_rate(1.0)
        >>> limiter.allow("UpdatePool"), limiter.allow("UpdatePool")
        (True, False)
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._rate: float | None = None
        self._buckets: dict[str, tuple[float, float]] = {}

    def set_rate(self, rate: float | None) -> None:
        """Requests per second per operation; None disables the limit."""
        if rate is not None and (isinstance(rate, bool) or not isinstance(rate, (int, float)) or rate <= 0):
            raise ValueError(f"requests_per_second must be a number > 0 or None, got {rate!r}")
        with self._lock:
            self._rate = None if rate is None else float(rate)
            self._buckets.clear()

    def allow(self, operation: str) -> bool:
        with self._lock:
            if self._rate is None:
                return True
            now = time.monotonic()
            tokens, last = self._buckets.get(operation, (1.0, now))
            tokens = min(1.0, tokens + (now - last) * self._rate)
            if tokens >= 1.0:
                self._buckets[operation] = (tokens - 1.0, now)
                return True
            self._buckets[operation] = (tokens, now)
            return False
