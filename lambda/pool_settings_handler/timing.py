"""Time budget of one invocation: the tunable timeouts and the deadline derived from the Lambda's context.

Every value can be set by an environment variable on the function (tests use small ones). The handler
stops calling the service early enough that even a call that hangs until its read timeout still leaves
time to send the answer to CloudFormation before the Lambda is killed:

    api deadline = Lambda end - (connect timeout + read timeout + response budget)

crhelper's own timer (0.5 s before the Lambda end) stays the last resort.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from typing import Protocol


class LambdaContextLike(Protocol):
    """The part of the Lambda context object the handler uses."""

    def get_remaining_time_in_millis(self) -> int: ...


def _env_seconds(name: str, default: float) -> float:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = float(raw)
    except ValueError:
        return default
    return value if value > 0 else default


def _env_choice(name: str, choices: tuple[str, ...], default: str) -> str:
    raw = os.environ.get(name, "").strip()
    return raw if raw in choices else default


# The values of Timeouts.backoff_policy, the default first; pacing.py implements each.
BACKOFF_POLICIES = ("quota", "full-jitter")


@dataclass(frozen=True)
class Timeouts:
    """Timeouts and pacing, in seconds.

    Attributes:
        connect: per-attempt connect timeout of the SMS API client. Default: 3 (env
            ``POOL_SETTINGS_CONNECT_TIMEOUT``).
        read: per-attempt read timeout of the SMS API client. Default: 10 (env
            ``POOL_SETTINGS_READ_TIMEOUT``).
        response_budget: time kept at the end to send the answer to CloudFormation. Default: 6 (env
            ``POOL_SETTINGS_RESPONSE_BUDGET``).
        response_attempt: per-attempt timeout of the answer's HTTPS PUT. Default: 5 (env
            ``POOL_SETTINGS_RESPONSE_ATTEMPT_TIMEOUT``).
        poll_interval: wait between two calls while the service is not ready: DescribePools while
            the pool is CREATING (before or after the write), UpdatePool while the role cannot be
            assumed yet or the pool is not ACTIVE. Default: 2 (env ``POOL_SETTINGS_POLL_INTERVAL``).
        iam_propagation: how long UpdatePool is retried while the service cannot assume the two-way
            channel role, within the deadline. Default: 120, Terraform's ``iamPropagationTimeout`` for
            this service (env ``POOL_SETTINGS_IAM_PROPAGATION``).
        backoff_base: first retry's backoff ceiling, doubling per attempt. Default: 2, two slots of
            the SMS API's default quota of 1 request/s per operation (env ``POOL_SETTINGS_BACKOFF_BASE``).
        backoff_cap: largest backoff ceiling. Default: 12 (env ``POOL_SETTINGS_BACKOFF_CAP``).
        backoff_policy: how a wait is drawn under the ceiling, one of ``BACKOFF_POLICIES``: ``"quota"``
            or ``"full-jitter"`` (see ``pacing.py``; an unknown value falls back to the default).
            Default: ``"quota"`` (env ``POOL_SETTINGS_BACKOFF_POLICY``).
    """

    connect: float = 3.0
    read: float = 10.0
    response_budget: float = 6.0
    response_attempt: float = 5.0
    poll_interval: float = 2.0
    iam_propagation: float = 120.0
    backoff_base: float = 2.0
    backoff_cap: float = 12.0
    backoff_policy: str = BACKOFF_POLICIES[0]

    @property
    def safety_margin(self) -> float:
        """Time before the Lambda end at which no new API call starts: connect + read + response."""
        return self.connect + self.read + self.response_budget

    @classmethod
    def from_env(cls) -> Timeouts:
        """Read every value from its environment variable, falling back to the default."""
        d = cls()
        return cls(
            connect=_env_seconds("POOL_SETTINGS_CONNECT_TIMEOUT", d.connect),
            read=_env_seconds("POOL_SETTINGS_READ_TIMEOUT", d.read),
            response_budget=_env_seconds("POOL_SETTINGS_RESPONSE_BUDGET", d.response_budget),
            response_attempt=_env_seconds("POOL_SETTINGS_RESPONSE_ATTEMPT_TIMEOUT", d.response_attempt),
            poll_interval=_env_seconds("POOL_SETTINGS_POLL_INTERVAL", d.poll_interval),
            iam_propagation=_env_seconds("POOL_SETTINGS_IAM_PROPAGATION", d.iam_propagation),
            backoff_base=_env_seconds("POOL_SETTINGS_BACKOFF_BASE", d.backoff_base),
            backoff_cap=_env_seconds("POOL_SETTINGS_BACKOFF_CAP", d.backoff_cap),
            backoff_policy=_env_choice("POOL_SETTINGS_BACKOFF_POLICY", BACKOFF_POLICIES, d.backoff_policy),
        )


@dataclass(frozen=True)
class Deadline:
    """A point in ``time.monotonic()`` time after which no new work starts.

    Example:
        >>> Deadline(time.monotonic() + 5).remaining() > 4
        True
    """

    at: float

    @classmethod
    def before_end(cls, context: LambdaContextLike, margin: float) -> Deadline:
        """The deadline ``margin`` seconds before the Lambda's end (``get_remaining_time_in_millis``)."""
        return cls(time.monotonic() + context.get_remaining_time_in_millis() / 1000.0 - margin)

    def remaining(self) -> float:
        """Seconds left (negative once passed)."""
        return self.at - time.monotonic()
