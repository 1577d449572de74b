"""Per event: API calls, writes and wall time per CloudFormation event, ours against AwsCustomResource's way.

Each run seeds a fresh pool in the scenario's starting state, clears the emulator's call log, invokes
the handler in-process with a real event shape and waits for its answer on the receiver. Wall time
runs from the invocation to the answer's arrival. The two handlers alternate which goes first.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from .live import DESIRED, FRESH, Live, as_settings, is_write, make_event
from .stats import Summary, summarize

HANDLERS = ("ours", "acr-like")
LABELS = {"ours": "PoolSettings", "acr-like": "AwsCustomResource-like"}
SCENARIOS = ("Create", "Update, a change", "Update, nothing changed", "Update, drift", "Delete")


@dataclass
class Sample:
    calls: int
    writes: int
    seconds: float
    status: str
    reason: str


@dataclass
class EventsResult:
    latency: float
    repeats: int
    samples: dict[tuple[str, str], list[Sample]] = field(default_factory=dict)

    def seconds(self, scenario: str, handler: str) -> Summary:
        return summarize([s.seconds for s in self.samples[(scenario, handler)]])

    def calls(self, scenario: str, handler: str) -> Summary:
        return summarize([float(s.calls) for s in self.samples[(scenario, handler)]])

    def writes(self, scenario: str, handler: str) -> Summary:
        return summarize([float(s.writes) for s in self.samples[(scenario, handler)]])

    def statuses(self, scenario: str, handler: str) -> set[str]:
        return {s.status for s in self.samples[(scenario, handler)]}


def _setup(live: Live, scenario: str) -> tuple[str, str, dict[str, str], dict[str, str] | None]:
    """Seed the scenario's pool; return (request type, pool ARN, new properties, old properties)."""
    props = {"PoolId": "", **DESIRED}
    if scenario == "Create":
        pool = live.control.seed_pool(**FRESH)
        return "Create", pool["PoolArn"], {**props, "PoolId": pool["PoolId"]}, None
    live_settings = as_settings(DESIRED)
    if scenario == "Update, drift":
        live_settings["DeletionProtectionEnabled"] = False  # switched off by hand in the console
    pool = live.control.seed_pool(**live_settings)
    props["PoolId"] = pool["PoolId"]
    if scenario == "Update, a change":
        return "Update", pool["PoolArn"], {**props, "SharedRoutesEnabled": "true"}, props
    if scenario == "Delete":
        return "Delete", pool["PoolArn"], props, None
    return "Update", pool["PoolArn"], props, props


def _once(live: Live, handler: str, scenario: str, timeout: float) -> Sample:
    from sms_pool_settings_local.lambda_runtime import LambdaContext

    live.reset_store(["Pool0"])
    request_type, arn, props, old = _setup(live, scenario)
    url = live.receiver.new_response_url()
    event = make_event(
        request_type,
        url,
        props,
        resource_type=live.resource_types[handler],
        old=old,
        physical_id=None if request_type == "Create" else arn,
    )
    live.control.clear_calls()
    start = time.perf_counter()
    live.handlers[handler](event, LambdaContext(timeout))
    answer: dict[str, Any] = live.receiver.wait_for(url, timeout=timeout)
    seconds = time.perf_counter() - start
    calls = live.control.calls()
    return Sample(
        calls=len(calls),
        writes=sum(1 for call in calls if is_write(call)),
        seconds=seconds,
        status=str(answer.get("Status")),
        reason=str(answer.get("Reason", ""))[:200],
    )


def run(live: Live, *, repeats: int, latency: float, timeout: float) -> EventsResult:
    """Run every scenario ``repeats`` times for both handlers with ``latency`` s injected per API call."""
    result = EventsResult(latency, repeats)
    live.control.reset()
    live.add_latency(latency)
    # One unrecorded event each first: the clients are built lazily, and that is cold start's business.
    for handler in HANDLERS:
        _once(live, handler, "Update, nothing changed", timeout)
    for repeat in range(repeats):
        for index, scenario in enumerate(SCENARIOS):
            order = HANDLERS if (repeat + index) % 2 == 0 else HANDLERS[::-1]
            for handler in order:
                sample = _once(live, handler, scenario, timeout)
                result.samples.setdefault((scenario, handler), []).append(sample)
    return result
