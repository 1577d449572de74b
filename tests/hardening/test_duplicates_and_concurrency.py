"""Lambda delivers the same event twice; stacks and pipelines send events for one pool at once.

Both must be harmless: the same answer, the pool ends as declared, no error from the service. A duplicate
that reaches the container which answered it gets the identical answer (lifecycle.py); one that reaches
another container runs again, writes nothing (the pool is already as declared) and differs only in
ChangedFields.
"""

from __future__ import annotations

import threading
from typing import Any

import pytest
from hardening_support import NEW, NEW_SETTINGS, OLD, OLD_SETTINGS, Harness, managed
from pool_settings_handler import constants as c
from pool_settings_handler import lifecycle as resource_module

CHANGED = ",".join(c.MANAGED_SETTINGS)


def _without_changed_fields(body: dict[str, Any]) -> dict[str, Any]:
    # ChangedFields reports what *this* invocation wrote: all seven for the first delivery, none for a
    # repeat that finds the pool already as declared. Everything else must be identical.
    data = {k: v for k, v in body["Data"].items() if k != c.ATTR_CHANGED_FIELDS}
    return {**body, "Data": data}


def _deliver_twice(h: Harness, request_type: str, *, fresh_container: bool) -> list[dict[str, Any]]:
    """Seed the old settings, run one event twice (same ResponseURL); the two answers received."""
    h.seed(OLD_SETTINGS)
    event = h.event(request_type, NEW, old_properties=OLD)
    h.run(event)
    if fresh_container:  # the duplicate lands where nothing is remembered
        resource_module.ANSWERS.clear()
    h.run(event)
    answers = h.receiver.responses(event["ResponseURL"])
    assert len(answers) == 2
    return answers


@pytest.mark.parametrize("request_type", ["Create", "Update", "Delete"])
def test_a_duplicate_delivery_of_the_same_event_gets_the_same_answer_and_one_write(
    harness: Harness, request_type: str
) -> None:
    # GIVEN a pool with the old settings WHEN one event is delivered twice to the same container
    h = harness
    answers = _deliver_twice(h, request_type, fresh_container=False)
    first = answers[0]

    # THEN both answers are identical (ChangedFields included), the pool is as declared, and only the
    # first delivery called the service
    assert answers[0]["Status"] == "SUCCESS"
    assert answers[0] == answers[1]
    if request_type == "Delete":
        assert h.calls() == []
        assert managed(h.pool()) == OLD_SETTINGS
    else:
        assert first["Data"][c.ATTR_CHANGED_FIELDS] == CHANGED
        assert len(h.calls("UpdatePool")) == 1
        assert len(h.calls("DescribePools")) == 1
        assert managed(h.pool()) == NEW_SETTINGS
    assert all(call["status"] == 200 for call in h.calls())


@pytest.mark.parametrize("request_type", ["Create", "Update"])
def test_a_duplicate_in_another_container_writes_nothing_and_differs_only_in_changed_fields(
    harness: Harness, request_type: str
) -> None:
    # GIVEN a pool with the old settings WHEN the duplicate lands in a fresh container
    h = harness
    answers = _deliver_twice(h, request_type, fresh_container=True)

    # THEN the same answer but for ChangedFields (the repeat wrote nothing), and one write in all
    assert _without_changed_fields(answers[0]) == _without_changed_fields(answers[1])
    assert (answers[0]["Data"][c.ATTR_CHANGED_FIELDS], answers[1]["Data"][c.ATTR_CHANGED_FIELDS]) == (
        CHANGED,
        "",
    )
    assert len(h.calls("UpdatePool")) == 1
    assert managed(h.pool()) == NEW_SETTINGS


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
