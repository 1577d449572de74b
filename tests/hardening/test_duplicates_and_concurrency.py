"""CloudFormation retries deliver the same event twice; stacks and pipelines send events for one pool at once.

Both must be harmless: the same answer, the pool ends as declared, no error from the service.
"""

from __future__ import annotations

import threading
from typing import Any

import pytest
from hardening_support import NEW, NEW_SETTINGS, OLD, OLD_SETTINGS, Harness, managed
from pool_settings_handler import constants as c

CHANGED = ",".join(c.MANAGED_SETTINGS)


def _without_changed_fields(body: dict[str, Any]) -> dict[str, Any]:
    # ChangedFields reports what *this* invocation wrote: all seven for the first delivery, none for a
    # repeat that finds the pool already as declared. Everything else must be identical.
    data = {k: v for k, v in body["Data"].items() if k != c.ATTR_CHANGED_FIELDS}
    return {**body, "Data": data}


@pytest.mark.parametrize("request_type", ["Create", "Update", "Delete"])
def test_a_duplicate_delivery_of_the_same_event_gets_the_same_answer_and_one_write(
    harness: Harness, request_type: str
) -> None:
    # GIVEN a pool with the old settings and one event, delivered twice to the same ResponseURL
    h = harness
    h.seed(OLD_SETTINGS)
    event = h.event(request_type, NEW, old_properties=OLD)

    # WHEN the handler runs it twice
    first = h.run(event).answers[-1]
    h.run(event)

    # THEN both answers agree, the pool is as declared, and only the first delivery wrote
    answers = h.receiver.responses(event["ResponseURL"])
    assert len(answers) == 2
    assert answers[0]["Status"] == answers[1]["Status"] == "SUCCESS"
    assert _without_changed_fields(answers[0]) == _without_changed_fields(answers[1])
    assert answers[1]["Data"].get(c.ATTR_CHANGED_FIELDS, "") == ""
    if request_type == "Delete":
        assert h.calls() == []
        assert managed(h.pool()) == OLD_SETTINGS
    else:
        assert first["Data"][c.ATTR_CHANGED_FIELDS] == CHANGED
        assert len(h.calls("UpdatePool")) == 1
        assert managed(h.pool()) == NEW_SETTINGS
    assert all(call["status"] == 200 for call in h.calls())


def test_concurrent_events_for_the_same_pool_all_succeed_and_the_pool_ends_as_declared(
    harness: Harness,
) -> None:
    # GIVEN twelve events declaring the same settings for one pool: six distinct Creates/Updates and
    # each of them delivered twice, all at once (CloudFormation retrying while the first still runs)
    h = harness
    h.seed(OLD_SETTINGS)
    events = [h.event("Create", NEW) for _ in range(3)] + [
        h.event("Update", NEW, old_properties=OLD) for _ in range(3)
    ]
    deliveries = events + events
    results: list[Any] = [None] * len(deliveries)
    start = threading.Barrier(len(deliveries))

    def deliver(index: int) -> None:
        start.wait()
        results[index] = h.run(deliveries[index])

    # WHEN they all run at once
    threads = [threading.Thread(target=deliver, args=(i,)) for i in range(len(deliveries))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)

    # THEN every delivery answered SUCCESS with the pool's ARN, and the pool is as declared
    assert all(result is not None for result in results), "a delivery did not finish"
    for event in events:
        answers = h.receiver.responses(event["ResponseURL"])
        assert [a["Status"] for a in answers] == ["SUCCESS", "SUCCESS"], answers
        assert {a["PhysicalResourceId"] for a in answers} == {h.pool_arn()}
    assert managed(h.pool()) == NEW_SETTINGS
    # Several may have read the old pool before the first write landed; each wrote the same values.
    writes = h.calls("UpdatePool")
    assert 1 <= len(writes) <= len(deliveries)
    assert all(call["status"] == 200 for call in h.calls()), [c for c in h.calls() if c["status"] != 200]


def test_concurrent_opposite_updates_leave_the_pool_entirely_one_way_and_a_reapply_converges(
    harness: Harness,
) -> None:
    # GIVEN an update and its rollback racing for the same pool (an operator re-running a pipeline
    # while CloudFormation rolls back)
    h = harness
    h.seed(OLD_SETTINGS)
    forward = h.event("Update", NEW, old_properties=OLD)
    backward = h.event("Update", OLD, old_properties=NEW)
    start = threading.Barrier(2)
    results: dict[str, Any] = {}

    def deliver(name: str, event: dict[str, Any]) -> None:
        start.wait()
        results[name] = h.run(event)

    # WHEN both run at once
    threads = [
        threading.Thread(target=deliver, args=("forward", forward)),
        threading.Thread(target=deliver, args=("backward", backward)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)

    # THEN both answered SUCCESS once and the pool holds one side whole, never a mix of the two
    assert [a["Status"] for a in results["forward"].answers] == ["SUCCESS"]
    assert [a["Status"] for a in results["backward"].answers] == ["SUCCESS"]
    assert managed(h.pool()) in (OLD_SETTINGS, NEW_SETTINGS)
    # AND the next Update (CloudFormation's last word) makes it exactly what it declares
    last = h.run(h.event("Update", NEW, old_properties=OLD))
    assert last.body["Status"] == "SUCCESS"
    assert managed(h.pool()) == NEW_SETTINGS
