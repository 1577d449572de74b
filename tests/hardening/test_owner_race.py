"""Two resources claim the same setting of one pool at the same moment: exactly one wins.

Both list the pool's records before either has written its own (the proxy holds every PutParameter
for a while), so both pass the owner check; each then lists again after writing its record, and the
claim Parameter Store recorded later gives way: its record is taken back and its event fails before
any UpdatePool, naming the winner.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping

from hardening_support import EVENT_LOGICAL_ID, EVENT_STACK_ID, FAST_TIMEOUTS, OLD_SETTINGS, Harness, Result
from pool_settings_handler import constants as c

# Two invocations at once on a shared machine: room for slow answers, the race is what is tested.
ROOMY = {**FAST_TIMEOUTS, "POOL_SETTINGS_READ_TIMEOUT": "5"}
ROOMY_LAMBDA_TIMEOUT = 20.0


def test_two_simultaneous_first_claims_of_one_setting_leave_exactly_one_owner(
    harness: Harness, lambda_env: Callable[[Mapping[str, str]], None]
) -> None:
    h = harness
    lambda_env(ROOMY)
    assert h.store is not None
    h.seed(OLD_SETTINGS)
    h.store.cloudformation.set_stack(EVENT_STACK_ID, "CREATE_IN_PROGRESS", [EVENT_LOGICAL_ID, "Rival"])
    h.store.ssm_proxy.add("PutParameter", "latency", count=2, seconds=0.4)
    events = [h.event("Create", {c.PROP_SHARED_ROUTES_ENABLED: value}) for value in ("true", "false")]
    events[1]["LogicalResourceId"] = "Rival"
    results: dict[int, Result] = {}

    def run(index: int) -> None:
        results[index] = h.run(events[index], timeout=ROOMY_LAMBDA_TIMEOUT)

    threads = [threading.Thread(target=run, args=(i,)) for i in (0, 1)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    h.store.ssm_proxy.wait_quiet()
    h.inflight.wait_quiet()

    statuses = sorted(results[i].body["Status"] for i in (0, 1))
    assert statuses == ["FAILED", "SUCCESS"], [results[i].body["Reason"] for i in (0, 1)]
    winner = 0 if results[0].body["Status"] == "SUCCESS" else 1
    loser_reason = results[1 - winner].body["Reason"]
    assert "SharedRoutesEnabled of pool" in loser_reason and "already managed by" in loser_reason
    assert len(h.calls("UpdatePool")) <= 1
    [record] = h.store.records().values()
    assert record["LogicalResourceId"] == events[winner]["LogicalResourceId"]
    pool = h.pool()
    assert pool is not None
    assert pool[c.PROP_SHARED_ROUTES_ENABLED] is (winner == 0)
