"""A model of the scale section, to weigh alternatives that would cost an hour each to measure.

The emulator's rate limit is a token bucket per operation with a burst of 1 (``faults.RateLimiter``):
a call succeeds when at least ``1 / rate`` seconds have passed since the operation's last success, and
a throttled call changes nothing. The model replays exactly that, in simulated time, for ``n``
invocations that each need one DescribePools then one UpdatePool, with the benchmark's latency before
the bucket is consulted (the emulator sleeps first) and a small random handler time between the two.
Retry waits come from ``pool_settings_handler.pacing.retry_delay`` itself, so a policy is modelled by
the code that runs in the Lambda; the scale section prints the model next to the measurement for the
same policies, which is how far the model can be trusted.

Two things the handler cannot do are modelled too, to bound what any policy could reach:

- ``oracle``: every waiting invocation is told how many others are waiting (``m``) and, at each slot
  of ``1 / rate`` seconds, tries with probability ``x / m``. Invocations start alike and share
  nothing, so their retries can only be told apart by chance: the oracle is the best of the policies
  that draw slots at random, given more knowledge than an invocation has.
- ``lanes``: CloudFormation runs the Updates in ``lanes`` chains (``DependsOn``), with ``overhead``
  seconds between one resource's answer and the start of the next in its chain.
"""

from __future__ import annotations

import heapq
import random
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

# (attempt, throttled, draw) -> seconds to wait; ``draw`` is the generator's uniform(low, high).
Policy = Callable[[int, bool, Callable[[float, float], float]], float]
LATENCY_BEFORE_CHECK = 0.031  # the emulator's injected latency, then the bucket (plus ~1 ms of HTTP)
ANSWER_TRAVEL = 0.001
HANDLER_TIME = (0.002, 0.02)  # between DescribePools' answer and UpdatePool's request


@dataclass(frozen=True)
class Modelled:
    """The outcome of a modelled run."""

    updates: int
    successes: int
    seconds: float
    calls: int
    throttled: int

    @property
    def call_ratio(self) -> float:
        return self.calls / (2 * self.updates)

    def ratio(self, rate: float) -> float:
        return self.seconds / (self.updates / rate)


class _Bucket:
    """``faults.RateLimiter``'s rule in simulated time (that one reads the clock, so it is not reused)."""

    def __init__(self, rate: float) -> None:
        self.rate = rate
        self.tokens: dict[str, tuple[float, float]] = {}

    def allow(self, operation: str, now: float) -> bool:
        tokens, last = self.tokens.get(operation, (1.0, now))
        tokens = min(1.0, tokens + (now - last) * self.rate)
        if tokens >= 1.0:
            self.tokens[operation] = (tokens - 1.0, now)
            return True
        self.tokens[operation] = (tokens, now)
        return False


def simulate(
    updates: int,
    policy: Policy,
    *,
    rate: float = 1.0,
    deadline: float = 581.0,
    lanes: int = 0,
    overhead: float = 0.0,
    seed: int = 0,
) -> Modelled:
    """Model ``updates`` Updates under ``policy``; ``lanes`` > 0 chains them as CloudFormation would.

    Example:
        >>> one = simulate(1, lambda attempt, throttled, draw: 1.0)
        >>> (one.successes, one.calls, one.throttled)
        (1, 2, 0)
    """
    rng = random.Random(seed)
    bucket = _Bucket(rate)
    chains = (
        [list(range(lane, updates, lanes)) for lane in range(min(lanes, updates))]
        if lanes
        else [[i] for i in range(updates)]
    )
    lane_of = {i: lane for lane, chain in enumerate(chains) for i in chain}
    nexts = {lane: chain[1:] for lane, chain in enumerate(chains)}
    # Invocation state: operation still to do, attempts so far on it, start time.
    state: dict[int, tuple[str, int, float]] = {}
    queue: list[tuple[float, int]] = []
    for chain in chains:
        state[chain[0]] = ("DescribePools", 0, 0.0)
        heapq.heappush(queue, (rng.uniform(0, 0.05), chain[0]))  # the barrier's release is not instant
    calls = throttled = successes = 0
    last = 0.0
    while queue:
        now, i = heapq.heappop(queue)
        operation, attempts, began = state[i]
        if now - began > deadline:
            continue  # the handler gives up: a FAILED answer
        calls += 1
        answered = now + LATENCY_BEFORE_CHECK + ANSWER_TRAVEL
        if bucket.allow(operation, now + LATENCY_BEFORE_CHECK):
            if operation == "DescribePools":
                state[i] = ("UpdatePool", 0, began)
                heapq.heappush(queue, (answered + rng.uniform(*HANDLER_TIME), i))
                continue
            successes += 1
            last = max(last, answered)
            lane = lane_of[i]
            if nexts[lane]:
                following = nexts[lane].pop(0)
                state[following] = ("DescribePools", 0, answered + overhead)
                heapq.heappush(queue, (answered + overhead, following))
            continue
        throttled += 1
        state[i] = (operation, attempts + 1, began)
        heapq.heappush(queue, (answered + policy(attempts + 1, True, rng.uniform), i))
    return Modelled(updates, successes, last, calls, throttled)


def oracle(updates: int, attempts_per_slot: float, *, seed: int = 0) -> Modelled:
    """Slotted random access with the backlog known exactly: a bound for policies without a shared queue.

    Every invocation calls in the first slot (none knows the others yet); afterwards each waiting one
    calls in a slot with probability ``attempts_per_slot / waiting``. A slot with at least one call
    serves one (the first); the others are throttled. Only DescribePools is modelled: UpdatePool,
    fed at most one per slot, is counted as never throttled, which favours the oracle.

    Example:
        >>> oracle(1, 1.0).calls
        2
    """
    rng = random.Random(seed)
    waiting, slots, calls, throttled = updates, 0, 0, 0
    first = True
    while waiting:
        tries = (
            waiting
            if first
            else sum(rng.random() < min(1.0, attempts_per_slot / waiting) for _ in range(waiting))
        )
        first = False
        slots += 1
        if tries:
            calls += tries
            throttled += tries - 1
            waiting -= 1
    return Modelled(updates, updates, float(slots), calls + updates, throttled)


def best_oracle(updates: int, max_ratio: float, seeds: int = 5) -> tuple[float, Modelled] | None:
    """The fewest calls the oracle needs within ``max_ratio`` of the ideal time (mean over ``seeds``)."""
    best: tuple[float, Modelled] | None = None
    for tenth in range(5, 80):
        x = tenth / 10
        runs = [oracle(updates, x, seed=s) for s in range(seeds)]
        mean = Modelled(
            updates,
            updates,
            sum(r.seconds for r in runs) / seeds,
            round(sum(r.calls for r in runs) / seeds),
            round(sum(r.throttled for r in runs) / seeds),
        )
        if mean.ratio(1.0) <= max_ratio and (best is None or mean.calls < best[1].calls):
            best = (x, mean)
    return best


def handler_policy(overrides: Mapping[str, str]) -> Policy:
    """The handler's own ``pacing.retry_delay`` under the environment ``overrides`` (a POLICIES entry)."""
    from pool_settings_handler import pacing
    from pool_settings_handler.timing import Timeouts

    d = Timeouts()
    timeouts = Timeouts(
        backoff_base=float(overrides.get("POOL_SETTINGS_BACKOFF_BASE", d.backoff_base)),
        backoff_cap=float(overrides.get("POOL_SETTINGS_BACKOFF_CAP", d.backoff_cap)),
        backoff_policy=overrides.get("POOL_SETTINGS_BACKOFF_POLICY", d.backoff_policy),
    )

    def policy(attempt: int, throttled: bool, draw: Callable[[float, float], float]) -> float:
        return float(pacing.retry_delay(attempt, timeouts, throttled=throttled, uniform=draw))

    return policy


def full_jitter(base: float, cap: float, floor: float = 0.0) -> Policy:
    """Waits drawn from ``[floor * ceiling, ceiling]``, the ceiling doubling from ``base`` to ``cap``."""

    def policy(attempt: int, throttled: bool, draw: Callable[[float, float], float]) -> float:
        top = min(cap, base * 2 ** min(attempt - 1, 64))
        return draw(top * floor, top)

    return policy


def mean(runs: Sequence[Modelled]) -> Modelled:
    """The average of modelled runs of the same size."""
    count = len(runs)
    return Modelled(
        runs[0].updates,
        round(sum(r.successes for r in runs) / count),
        sum(r.seconds for r in runs) / count,
        round(sum(r.calls for r in runs) / count),
        round(sum(r.throttled for r in runs) / count),
    )


def averaged(
    updates: int, policy: Policy, seeds: int = 3, *, rate: float = 1.0, lanes: int = 0, overhead: float = 0.0
) -> Modelled:
    """``simulate`` over ``seeds`` seeds, averaged."""
    return mean(
        [simulate(updates, policy, rate=rate, seed=s, lanes=lanes, overhead=overhead) for s in range(seeds)]
    )


def burst_bound(updates: int) -> float:
    """Calls over the minimum that the first round alone costs: all but one first DescribePools throttled."""
    return (2 * updates + max(0, updates - 1)) / (2 * updates)


# Alternatives to the handler's default, modelled at the largest size: (label, base, cap, floor).
FRONTIER = [
    ("full jitter 0.25→8 s (before)", 0.25, 8.0, 0.0),
    ("full jitter 1→64 s", 1.0, 64.0, 0.0),
    ("full jitter 4→16 s", 4.0, 16.0, 0.0),
    ("full jitter 4→32 s", 4.0, 32.0, 0.0),
    ("¼-floor 2→12 s (default)", 2.0, 12.0, 0.25),
    ("¼-floor 2→24 s", 2.0, 24.0, 0.25),
    ("¼-floor 3→32 s", 3.0, 32.0, 0.25),
]
LANE_COUNTS = (1, 2, 5, 10, 20)
LANE_OVERHEADS = (0.0, 1.0, 2.0, 5.0, 10.0)
ORACLE_RATIOS = (1.15, 1.3)


@dataclass
class ModelResult:
    """What the model says, for the scale section to print next to the measurement."""

    policies: dict[tuple[str, int], Modelled]
    frontier: dict[str, Modelled]
    lanes: dict[tuple[int, float], Modelled]
    oracle: dict[tuple[int, float], tuple[float, Modelled] | None]


def alternatives(policies: Mapping[str, Mapping[str, str]], sizes: Sequence[int], rate: float) -> ModelResult:
    """Model each policy at each size, the frontier and the lanes at the largest size, and the oracle."""
    largest = max(sizes)
    return ModelResult(
        policies={
            (name, n): averaged(n, handler_policy(env), rate=rate)
            for name, env in policies.items()
            for n in sizes
        },
        frontier={
            label: averaged(largest, full_jitter(base, cap, floor), rate=rate)
            for label, base, cap, floor in FRONTIER
        },
        lanes={
            (chains, overhead): averaged(
                largest, handler_policy(policies["default"]), rate=rate, lanes=chains, overhead=overhead
            )
            for chains in LANE_COUNTS
            for overhead in LANE_OVERHEADS
        },
        oracle={(n, limit): best_oracle(n, limit) for n in sizes if n > 1 for limit in ORACLE_RATIOS},
    )
