"""Shared pieces of the hardening tests (imported by conftest.py and the test modules).

Thin on purpose: the servers are local/'s ``EmulatorServer`` and ``ResponseReceiver``, the context is
local/'s ``LambdaContext``. What this adds is what the hardening tests measure:

- ``Harness.run`` invokes the handler in a thread and waits for its answer only until the Lambda
  context's deadline, so "answered before the deadline" is observed, not assumed;
- ``InFlight`` counts requests the emulator is still working on (a ``latency`` fault applies its write
  after its sleep, long after the handler gave up), so a test can wait for the service to be quiet
  before it judges the pool's final state.
"""

from __future__ import annotations

import copy
import functools
import json
import threading
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import pytest
from pool_settings_handler import client
from pool_settings_handler import constants as c
from pool_settings_handler.handler import handler
from sms_pool_settings_local.emulator import EmulatorServer
from sms_pool_settings_local.lambda_runtime import ACCOUNT, REGION, LambdaContext
from sms_pool_settings_local.response_receiver import ResponseReceiver

EVENTS = Path(__file__).resolve().parent.parent / "events"
_CREATE = json.loads((EVENTS / "create.json").read_text(encoding="utf-8"))
# The stack and resource of tests/events/*.json, known to the CloudFormation stand-in in every test.
EVENT_STACK_ID, EVENT_LOGICAL_ID = str(_CREATE["StackId"]), str(_CREATE["LogicalResourceId"])

# Small budgets keep every cell of the matrix to a few seconds. The handler reads them from the
# environment (pool_settings_handler.timing.Timeouts.from_env), as on Lambda. With these, the handler
# stops starting API calls CONNECT + READ + RESPONSE_BUDGET = 2.5 s before the Lambda's end.
FAST_TIMEOUTS = {
    "POOL_SETTINGS_CONNECT_TIMEOUT": "0.5",
    "POOL_SETTINGS_READ_TIMEOUT": "1",
    "POOL_SETTINGS_RESPONSE_BUDGET": "1",
    "POOL_SETTINGS_RESPONSE_ATTEMPT_TIMEOUT": "0.5",
    "POOL_SETTINGS_POLL_INTERVAL": "0.1",
    "POOL_SETTINGS_BACKOFF_BASE": "0.02",
    "POOL_SETTINGS_BACKOFF_CAP": "0.2",
}
# The Lambda timeout of every fast invocation: 2 s of API time once the safety margin is taken.
FAST_LAMBDA_TIMEOUT = 4.5
# A bound that only proves "did not hang": far above any legitimate duration here.
HANG_BOUND = 30.0

POOL_ID = "pool-hardening0000000000000000000001"
OPT_OUT_LIST = "HardeningList"
SERVICE_TOKEN = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:SmsPoolSettingsProvider"

# Two complete settings, different in every managed field, in the API's own types (as DescribePools
# reports them). A Create/Update from OLD to NEW must write all seven fields in one UpdatePool.
OLD_SETTINGS: dict[str, bool | str] = {
    c.PROP_TWO_WAY_ENABLED: False,
    c.PROP_TWO_WAY_CHANNEL_ARN: f"arn:aws:sns:{REGION}:{ACCOUNT}:old-topic",
    c.PROP_TWO_WAY_CHANNEL_ROLE: f"arn:aws:iam::{ACCOUNT}:role/old-role",
    c.PROP_SELF_MANAGED_OPT_OUTS_ENABLED: False,
    c.PROP_OPT_OUT_LIST_NAME: "Default",
    c.PROP_SHARED_ROUTES_ENABLED: False,
    c.PROP_DELETION_PROTECTION_ENABLED: False,
}
NEW_SETTINGS: dict[str, bool | str] = {
    c.PROP_TWO_WAY_ENABLED: True,
    c.PROP_TWO_WAY_CHANNEL_ARN: f"arn:aws:sns:{REGION}:{ACCOUNT}:new-topic",
    c.PROP_TWO_WAY_CHANNEL_ROLE: f"arn:aws:iam::{ACCOUNT}:role/new-role",
    c.PROP_SELF_MANAGED_OPT_OUTS_ENABLED: True,
    c.PROP_OPT_OUT_LIST_NAME: OPT_OUT_LIST,
    c.PROP_SHARED_ROUTES_ENABLED: True,
    c.PROP_DELETION_PROTECTION_ENABLED: True,
}


def as_template(settings: Mapping[str, bool | str]) -> dict[str, str]:
    """Settings as CloudFormation delivers them: every scalar a string."""
    return {k: ("true" if v else "false") if isinstance(v, bool) else v for k, v in settings.items()}


# The same, as a template declares them.
OLD = as_template(OLD_SETTINGS)
NEW = as_template(NEW_SETTINGS)


def managed(pool: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """The managed settings of a stored pool (None when the pool does not exist)."""
    if pool is None:
        return None
    return {name: pool.get(name) for name in c.MANAGED_SETTINGS}


class InFlight:
    """Counts service requests the emulator has received and not yet answered (wraps its dispatcher)."""

    def __init__(self, emulator: EmulatorServer) -> None:
        self._count = 0
        self._cond = threading.Condition()
        dispatcher = emulator.dispatcher
        original = dispatcher.answer

        def answer(headers: Any, raw_body: bytes) -> Any:
            with self._cond:
                self._count += 1
            try:
                outcome = original(headers, raw_body)
                if outcome.action == "hang":
                    # The server sleeps after answer() returns: count the sleep as still in flight.
                    time.sleep(outcome.seconds)
                    outcome.seconds = 0.0
                return outcome
            finally:
                with self._cond:
                    self._count -= 1
                    self._cond.notify_all()

        dispatcher.answer = answer  # type: ignore[method-assign]

    def wait_quiet(self, timeout: float = HANG_BOUND) -> None:
        """Return once no request is being worked on; AssertionError after ``timeout`` seconds."""
        with self._cond:
            assert self._cond.wait_for(lambda: self._count == 0, timeout=timeout), (
                f"emulator still busy with {self._count} requests after {timeout} s"
            )


@dataclass
class Result:
    """What one invocation produced.

    Attributes:
        body: the first answer CloudFormation received.
        answers: every answer received on the event's ResponseURL (after the handler returned).
        seconds: from the invocation to the answer's arrival.
        remaining: the Lambda context's remaining seconds when the answer had arrived (> 0).
    """

    body: dict[str, Any]
    answers: list[dict[str, Any]]
    seconds: float
    remaining: float


@dataclass
class Store:
    """Where the records live and what CloudFormation answers, each behind a ``store_faults.FaultProxy``.

    Attributes:
        moto: moto's server (SSM Parameter Store).
        cloudformation: the ``sms_pool_settings_local.deploy.cloudformation_api`` stand-in.
        ssm_proxy: the proxy the handler's ``AWS_ENDPOINT_URL_SSM`` points at.
        cloudformation_proxy: the proxy of ``AWS_ENDPOINT_URL_CLOUDFORMATION``.
    """

    moto: Any
    cloudformation: Any
    ssm_proxy: Any
    cloudformation_proxy: Any

    def records(self, pool_id: str = POOL_ID) -> dict[str, dict[str, Any]]:
        """Every record of the pool, read from moto directly (not through the proxy): name -> JSON."""
        ssm = boto3.client("ssm", endpoint_url=self.moto.endpoint_url, region_name=REGION)
        answer = ssm.get_parameters_by_path(Path=f"{c.RECORD_PREFIX}/{pool_id}", Recursive=True)
        return {p["Name"]: json.loads(p["Value"]) for p in answer["Parameters"]}


def assert_written_only_with_its_record(store: Store, after: Mapping[str, Any] | None) -> None:
    """A pool whose managed settings are no longer ``OLD_SETTINGS`` has its record, holding them as priors.

    "A pool is never written without its record": whatever failed, the values the pool had before are
    in Parameter Store, so a rollback (or a ``destroy``) can put them back.
    """
    if after is None or after == OLD_SETTINGS:
        return
    records = list(store.records().values())
    assert len(records) == 1, f"the pool was written ({after}) but has {len(records)} records"
    priors = {name: entry["Prior"] for name, entry in records[0]["Settings"].items()}
    changed = {name for name in c.MANAGED_SETTINGS if after[name] != OLD_SETTINGS[name]}
    assert changed <= set(priors), f"written without a prior: {sorted(changed - set(priors))}"
    assert priors == {name: OLD_SETTINGS[name] for name in priors}, f"wrong priors: {priors}"


class Harness:
    """Builds events and runs the real handler the way Lambda would, against the emulator."""

    def __init__(
        self,
        emulator: EmulatorServer,
        receiver: ResponseReceiver,
        inflight: InFlight,
        store: Store | None = None,
    ) -> None:
        self.emulator = emulator
        self.receiver = receiver
        self.inflight = inflight
        self.store = store
        self.control = emulator.control
        self.urls: list[str] = []

    # --- events -----------------------------------------------------------------------------------
    def event(
        self,
        request_type: str,
        properties: Mapping[str, Any] | None = None,
        old_properties: Mapping[str, Any] | None = None,
        physical_id: str | None = None,
        *,
        pool_id: str = POOL_ID,
        raw_properties: Any = None,
    ) -> dict[str, Any]:
        """A CloudFormation event shaped like tests/events/<type>.json, with a fresh ResponseURL.

        ``properties`` are merged over ServiceToken/ServiceTimeout/PoolId; ``raw_properties`` replaces
        ResourceProperties as given (for inputs that are not even an object).
        """
        event = json.loads((EVENTS / f"{request_type.lower()}.json").read_text(encoding="utf-8"))
        event["ResponseURL"] = self.new_url()
        event["RequestId"] = str(uuid.uuid4())
        base = {c.PROP_SERVICE_TOKEN: SERVICE_TOKEN, c.PROP_SERVICE_TIMEOUT: "900", c.PROP_POOL_ID: pool_id}
        event["ResourceProperties"] = {**base, **copy.deepcopy(dict(properties or {}))}
        if raw_properties is not None:
            event["ResourceProperties"] = raw_properties
        if request_type == "Update":
            event["OldResourceProperties"] = {**base, **copy.deepcopy(dict(old_properties or {}))}
        else:
            event.pop("OldResourceProperties", None)
        if request_type == "Create":
            event.pop("PhysicalResourceId", None)
        else:
            event["PhysicalResourceId"] = physical_id or self.pool_arn(pool_id)
        return event

    def new_url(self) -> str:
        url = self.receiver.new_response_url()
        self.urls.append(url)
        return url

    def again(self, event: Mapping[str, Any]) -> dict[str, Any]:
        """The same event delivered again, with a fresh ResponseURL so each answer can be counted."""
        repeat = copy.deepcopy(dict(event))
        repeat["ResponseURL"] = self.new_url()
        return repeat

    @staticmethod
    def rollback(event: Mapping[str, Any]) -> dict[str, Any]:
        """The Update CloudFormation sends on rollback: old and new swapped (a new request)."""
        back = copy.deepcopy(dict(event))
        back["ResourceProperties"], back["OldResourceProperties"] = (
            back["OldResourceProperties"],
            back["ResourceProperties"],
        )
        back["RequestId"] = str(uuid.uuid4())
        return back

    @staticmethod
    def pool_arn(pool_id: str = POOL_ID) -> str:
        return f"arn:aws:sms-voice:{REGION}:{ACCOUNT}:pool/{pool_id}"

    # --- state ------------------------------------------------------------------------------------
    def seed(self, settings: Mapping[str, Any] = OLD_SETTINGS, pool_id: str = POOL_ID) -> dict[str, Any]:
        return self.control.seed_pool(pool_id, **dict(settings))

    def pool(self, pool_id: str = POOL_ID) -> dict[str, Any] | None:
        found = [p for p in self.emulator.backend.pools(REGION) if p["PoolId"] == pool_id]
        return found[0] if found else None

    def calls(self, operation: str | None = None) -> list[dict[str, Any]]:
        calls = self.emulator.dispatcher.recorded()
        return [call for call in calls if operation is None or call["operation"] == operation]

    # --- invoking ---------------------------------------------------------------------------------
    def run(self, event: dict[str, Any], timeout: float = FAST_LAMBDA_TIMEOUT) -> Result:
        """Invoke the handler in a thread, as Lambda would, and observe its answer.

        Asserts the answer arrived before the Lambda context's deadline and that the handler returned
        (within ``HANG_BOUND``); returns what arrived once it had.
        """
        context = LambdaContext(timeout)
        started = time.monotonic()
        errors: list[BaseException] = []

        def invoke() -> None:
            try:
                handler(event, context)
            except BaseException as exc:  # a crash must fail the test, not vanish in the thread
                errors.append(exc)

        thread = threading.Thread(target=invoke, name="lambda-invocation", daemon=True)
        thread.start()
        try:
            body = self.receiver.wait_for(event["ResponseURL"], timeout=max(0.0, context_left(context)))
        except TimeoutError:
            thread.join(HANG_BOUND)
            pytest.fail(
                f"no answer before the Lambda deadline ({timeout} s); handler returned: "
                f"{not thread.is_alive()}, errors: {errors!r}"
            )
        remaining = context_left(context)
        seconds = time.monotonic() - started
        thread.join(HANG_BOUND)
        assert not thread.is_alive(), f"the handler did not return within {HANG_BOUND} s"
        assert not errors, f"the handler raised instead of answering: {errors!r}"
        return Result(body, self.receiver.responses(event["ResponseURL"]), seconds, remaining)


def context_left(context: LambdaContext) -> float:
    """Seconds before the context's deadline, with millisecond resolution."""
    return context.get_remaining_time_in_millis() / 1000.0


@functools.lru_cache(maxsize=2)
def _setup_client(endpoint_url: str) -> Any:
    # One per session: building a boto3 client costs more than most cells of the matrix.
    return boto3.client("pinpoint-sms-voice-v2", endpoint_url=endpoint_url, region_name=REGION)


def prepare_service(emulator: EmulatorServer, receiver: ResponseReceiver) -> None:
    """Empty emulator (plus the second opt-out list), empty receiver, a client built for this env."""
    emulator.reset()
    receiver.reset()
    client.reset_client()
    _setup_client(emulator.endpoint_url).create_opt_out_list(OptOutListName=OPT_OUT_LIST)
    emulator.dispatcher.clear_calls()
