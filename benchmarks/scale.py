"""Scale: many concurrent Updates against an emulator limited to a few requests per second per operation.

One thread per Update, all in this process, each with its own LambdaContext carrying the construct's
Lambda timeout, all started together. Every Update changes one setting, so each needs one
DescribePools and one UpdatePool; with operations limited separately, the ideal wall time is
``updates / rate`` seconds. Throttled calls are retried by the handler inside its remaining time.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from .live import DESIRED, Live, as_settings, make_event


@dataclass
class ScaleResult:
    updates: int
    rate: float
    timeout: float
    latency: float
    seconds: float = 0.0
    successes: int = 0
    failures: Counter[str] = field(default_factory=Counter)
    calls: Counter[str] = field(default_factory=Counter)
    throttled: int = 0

    @property
    def ideal(self) -> float:
        """The least time the rate allows: each operation is needed ``updates`` times."""
        return self.updates / self.rate

    @property
    def ratio(self) -> float:
        return self.seconds / self.ideal


def run(live: Live, *, updates: int, rate: float, timeout: float, latency: float) -> ScaleResult:
    """Run ``updates`` concurrent Updates with the emulator limited to ``rate`` requests/s per operation."""
    from lambda_runtime import LambdaContext

    result = ScaleResult(updates, rate, timeout, latency)
    live.control.reset()
    live.add_latency(latency)
    events = []
    for index in range(updates):
        pool = live.control.seed_pool(**as_settings(DESIRED))
        props = {"PoolId": pool["PoolId"], **DESIRED}
        url = live.receiver.new_response_url()
        new = {**props, "SharedRoutesEnabled": "true"}
        events.append(
            make_event(
                "Update",
                url,
                new,
                resource_type=live.resource_types["ours"],
                old=props,
                physical_id=pool["PoolArn"],
                logical_id=f"Pool{index}",
            )
        )
    live.control.clear_calls()
    live.control.set_rate_limit(rate)
    handler = live.handlers["ours"]
    gate = threading.Barrier(updates + 1)

    def one(event: dict[str, Any]) -> None:
        gate.wait()
        handler(event, LambdaContext(timeout))

    threads = [threading.Thread(target=one, args=(event,), daemon=True) for event in events]
    for thread in threads:
        thread.start()
    gate.wait()
    start = time.perf_counter()
    answers = []
    for event in events:
        remaining = max(1.0, timeout + 30 - (time.perf_counter() - start))
        answers.append(live.receiver.wait_for(event["ResponseURL"], timeout=remaining))
    result.seconds = time.perf_counter() - start
    for thread in threads:
        thread.join(timeout=30)
    live.control.set_rate_limit(None)
    for answer in answers:
        if answer.get("Status") == "SUCCESS":
            result.successes += 1
        else:
            result.failures[str(answer.get("Reason", ""))[:120]] += 1
    for call in live.control.calls():
        result.calls[str(call["operation"])] += 1
        if "Throttling" in str(call.get("error") or ""):
            result.throttled += 1
    return result
