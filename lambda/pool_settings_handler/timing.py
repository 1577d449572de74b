"""Time budget of one invocation: one object, read once per container and bound once per event.

``Timeouts`` holds every tunable value; ``container_timeouts()`` reads them from the function's
environment variables on first use and gives that same object to every later event (a container's
environment never changes). ``Budget.bind`` ties them, once per event, to the Lambda's end read from
the context (``get_remaining_time_in_millis``), the idea of Powertools' ``register_lambda_context``;
every step of the event asks that one ``Budget``: the API calls (``remaining()``), crhelper's former
last-resort timer (``timer_delay()``) and the answer's PUT (``response_deadline``). The handler stops
calling the service early enough that even a call that hangs until its read timeout still leaves time
to send the answer to CloudFormation before the Lambda is killed:

    api deadline = Lambda end - (connect timeout + read timeout + response budget)
    timer        = Lambda end - TIMER_END_MARGIN (0.5 s, as crhelper's)
    last PUT     = Lambda end - RESPONSE_END_MARGIN (0.1 s)
"""

from __future__ import annotations

import math
import os
import threading
import time
from dataclasses import dataclass, field
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


# How long before the Lambda's end the timer answers FAILED if nothing else has (crhelper's own figure).
TIMER_END_MARGIN = 0.5
# How long before the Lambda's end the last response attempt may still start.
RESPONSE_END_MARGIN = 0.1

_container: list[Timeouts] = []
_container_lock = threading.Lock()


def container_timeouts() -> Timeouts:
    """The container's ``Timeouts``: ``Timeouts.from_env()`` on first use, the same object after it."""
    if not _container:
        with _container_lock:
            if not _container:
                _container.append(Timeouts.from_env())
    return _container[0]


def forget_container_timeouts() -> None:
    """Read the environment again on the next ``container_timeouts()`` (tests change it between events)."""
    with _container_lock:
        _container.clear()


@dataclass(frozen=True)
class Budget:
    """One event's time budget: the container's ``Timeouts`` bound to the Lambda's end.

    The one object every step of the event, and every function of ``client.py``, is given.

    Attributes:
        at: the API deadline, a ``time.monotonic()`` value after which no new API call starts:
            ``safety_margin`` before the Lambda's end when made by ``bind``.
        timeouts: the values every step uses. Default: - ``Timeouts()``.
        started: ``time.monotonic()`` when the event arrived. Default: - now.
        lambda_end: ``time.monotonic()`` value at which the Lambda is killed. Default: - never.

    Example:
        >>> budget = Budget.bind(seconds_left=20.0, timeouts=Timeouts())
        >>> round(budget.remaining()), round(budget.timer_delay(), 1)  # 20 - (3 + 10 + 6), 20 - 0.5
        (1, 19.5)
    """

    at: float
    timeouts: Timeouts = field(default_factory=Timeouts)
    started: float = field(default_factory=time.monotonic)
    lambda_end: float = math.inf

    @classmethod
    def bind(cls, seconds_left: float, timeouts: Timeouts | None = None) -> Budget:
        """The budget of an event whose Lambda ends in ``seconds_left``; ``timeouts``: the container's."""
        values = timeouts or container_timeouts()
        started = time.monotonic()
        end = started + seconds_left
        return cls(at=end - values.safety_margin, timeouts=values, started=started, lambda_end=end)

    @classmethod
    def of_context(cls, context: LambdaContextLike) -> Budget:
        """``bind`` to the Lambda context's ``get_remaining_time_in_millis()``."""
        return cls.bind(context.get_remaining_time_in_millis() / 1000.0)

    def remaining(self) -> float:
        """Seconds left before the API deadline ``at`` (negative once passed)."""
        return self.at - time.monotonic()

    @property
    def response_deadline(self) -> float:
        """The ``time.monotonic()`` value after which no response attempt starts."""
        return self.lambda_end - RESPONSE_END_MARGIN

    def timer_delay(self) -> float:
        """Seconds from now until the timer must answer in place of the function."""
        return self.lambda_end - TIMER_END_MARGIN - time.monotonic()

    def elapsed(self) -> float:
        """Seconds since the event arrived."""
        return time.monotonic() - self.started
