"""200 concurrent Updates against a rate-limited API all end SUCCESS within a budget of API calls.

Each Update is its own event, ResponseURL and Lambda context, all started together, against the
emulator's token bucket per operation (burst 1). The scenario is the issue's (200 Updates at the SMS
API's default quota of 1 request/s per operation, the construct's Lambda timeout, the handler's
production pacing), run 4 times faster: the rate is 4 requests/s, and every duration that paces the
work is divided by 4 (the Lambda timeout, read from a synthesized template, and the backoff base and
cap, read from ``Timeouts()``'s defaults). In units of one slot of the quota (1 / rate) the two runs
are the same: the same 200 invocations contend for the same number of slots, and the policy draws the
same number of slots to wait; only the handler's own few milliseconds per call grow relative to a slot,
which makes this run slightly harder, not easier (benchmarks/model.py, run at both rates, gives a few
per cent more calls sped up). The connect, read and response margins stay at their production values, so each
invocation has less time for API calls than the scaled budget would give it.

The invocations are threads of this process sharing one boto3 client (botocore's own retries off);
the pacing they use keeps no state between invocations (``pacing.retry_delay`` is pure), so a thread
behaves as a Lambda execution environment of its own would. ``benchmarks/`` runs the same scenario with
one process per invocation and reports the wall time; this test asserts no time, only outcomes and
the number of calls.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable, Mapping
from typing import Any

import pytest
from hardening_support import NEW, NEW_SETTINGS, OLD, OLD_SETTINGS, Harness, managed
from pool_settings_handler.timing import Timeouts

UPDATES = 200
SPEED_UP = 4.0  # this run's rate over the quota's; every pacing duration is divided by it
RATE = 1.0 * SPEED_UP  # requests per second, per operation
# API calls, throttled ones included, over the minimum (one DescribePools and one UpdatePool each).
# The handler's pacing makes about 11 here (9 to 10 before the records of issue 9 came between the read
# and the write); full jitter from 0.25 s to 8 s, the policy before issue 15, makes about 19 (17 before
# issue 9): the budget fails a return to that storm.
CALL_BUDGET = 14.0


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


def production_pacing_sped_up() -> dict[str, str]:
    """The handler's default backoff base and cap, divided by ``SPEED_UP``, as its environment sets them."""
    defaults = Timeouts()
    return {
        "POOL_SETTINGS_BACKOFF_BASE": str(defaults.backoff_base / SPEED_UP),
        "POOL_SETTINGS_BACKOFF_CAP": str(defaults.backoff_cap / SPEED_UP),
    }


@pytest.mark.slow
def test_200_concurrent_rate_limited_updates_all_succeed_within_the_call_budget(
    harness: Harness, lambda_env: Callable[[Mapping[str, str]], None]
) -> None:
    # GIVEN the construct's Lambda timeout, the production pacing, 200 pools and the rate limit, all on
    # a clock 4 times faster
    lambda_timeout = construct_lambda_timeout() / SPEED_UP
    lambda_env(production_pacing_sped_up())
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
    for thread in threads:
        thread.join(lambda_timeout + 60)
    h.control.set_rate_limit(None)

    # THEN every one answered SUCCESS once, before its Lambda deadline, and every pool is as declared
    assert not failures, failures[:5]
    statuses = Counter(r.body["Status"] for r in results if r is not None)
    assert statuses == Counter({"SUCCESS": UPDATES}), [
        r.body["Reason"] for r in results if r is not None and r.body["Status"] != "SUCCESS"
    ][:5]
    assert all(len(r.answers) == 1 and r.remaining > 0 for r in results)
    assert all(managed(h.pool(pool_id)) == NEW_SETTINGS for pool_id in pools)
    # AND each pool was read and written exactly once, with the throttled calls within the budget
    calls = h.calls()
    accepted = Counter(call["operation"] for call in calls if call["status"] == 200)
    throttled = Counter(call["operation"] for call in calls if call["error"] == "ThrottlingException")
    assert accepted == Counter({"DescribePools": UPDATES, "UpdatePool": UPDATES})
    assert len(calls) == sum(accepted.values()) + sum(throttled.values()), "only throttling may fail a call"
    minimum = 2 * UPDATES
    print(
        f"\nrate-limited throughput: {UPDATES} Updates at {RATE:g} request/s per operation (the quota sped"
        f" up {SPEED_UP:g} times): {len(calls)} calls for {minimum} needed ({len(calls) / minimum:.2f}x),"
        f" throttled {dict(throttled)}"
    )
    assert len(calls) <= CALL_BUDGET * minimum, (
        f"{len(calls)} API calls for {UPDATES} Updates, over the budget of {CALL_BUDGET:g} x {minimum}"
    )
