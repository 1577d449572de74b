"""Scale: many concurrent Updates against an emulator limited to a few requests per second per operation.

Each Lambda invocation runs in its own process, as on Lambda, where concurrent invocations get separate
execution environments and share nothing but the API's quota. The processes are forked from a fork
server that has already imported the handler (Lambda's INIT phase), so starting 200 of them costs
little CPU; each builds its own boto3 client on its first call and gets its own LambdaContext carrying
the construct's Lambda timeout. All wait at one barrier and start together.

Every Update changes one setting, so each needs one DescribePools and one UpdatePool; with operations
limited separately, the ideal wall time is ``updates / rate`` seconds and the minimum of calls is
``2 * updates``. Throttled calls are retried by the handler inside its remaining time.

Policies are the handler's own, chosen through its environment (``POOL_SETTINGS_BACKOFF_*``), so the
baseline and the default run the same code in the same process tree and differ only in those values.

Lanes (a prototype of letting CloudFormation pace the work): the Updates are split into ``lanes``
chains; a chain runs its invocations one after another in one process (a warm Lambda container), with
``overhead`` seconds between an answer and the next invocation, standing in for the time CloudFormation
takes to see a resource complete and start the one that depends on it.
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import os
import time
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from .env import WORK
from .live import DESIRED, Live, as_settings, make_event
from .model import ModelResult, alternatives

# The handler's policy before issue 15 (full jitter, 0.25 s doubling to 8 s), and its default.
POLICIES: dict[str, dict[str, str]] = {
    "before": {
        "POOL_SETTINGS_BACKOFF_POLICY": "full-jitter",
        "POOL_SETTINGS_BACKOFF_BASE": "0.25",
        "POOL_SETTINGS_BACKOFF_CAP": "8",
    },
    "default": {},
}
LABELS = {
    "before": "full jitter 0.25→8 s (before)",
    "default": "handler default (quota)",
}
# Modules every invocation process has loaded before it starts: the handler's INIT phase.
PRELOAD = ["pool_settings_handler.handler", "sms_pool_settings_local.lambda_runtime", "benchmarks.scale"]
# How long the parent waits for the invocation processes to be ready at the barrier.
READY_TIMEOUT = 120.0


@dataclass
class ScaleRun:
    """One run: ``updates`` concurrent Updates under one policy (and lanes, for the prototype)."""

    updates: int
    policy: str
    lanes: int = 0  # 0: every invocation at once
    overhead: float = 0.0
    seconds: float = 0.0
    successes: int = 0
    failures: Counter[str] = field(default_factory=Counter)
    calls: Counter[str] = field(default_factory=Counter)
    throttled: Counter[str] = field(default_factory=Counter)

    @property
    def total_calls(self) -> int:
        return sum(self.calls.values())

    @property
    def minimum_calls(self) -> int:
        """One DescribePools and one UpdatePool per Update."""
        return 2 * self.updates

    @property
    def call_ratio(self) -> float:
        return self.total_calls / self.minimum_calls

    @property
    def calls_per_update(self) -> float:
        return self.total_calls / self.updates

    @property
    def total_throttled(self) -> int:
        return sum(self.throttled.values())


@dataclass
class ScaleResult:
    rate: float
    timeout: float
    latency: float
    runs: list[ScaleRun] = field(default_factory=list)
    model: ModelResult | None = None

    def ideal(self, updates: int) -> float:
        """The least time the rate allows: each operation is needed ``updates`` times."""
        return updates / self.rate

    def ratio(self, run: ScaleRun) -> float:
        return run.seconds / self.ideal(run.updates)

    def find(self, updates: int, policy: str, lanes: int = 0) -> ScaleRun | None:
        for run in self.runs:
            if (run.updates, run.policy, run.lanes) == (updates, policy, lanes):
                return run
        return None


def _invocations(
    events: Sequence[dict[str, Any]],
    env: Mapping[str, str],
    barrier: Any,
    timeout: float,
    overhead: float,
    log_path: str,
) -> None:
    """One process: the Lambda environment ``env``, then ``events`` one after another (a lane)."""
    os.environ.update(env)
    logging.basicConfig(filename=log_path, level=logging.INFO, force=True)
    from pool_settings_handler.handler import handler
    from sms_pool_settings_local.lambda_runtime import LambdaContext

    barrier.wait(READY_TIMEOUT)
    for index, event in enumerate(events):
        if index:
            time.sleep(overhead)
        handler(dict(event), LambdaContext(timeout))


_context: Any = None


def _process_context() -> Any:
    """The fork-server context, with the handler preloaded (created once per benchmark process)."""
    global _context
    if _context is None:
        _context = multiprocessing.get_context("forkserver")
        _context.set_forkserver_preload(PRELOAD)
    return _context


@contextlib.contextmanager
def _rate_limited(live: Live, rate: float) -> Iterator[None]:
    live.control.set_rate_limit(rate)
    try:
        yield
    finally:
        live.control.set_rate_limit(None)


def run_one(
    live: Live,
    *,
    updates: int,
    policy: str,
    rate: float,
    timeout: float,
    latency: float,
    lanes: int = 0,
    overhead: float = 0.0,
) -> ScaleRun:
    """``updates`` Updates, each changing one setting of its own pool, under ``policy`` (a POLICIES key)."""
    result = ScaleRun(updates, policy, lanes, overhead)
    live.reset_store([f"Pool{index}" for index in range(updates)])
    live.control.reset()
    live.add_latency(latency)
    events = []
    for index in range(updates):
        pool = live.control.seed_pool(**as_settings(DESIRED))
        props = {"PoolId": pool["PoolId"], **DESIRED}
        events.append(
            make_event(
                "Update",
                live.receiver.new_response_url(),
                {**props, "SharedRoutesEnabled": "true"},
                resource_type=live.resource_types["ours"],
                old=props,
                physical_id=pool["PoolArn"],
                logical_id=f"Pool{index}",
            )
        )
    chains = [events[lane::lanes] for lane in range(min(lanes, updates))] if lanes else [[e] for e in events]
    ctx = _process_context()
    barrier = ctx.Barrier(len(chains) + 1)
    env = {**os.environ, **POLICIES[policy]}
    WORK.mkdir(parents=True, exist_ok=True)
    log_path = str(WORK / "handler.log")
    processes = [
        ctx.Process(target=_invocations, args=(chain, env, barrier, timeout, overhead, log_path), daemon=True)
        for chain in chains
    ]
    live.control.clear_calls()
    with _rate_limited(live, rate):
        for process in processes:
            process.start()
        barrier.wait(READY_TIMEOUT)
        start = time.perf_counter()
        answers = []
        budget = timeout * (len(events) // len(chains) + 1) + overhead * len(events) + 60
        for event in events:
            remaining = max(1.0, budget - (time.perf_counter() - start))
            try:
                answers.append(live.receiver.wait_for(event["ResponseURL"], timeout=remaining))
            except TimeoutError:
                answers.append({"Status": "NO ANSWER", "Reason": "no answer within the Lambda timeout"})
        result.seconds = time.perf_counter() - start
    for process in processes:
        process.join(timeout=30)
        if process.is_alive():
            process.kill()
    for answer in answers:
        if answer.get("Status") == "SUCCESS":
            result.successes += 1
        else:
            result.failures[str(answer.get("Reason", ""))[:120]] += 1
    for call in live.control.calls():
        operation = str(call["operation"])
        result.calls[operation] += 1
        if "Throttling" in str(call.get("error") or ""):
            result.throttled[operation] += 1
    return result


# The lanes measured (chains, CloudFormation's per-resource overhead in seconds): one chain with an
# overhead of one slot of the quota, the case the model says meets both targets; model.py covers others.
LANES = [(1, 1.0)]


def run(
    live: Live,
    *,
    sizes: Sequence[int],
    rate: float,
    timeout: float,
    latency: float,
    lanes: Sequence[tuple[int, float]] = LANES,
    say: Any = print,
) -> ScaleResult:
    """Every size under every policy (alternating which goes first), then lanes at the largest size."""
    result = ScaleResult(rate, timeout, latency)
    result.model = alternatives(POLICIES, sizes, rate)
    order = list(POLICIES)
    for turn, updates in enumerate(sizes):
        for policy in order if turn % 2 == 0 else order[::-1]:
            one = run_one(live, updates=updates, policy=policy, rate=rate, timeout=timeout, latency=latency)
            result.runs.append(one)
            say(
                f"scale: N={updates} {policy}: {one.successes}/{updates} in {one.seconds:.1f} s, "
                f"{one.total_calls} calls ({one.call_ratio:.2f}x), {one.total_throttled} throttled"
            )
    for chains, overhead in lanes:
        updates = max(sizes)
        one = run_one(
            live,
            updates=updates,
            policy="default",
            rate=rate,
            timeout=timeout,
            latency=latency,
            lanes=chains,
            overhead=overhead,
        )
        result.runs.append(one)
        say(
            f"scale: N={updates} lanes={chains} overhead={overhead:g} s: {one.successes}/{updates} in "
            f"{one.seconds:.1f} s, {one.total_calls} calls ({one.call_ratio:.2f}x), "
            f"{one.total_throttled} throttled"
        )
    return result
