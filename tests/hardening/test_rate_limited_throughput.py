"""200 concurrent Updates against an API limited to 1 request per second per operation all end SUCCESS.

Each Update is its own event, ResponseURL and Lambda context, with the Lambda timeout the construct
gives the provider function (read from a synthesized template, not copied here) and the handler's
default timeouts (the production ones: no test overrides). The handler's retries back off with full
jitter inside each invocation's deadline; the test records the wall time against the ideal, which is
the busiest operation's requests divided by the rate (200 DescribePools at 1/s, overlapping the 200
UpdatePools at 1/s: 200 s).
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable, Mapping
from typing import Any

import pytest
from hardening_support import NEW, NEW_SETTINGS, OLD, OLD_SETTINGS, Harness, managed

UPDATES = 200
RATE = 1.0  # requests per second, per operation


def construct_lambda_timeout() -> int:
    """The provider function's Timeout (seconds) in a template synthesized with one PoolSettings."""
    from aws_cdk import App, Stack
    from aws_cdk.assertions import Template
    from sms_pool_settings import PoolSettings

    app = App()
    stack = Stack(app, "ThroughputStack")
    PoolSettings(stack, "Settings", pool="pool-1", two_way_enabled=True)
    functions = Template.from_stack(stack).find_resources(
        "AWS::Lambda::Function",
        {"Properties": {"Handler": "pool_settings_handler.handler.handler"}},
    )
    (function,) = functions.values()
    return int(function["Properties"]["Timeout"])


@pytest.mark.slow
def test_200_concurrent_updates_at_1_request_per_second_all_succeed_within_the_lambda_timeout(
    harness: Harness, lambda_env: Callable[[Mapping[str, str]], None]
) -> None:
    # GIVEN the construct's Lambda timeout, the handler's default timeouts, 200 pools and the rate limit
    lambda_timeout = construct_lambda_timeout()
    lambda_env({})  # production timeouts: drop the fast ones the harness set
    h = harness
    pools = [f"pool-throughput{i:021d}" for i in range(UPDATES)]
    for pool_id in pools:
        h.seed(OLD_SETTINGS, pool_id=pool_id)
    events = [h.event("Update", NEW, old_properties=OLD, pool_id=pool_id) for pool_id in pools]
    h.control.set_rate_limit(RATE)
    results: list[Any] = [None] * UPDATES
    failures: list[str] = []
    start = threading.Barrier(UPDATES + 1)

    def update(index: int) -> None:
        start.wait()
        try:
            results[index] = h.run(events[index], timeout=lambda_timeout)
        except BaseException as exc:  # reported below with the others
            failures.append(f"{pools[index]}: {exc!r}")

    threads = [threading.Thread(target=update, args=(i,), daemon=True) for i in range(UPDATES)]
    for thread in threads:
        thread.start()

    # WHEN all 200 start at once
    start.wait()
    began = time.monotonic()
    for thread in threads:
        thread.join(lambda_timeout + 60)
    wall = time.monotonic() - began

    # THEN every one answered SUCCESS once, before its deadline, and every pool is as declared
    assert not failures, failures[:5]
    statuses = Counter(r.body["Status"] for r in results if r is not None)
    assert statuses == Counter({"SUCCESS": UPDATES}), [
        r.body["Reason"] for r in results if r is not None and r.body["Status"] != "SUCCESS"
    ][:5]
    assert all(len(r.answers) == 1 and r.remaining > 0 for r in results)
    assert all(managed(h.pool(pool_id)) == NEW_SETTINGS for pool_id in pools)
    calls = h.calls()
    accepted = Counter(call["operation"] for call in calls if call["status"] == 200)
    throttled = sum(1 for call in calls if call["error"] == "ThrottlingException")
    assert accepted == Counter({"DescribePools": UPDATES, "UpdatePool": UPDATES})
    ideal = max(accepted.values()) / RATE
    slowest = max(r.seconds for r in results)
    print(
        f"\nrate-limited throughput: {UPDATES} Updates, {RATE:g} request/s per operation, "
        f"Lambda timeout {lambda_timeout} s: wall {wall:.1f} s, ideal {ideal:.0f} s "
        f"(ratio {wall / ideal:.2f}), slowest invocation {slowest:.1f} s, "
        f"{throttled} throttled requests of {len(calls)}"
    )
    assert slowest < lambda_timeout
