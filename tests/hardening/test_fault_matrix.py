"""Every fault the emulator injects x every request type, with the same five checks in each cell.

For each cell: exactly one answer reaches CloudFormation, it arrives before the Lambda context's
deadline, the pool's managed settings are afterwards either all the old ones or all the new ones
(never a mix), a pool that was written has its record with the old values as priors, and once the
fault is cleared the follow-up CloudFormation would send succeeds: the same Create again, the
rollback of an Update (old and new swapped), the same Delete again.

The pool goes from OLD_SETTINGS to NEW_SETTINGS, which differ in all seven managed fields, so every
Create and Update must write all seven in its one UpdatePool. A transient cell's answer must also
report ACTIVE and, in Data, exactly the values written.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
from hardening_support import (
    NEW,
    NEW_SETTINGS,
    OLD,
    OLD_SETTINGS,
    POOL_ID,
    Harness,
    assert_written_only_with_its_record,
    managed,
)
from pool_settings_handler import constants as c
from sms_pool_settings_local.emulator.faults import conflict_reasons

REQUEST_TYPES = ("Create", "Update", "Delete")


@dataclass(frozen=True)
class Fault:
    """One injected fault.

    Attributes:
        name: the cell's ID.
        arm: injects it into the emulator.
        transient: the handler is expected to retry through it and answer SUCCESS.
        reason: text the FAILED Reason must contain (for non-transient faults).
        clear: undoes what the fault did to the service (beyond the armed faults, always cleared).
    """

    name: str
    arm: Callable[[Harness], object]
    transient: bool = False
    reason: str = ""
    clear: Callable[[Harness], object] = field(default=lambda h: None)


def _add(operation: str, kind: str, **options: object) -> Callable[[Harness], object]:
    return lambda h: h.control.add_fault(operation, kind, **options)


def _role_assumable_after(seconds: float) -> Callable[[Harness], object]:
    """The new two-way role becomes assumable by the service ``seconds`` from now."""
    return lambda h: h.control.add_role(str(NEW_SETTINGS[c.PROP_TWO_WAY_CHANNEL_ROLE]), seconds)


# A hang or a latency longer than the read timeout (1 s): each attempt times out, the emulator finishes
# the request afterwards (a latency fault then applies the write, long after the handler gave up).
SLOW = 1.6

FAULTS: list[Fault] = [
    # Transient bursts: retried with backoff inside the deadline, then SUCCESS.
    Fault("throttling-burst", _add("*", "throttle", count=3), transient=True),
    Fault("server-error-burst", _add("*", "server_error", count=3), transient=True),
    Fault("connection-reset-burst", _add("*", "connection_reset", count=2), transient=True),
    Fault("latency-within-deadline", _add("*", "latency", count=2, seconds=0.3), transient=True),
    # The same faults lasting past the deadline: FAILED before it, naming the operation.
    Fault(
        "throttling-until-deadline",
        _add("DescribePools", "throttle", count=None),
        reason="DescribePools pool-hardening",
    ),
    Fault(
        "server-errors-until-deadline",
        _add("UpdatePool", "server_error", count=None),
        reason="UpdatePool pool-hardening",
    ),
    Fault(
        "connection-resets-until-deadline",
        _add("UpdatePool", "connection_reset", count=None),
        reason="UpdatePool pool-hardening",
    ),
    Fault(
        "read-timeouts-describe-hangs",
        _add("DescribePools", "hang", count=None, seconds=SLOW),
        reason="DescribePools pool-hardening",
    ),
    Fault(
        "read-timeouts-update-hangs",
        _add("UpdatePool", "hang", count=None, seconds=SLOW),
        reason="UpdatePool pool-hardening",
    ),
    Fault(
        "latency-beyond-deadline-describe",
        _add("DescribePools", "latency", count=None, seconds=SLOW),
        reason="DescribePools pool-hardening",
    ),
    Fault(
        "latency-beyond-deadline-update",
        _add("UpdatePool", "latency", count=None, seconds=SLOW),
        reason="UpdatePool pool-hardening",
    ),
    # Not retryable: FAILED at once with the service's words.
    Fault(
        "access-denied-describe",
        _add("DescribePools", "access_denied"),
        reason="DescribePools pool-hardening",
    ),
    Fault("access-denied-update", _add("UpdatePool", "access_denied"), reason="UpdatePool pool-hardening"),
    Fault(
        "pool-stays-creating",
        lambda h: h.control.set_pool_statuses(POOL_ID, ["CREATING"]),
        reason="still CREATING",
        clear=lambda h: h.control.set_pool_statuses(POOL_ID, ["ACTIVE"]),
    ),
    Fault(
        "pool-deleted-between-describe-and-update",
        _add("UpdatePool", "delete_pool", pool_id=POOL_ID),
        reason="not found",
        # The fault's damage is the missing pool: someone recreates it (with the old settings).
        clear=lambda h: h.pool() or h.seed(OLD_SETTINGS),
    ),
    # What a real account does around the write (issue 11): the two-way role not assumable yet (IAM
    # propagation), the pool not ACTIVE when UpdatePool arrives or right after it, an answer that leaves
    # members out. Waited for within the deadline, then SUCCESS with Data of the values written...
    Fault("role-assumable-after-propagation", _role_assumable_after(0.5), transient=True),
    Fault(
        "pool-not-active-when-written",
        lambda h: h.control.set_pool_statuses(POOL_ID, ["ACTIVE", "CREATING", "ACTIVE"]),
        transient=True,
    ),
    Fault(
        "pool-creating-after-the-write",
        lambda h: h.control.set_pool_statuses(POOL_ID, ["CREATING", "CREATING", "ACTIVE"], after_update=True),
        transient=True,
    ),
    Fault(
        "update-answer-omits-members",
        _add("UpdatePool", "omit_members", members=[*c.MANAGED_SETTINGS, "Status"]),
        transient=True,
    ),
    # ... or FAILED before the deadline saying what the service kept refusing.
    Fault(
        "role-never-assumable",
        _role_assumable_after(3600),
        reason=f"the service could not assume role {NEW_SETTINGS[c.PROP_TWO_WAY_CHANNEL_ROLE]} after ",
        clear=_role_assumable_after(0),
    ),
    Fault(
        "pool-stays-creating-after-the-write",
        lambda h: h.control.set_pool_statuses(POOL_ID, ["CREATING"], after_update=True),
        reason="still CREATING after",
        clear=lambda h: h.control.set_pool_statuses(POOL_ID, ["ACTIVE"]),
    ),
    *(
        Fault(
            f"conflict-{reason}",
            _add("UpdatePool", "conflict", reason=reason),
            # RESOURCE_NOT_ACTIVE is waited out (the pool becomes ACTIVE); every other reason is final.
            transient=reason == "RESOURCE_NOT_ACTIVE",
            reason=f"UpdatePool {POOL_ID} rejected: ConflictException {reason}",
        )
        for reason in conflict_reasons()
    ),
]


def _event(h: Harness, request_type: str) -> dict[str, object]:
    if request_type == "Create":
        return h.event("Create", NEW)
    if request_type == "Update":
        return h.event("Update", NEW, old_properties=OLD)
    return h.event("Delete", NEW)


def _follow_up(h: Harness, request_type: str, event: dict[str, object]) -> tuple[dict[str, object], dict]:
    """The event CloudFormation sends next, and the managed settings the pool must end with."""
    if request_type == "Update":
        return h.rollback(h.again(event)), dict(OLD_SETTINGS)
    if request_type == "Create":
        return h.again(event), dict(NEW_SETTINGS)
    return h.again(event), dict(OLD_SETTINGS)


@pytest.mark.parametrize("request_type", REQUEST_TYPES)
@pytest.mark.parametrize("fault", FAULTS, ids=[f.name for f in FAULTS])
def test_each_fault_gets_one_timely_answer_leaves_nothing_half_applied_and_the_follow_up_succeeds(
    harness: Harness, fault: Fault, request_type: str
) -> None:
    h = harness
    h.seed(OLD_SETTINGS)
    fault.arm(h)
    event = _event(h, request_type)

    result = h.run(event)

    # The service may still be finishing requests the handler gave up on: judge the state after them.
    h.inflight.wait_quiet()
    answers = h.receiver.responses(event["ResponseURL"])  # type: ignore[arg-type]
    assert len(answers) == 1, f"expected exactly one answer, got {answers}"
    assert result.remaining > 0
    body = answers[0]
    assert len(body["Reason"]) <= c.MAX_REASON_LENGTH
    after = managed(h.pool())
    assert after in (OLD_SETTINGS, NEW_SETTINGS, None), f"half-applied: {after}"
    assert h.store is not None
    assert_written_only_with_its_record(h.store, after)
    if request_type == "Delete":
        # Delete leaves the pool alone and calls nothing, whatever the service is doing.
        assert body["Status"] == "SUCCESS", body
        assert body["PhysicalResourceId"] == h.pool_arn()
        assert h.calls() == []
        assert after == OLD_SETTINGS
    elif fault.transient:
        assert body["Status"] == "SUCCESS", body["Reason"]
        assert body["Data"][c.ATTR_CHANGED_FIELDS] == ",".join(c.MANAGED_SETTINGS)
        assert body["Data"][c.ATTR_STATUS] == "ACTIVE"
        assert {name: body["Data"][name] for name in c.MANAGED_SETTINGS} == NEW, (
            "Data is not what was written"
        )
        assert after == NEW_SETTINGS
    else:
        assert body["Status"] == "FAILED"
        assert fault.reason in body["Reason"], body["Reason"]
        assert "Internal error" not in body["Reason"]

    # WHEN the fault is cleared, the follow-up CloudFormation would send succeeds.
    h.emulator.faults.clear()
    fault.clear(h)
    follow_up, expected = _follow_up(h, request_type, event)
    again = h.run(follow_up)

    h.inflight.wait_quiet()
    assert [a["Status"] for a in again.answers] == ["SUCCESS"], again.body["Reason"]
    assert again.body["PhysicalResourceId"] == h.pool_arn()
    assert managed(h.pool()) == expected


def test_the_matrix_covers_every_conflict_reason_the_model_defines_and_every_fault_kind() -> None:
    from sms_pool_settings_local.emulator.faults import FAULT_KINDS

    names = {f.name for f in FAULTS}
    assert {f"conflict-{r}" for r in conflict_reasons()} <= names
    armed_kinds = {
        "throttle",
        "server_error",
        "connection_reset",
        "latency",
        "hang",
        "access_denied",
        "delete_pool",
        "conflict",
        "omit_members",
    }
    assert armed_kinds == set(FAULT_KINDS), "a new fault kind of the emulator is missing from the matrix"
