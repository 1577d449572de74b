"""The store's faults: SSM Parameter Store (the records) and CloudFormation (the stack status) failing.

moto and the CloudFormation stand-in sit behind ``store_faults.FaultProxy``, which throttles, errs,
resets, hangs or delays the chosen operation. In each cell:

- exactly one answer, before the Lambda context's deadline, Reason at most 256 characters;
- the pool's managed settings are all old or all new, never a mix;
- a pool that was written has its record, with the old values as priors (never written without it);
- a fault on a call made before the write (GetParametersByPath, the first PutParameter) stops the
  event before any UpdatePool;
- a transient fault ends in SUCCESS; a lasting one in FAILED naming the operation;
- once the fault is cleared, the same event again succeeds and ends in the state it should.

Three events: a Create of NEW over OLD (the record written first), a Delete under ``destroy`` of a pool
created earlier (OLD put back, then the record deleted), a Delete under ``retain`` (CloudFormation asked
whether this is a rollback: it is not, so NEW stays and the record goes).
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from hardening_support import (
    NEW,
    NEW_SETTINGS,
    OLD_SETTINGS,
    Harness,
    assert_written_only_with_its_record,
    managed,
)
from pool_settings_handler import constants as c

# A hang or latency longer than the read timeout (1 s): every attempt times out.
SLOW = 1.6
PRE_WRITE = ("GetParametersByPath", "PutParameter")


@dataclass(frozen=True)
class Cell:
    """One fault on one event.

    Attributes:
        event: ``"Create"``, ``"Delete-destroy"`` or ``"Delete-retain"``.
        proxy: ``"ssm"`` or ``"cloudformation"``.
        operation: the operation the fault hits.
        kind: a ``store_faults.KINDS`` value.
        count: how many requests (None: every one until cleared).
        seconds: for ``hang`` and ``latency``.
    """

    event: str
    proxy: str
    operation: str
    kind: str
    count: int | None = None
    seconds: float = 0.0

    @property
    def transient(self) -> bool:
        return self.count is not None and self.kind != "access_denied"

    @property
    def name(self) -> str:
        lasting = "burst" if self.count else "until-deadline"
        return f"{self.event}-{self.operation}-{self.kind}-{lasting}"


CELLS = [
    Cell("Create", "ssm", "GetParametersByPath", "throttle", count=3),
    Cell("Create", "ssm", "PutParameter", "throttle", count=3),
    Cell("Create", "ssm", "PutParameter", "connection_reset", count=2),
    Cell("Create", "ssm", "GetParametersByPath", "server_error"),
    Cell("Create", "ssm", "PutParameter", "throttle"),
    Cell("Create", "ssm", "PutParameter", "connection_reset"),
    Cell("Create", "ssm", "PutParameter", "hang", seconds=SLOW),
    Cell("Create", "ssm", "PutParameter", "latency", seconds=SLOW),
    Cell("Create", "ssm", "PutParameter", "access_denied", count=1),
    Cell("Delete-destroy", "ssm", "GetParameter", "throttle", count=3),
    Cell("Delete-destroy", "ssm", "GetParameter", "hang", seconds=SLOW),
    Cell("Delete-destroy", "ssm", "DeleteParameter", "server_error"),
    Cell("Delete-destroy", "ssm", "DeleteParameter", "latency", seconds=SLOW),
    Cell("Delete-retain", "cloudformation", "DescribeStacks", "throttle", count=3),
    Cell("Delete-retain", "cloudformation", "DescribeStacks", "throttle"),
    Cell("Delete-retain", "cloudformation", "DescribeStacks", "connection_reset"),
    Cell("Delete-retain", "cloudformation", "DescribeStacks", "access_denied", count=1),
]


def _policy(cell: Cell) -> dict[str, str]:
    return {c.PROP_REMOVAL_POLICY: "destroy"} if cell.event == "Delete-destroy" else {}


@pytest.mark.parametrize("cell", CELLS, ids=[cell.name for cell in CELLS])
def test_each_store_fault_gets_one_timely_answer_and_never_a_write_without_its_record(
    harness: Harness, cell: Cell
) -> None:
    h = harness
    assert h.store is not None
    h.seed(OLD_SETTINGS)
    properties = {**NEW, **_policy(cell)}
    if cell.event == "Create":
        event = h.event("Create", properties)
    else:
        assert h.run(h.event("Create", properties)).body["Status"] == "SUCCESS"
        h.emulator.dispatcher.clear_calls()
        event = h.event("Delete", properties)
    proxy = h.store.ssm_proxy if cell.proxy == "ssm" else h.store.cloudformation_proxy
    proxy.add(cell.operation, cell.kind, count=cell.count, seconds=cell.seconds)

    result = h.run(event)

    proxy.wait_quiet()
    h.inflight.wait_quiet()
    assert len(result.answers) == 1, result.answers
    assert result.remaining > 0
    body = result.body
    assert len(body["Reason"]) <= c.MAX_REASON_LENGTH
    after = managed(h.pool())
    assert after in (OLD_SETTINGS, NEW_SETTINGS), f"half-applied: {after}"
    if not (cell.event == "Delete-retain" and body["Status"] == "SUCCESS"):  # retain leaves NEW by design
        assert_written_only_with_its_record(h.store, after)
    if cell.transient:
        assert body["Status"] == "SUCCESS", body["Reason"]
    else:
        assert body["Status"] == "FAILED"
        assert cell.operation in body["Reason"], body["Reason"]
        if cell.operation in PRE_WRITE:
            assert h.calls("UpdatePool") == [], "the pool was written although its record could not be"

    proxy.clear()
    again = h.run(h.again(event))
    assert [a["Status"] for a in again.answers] == ["SUCCESS"], again.body["Reason"]
    h.inflight.wait_quiet()
    if cell.event == "Create":
        assert managed(h.pool()) == NEW_SETTINGS
        [record] = h.store.records().values()
        assert {k: v["Prior"] for k, v in record["Settings"].items()} == OLD_SETTINGS
    else:
        assert managed(h.pool()) == (OLD_SETTINGS if cell.event == "Delete-destroy" else NEW_SETTINGS)
        assert h.store.records() == {}
