"""The lifecycle of one CloudFormation custom resource event, from its arrival to its single answer.

crhelper stays the project's custom-resource helper (it is in the asset), but only through its public
names; this module is what runs an event, and ``Lifecycle.__call__`` reads in the order it happens.

What of crhelper is used, and what is replaced (crhelper 2.0.12, pinned <2.1):

- used: ``crhelper.SUCCESS`` and ``crhelper.FAILED``, the two statuses of an answer; crhelper's
  logger name, ``crhelper.resource_helper``, to keep the ResponseURL out of it (``ResponseUrlRedactor``).
- replaced: ``CfnResource`` as a whole. Its ``__init__`` builds boto3 clients for lambda, events and
  logs (for its polling mode, never used here) and resets the root logger's level: a handler built on
  ``CfnResource()`` takes 1.24x a bare boto3 client's cold start where ours takes 1.02x
  (benchmarks/RESULTS.md, "Cold start"). Its ``create``/``update``/``delete`` decorators and its
  ``__call__`` live on such an instance, so nothing of it can be used without that ``__init__`` or its
  private attributes; hence ``Lifecycle`` below, which depends on none of them.
- replaced: the Delete sleep (``sleep_on_delete``, 120 s by default, waiting for CloudWatch Logs):
  Delete answers at once.
- replaced: the response PUT (``crhelper.utils``), which retries forever when the URL is unreachable,
  treats a non-2xx answer as delivered and logs the URL at DEBUG: ``response.put_response`` instead.
- replaced: the event checks (crhelper raises a KeyError on a missing field before it reads the
  ResponseURL, so no answer goes out), the physical ID of a failed Create, and the last-resort timer
  (the same 0.5 s before the Lambda's end, now read from the one ``timing.Budget``).

What happens to an event, in order (``Lifecycle.__call__``):

1. the time budget is bound to the Lambda's end (``timing.Budget``), once;
2. no ResponseURL: logged, nothing runs (no one could receive an answer);
3. an event this container already answered (a duplicate delivery, see "Duplicates" below): the same
   answer again, nothing runs;
4. a RequestType, RequestId, StackId or LogicalResourceId missing, or a RequestType other than
   Create/Update/Delete: FAILED with a sentence saying so, nothing runs;
5. otherwise the timer starts, the function for the RequestType runs (``run``), the timer stops;
6. ``OneAnswer.send`` answers once, whoever calls first: the function's path or the timer.

Duplicates. Lambda may deliver one asynchronous event more than once, even without an error ("the queue
itself is eventually consistent": Lambda Developer Guide, "How Lambda handles errors and retries with
asynchronous invocation"). A duplicate that reaches a container which already answered it gets the
very body the first delivery sent (status, physical ID, Data with its ChangedFields, Reason) and runs
nothing: no DescribePools, no UpdatePool.

"The same event" means every field equal, ResponseURL included (a digest of the whole event is kept,
never the URL itself). What this does not cover, by design (no store outside the container):

- a duplicate that lands in another container, or in this one after it was reset (Lambda resets the
  execution environment when an invocation times out or crashes: Lambda Developer Guide,
  "Understanding the Lambda execution environment lifecycle"): it runs again; its diff against the
  live pool finds nothing left to write, so it makes no second write either, but its ChangedFields
  is empty;
- a duplicate that arrives while the first delivery is still running (Lambda runs one invocation per
  container at a time, so such a duplicate is always in another container).
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from crhelper import FAILED, SUCCESS

from .errors import InvalidEventError, PoolSettingsError, shorten, shorten_arn
from .response import build_body, put_response
from .timing import Budget

logger = logging.getLogger("pool_settings_handler")

REDACTED = "<redacted>"
REQUEST_TYPES = ("Create", "Update", "Delete")
# The fields of a CloudFormation custom resource request the answer must echo or the handler dispatches on
# (CloudFormation User Guide, "Custom resource request objects"); ResponseURL is checked on its own.
REQUIRED_EVENT_FIELDS = ("RequestType", "RequestId", "StackId", "LogicalResourceId")


# Each body is at most 4 KB (CloudFormation's limit), so the ledger stays under about 1 MB.
MAX_REMEMBERED = 256


def event_digest(event: Mapping[str, Any]) -> str:
    """A digest of the whole event (ResponseURL included), the key of the ledger.

    Example:
        >>> event_digest({"RequestId": "1"}) == event_digest({"RequestId": "1"})
        True
    """
    canonical = json.dumps(event, sort_keys=True, separators=(",", ":"), default=repr)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


class AnswerLedger:
    """The last ``capacity`` answers sent, by event digest (thread-safe, oldest forgotten first).

    Args:
        capacity: how many answers to remember. Default: ``MAX_REMEMBERED`` (256).

    Example:
        >>> ledger = AnswerLedger(capacity=1)
        >>> ledger.remember("a", {"Status": "SUCCESS"})
        >>> ledger.recall("a"), ledger.recall("b")
        ({'Status': 'SUCCESS'}, None)
    """

    def __init__(self, capacity: int = MAX_REMEMBERED) -> None:
        self._capacity = capacity
        self._answers: OrderedDict[str, dict[str, Any]] = OrderedDict()
        self._lock = threading.Lock()

    def remember(self, digest: str, body: Mapping[str, Any]) -> None:
        """Keep ``body`` as the answer to the event with ``digest``."""
        with self._lock:
            self._answers[digest] = dict(body)
            self._answers.move_to_end(digest)
            while len(self._answers) > self._capacity:
                self._answers.popitem(last=False)

    def recall(self, digest: str) -> dict[str, Any] | None:
        """The answer sent for the event with ``digest``, or None."""
        with self._lock:
            body = self._answers.get(digest)
            return dict(body) if body is not None else None

    def clear(self) -> None:
        """Forget every answer (tests)."""
        with self._lock:
            self._answers.clear()


# Every answer this container sent, so a duplicate delivery gets the same one.
ANSWERS = AnswerLedger()


def check_event(event: Mapping[str, Any]) -> None:
    """Raise ``InvalidEventError`` unless ``event`` is a request the handler can dispatch.

    Example:
        >>> check_event({"RequestType": "Delete", "RequestId": "r", "StackId": "s", "LogicalResourceId": "l"})
    """
    missing = [name for name in REQUIRED_EVENT_FIELDS if not isinstance(event.get(name), str)]
    if missing:
        raise InvalidEventError.missing_fields(missing)
    if event["RequestType"] not in REQUEST_TYPES:
        raise InvalidEventError.unknown_request_type(event["RequestType"])


class ResponseUrlRedactor(logging.Filter):
    """Blanks the presigned ``ResponseURL`` in crhelper's log records.

    ``CfnResource.__call__`` logs the raw event at DEBUG. This module never calls it, but crhelper is
    in the process: should anything run it, the URL, a credential, stays out of the logs at any level.

    Example:
        >>> record = logging.LogRecord("crhelper", 10, "", 0, {"ResponseURL": "https://x"}, None, None)
        >>> ResponseUrlRedactor().filter(record), record.msg
        (True, {'ResponseURL': '<redacted>'})
    """

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, Mapping) and "ResponseURL" in record.msg:
            record.msg = {**record.msg, "ResponseURL": REDACTED}
        return True


# Attached to the logger that emits the event (filters on a parent logger do not see child records).
logging.getLogger("crhelper.resource_helper").addFilter(ResponseUrlRedactor())


@dataclass
class Outcome:
    """What a Create/Update/Delete function returns.

    Attributes:
        physical_id: the physical resource ID; None keeps the event's (Delete).
        data: the response Data. Default: - empty.
    """

    physical_id: str | None
    data: dict[str, str] = field(default_factory=dict)


OutcomeFunction = Callable[[Mapping[str, Any], Any, Budget], Outcome]


@dataclass(frozen=True)
class Answer:
    """What to answer, before the event's identifiers are added (``OneAnswer.send`` adds them).

    Attributes:
        status: ``SUCCESS`` or ``FAILED`` (crhelper's constants).
        reason: why it failed. Default: - none.
        physical_id: None keeps the event's, else (a Create) ``failed_create_id``. Default: - None.
        data: the response Data, sent only with SUCCESS. Default: - empty.
    """

    status: str
    reason: str = ""
    physical_id: str | None = None
    data: Mapping[str, str] = field(default_factory=dict)


def failed_create_id(event: Mapping[str, Any]) -> str:
    """Physical ID of a Create that failed before knowing the pool: deterministic, not an ARN.

    Example:
        >>> failed_create_id({"RequestId": "r-1"}), failed_create_id({})
        ('failed-create-r-1', 'failed-create-unknown')
    """
    return f"failed-create-{event.get('RequestId', 'unknown')}"


def physical_id_of(answer: Answer, event: Mapping[str, Any]) -> str:
    """The answer's physical ID, else the event's, else ``failed_create_id`` (the one fallback).

    Example:
        >>> physical_id_of(Answer(FAILED), {"RequestId": "r", "PhysicalResourceId": "p"})
        'p'
    """
    return str(answer.physical_id or event.get("PhysicalResourceId") or failed_create_id(event))


def run(function: OutcomeFunction, event: Mapping[str, Any], context: Any, budget: Budget) -> Answer:
    """Run the function for the event's RequestType: its ``Outcome`` or its error, as an ``Answer``."""
    try:
        outcome = function(event, context, budget)
    except PoolSettingsError as exc:
        # An expected failure: its Reason says it all, a traceback would only add noise.
        return Answer(FAILED, exc.reason, exc.physical_id)
    except Exception as exc:
        logger.error("Unexpected error", exc_info=True)
        return Answer(FAILED, f"Internal error: {type(exc).__name__}: {exc}")
    return Answer(SUCCESS, physical_id=outcome.physical_id, data=outcome.data)


class OneAnswer:
    """The single answer to one event: the first ``send`` builds, logs, remembers and PUTs it; any later
    one (the timer after the function, or the function after the timer) is refused.

    Args:
        event: the event (its ResponseURL a non-empty string).
        budget: the event's time budget (the PUT's deadline and attempt timeout).
        digest: ``event_digest(event)``, the ledger key.
    """

    def __init__(self, event: Mapping[str, Any], budget: Budget, digest: str) -> None:
        self.event, self.budget, self.digest = event, budget, digest
        self._lock = threading.Lock()
        self._sent = False

    def send(self, answer: Answer) -> None:
        """Send ``answer`` unless this event was already answered."""
        with self._lock:
            if self._sent:
                logger.info("Answer already sent for this event; not sending another")
                return
            self._sent = True
            body = build_body(
                status=answer.status,
                reason=answer.reason,
                physical_resource_id=physical_id_of(answer, self.event),
                event=self.event,
                data=answer.data,
            )
            self.log(body)
            ANSWERS.remember(self.digest, body)
            self.deliver(body)

    def replay(self, body: Mapping[str, Any]) -> None:
        """Send again ``body``, the answer the ledger kept for this very event."""
        with self._lock:
            self._sent = True
            self.log(body, replayed=True)
            self.deliver(body)

    def time_out(self) -> None:
        """The timer's answer: FAILED, 0.5 s before the Lambda's end, if nothing was sent yet."""
        self.send(
            Answer(
                FAILED,
                f"Timed out: no answer after {self.budget.elapsed():.1f} s, 0.5 s before the Lambda's "
                "deadline (the SMS API was too slow; the pool may be unchanged or updated)",
            )
        )

    def deliver(self, body: Mapping[str, Any]) -> None:
        """PUT ``body`` to the ResponseURL within the budget."""
        put_response(
            str(self.event["ResponseURL"]),
            body,
            deadline=self.budget.response_deadline,
            attempt_timeout=self.budget.timeouts.response_attempt,
        )

    def log(self, body: Mapping[str, Any], replayed: bool = False) -> None:
        """One structured line per event: what, on which pool, the result, how long."""
        event = self.event
        properties = event.get("ResourceProperties")
        pool = body["Data"].get("PoolArn") or (
            properties.get("PoolId") if isinstance(properties, Mapping) else None
        )
        line = {
            "RequestType": event.get("RequestType"),
            "LogicalResourceId": shorten(str(event.get("LogicalResourceId", "")), 256),
            "Pool": shorten_arn(pool, 256) if isinstance(pool, str) else None,
            "PhysicalResourceId": body["PhysicalResourceId"],
            "ChangedFields": body["Data"].get("ChangedFields", ""),
            "Result": body["Status"],
            "Seconds": round(self.budget.elapsed(), 3),
        }
        if body["Status"] != SUCCESS:
            line["Reason"] = body["Reason"]
        if replayed:  # a duplicate delivery: the answer already sent, sent again, nothing run
            line["Replayed"] = True
        logger.info(json.dumps(line))


class Lifecycle:
    """Runs each event to exactly one answer with the function for its RequestType.

    A function gets the event, the Lambda context and the event's ``Budget``, and returns an
    ``Outcome`` or raises (a ``PoolSettingsError``'s Reason is the answer's).

    Example:
        >>> def apply(event, context, budget):
        ...     return Outcome("arn:aws:sms-voice:us-east-1:123456789012:pool/pool-1")
        >>> lifecycle = Lifecycle(create=apply, update=apply, delete=apply)
    """

    def __init__(self, *, create: OutcomeFunction, update: OutcomeFunction, delete: OutcomeFunction) -> None:
        self.functions = {"Create": create, "Update": update, "Delete": delete}

    def __call__(self, event: Any, context: Any) -> None:
        """Handle one event, in the order the module's docstring lists."""
        try:
            budget = Budget.of_context(context)
            no_time = ""
        except Exception as exc:  # not a Lambda context: no deadline to keep, so nothing may run
            budget = Budget.bind(float("inf"))
            no_time = f"Internal error: the Lambda context has no remaining time: {type(exc).__name__}"
            logger.error("Lambda context has no get_remaining_time_in_millis")
        url = event.get("ResponseURL") if isinstance(event, Mapping) else None
        if not isinstance(url, str) or not url:
            logger.error("Event has no ResponseURL: not acted on, no answer can be sent")
            return
        digest = event_digest(event)
        answer = OneAnswer(dict(event), budget, digest)
        earlier = ANSWERS.recall(digest)
        if earlier is not None:
            answer.replay(earlier)
            return
        try:
            check_event(event)
        except InvalidEventError as exc:
            answer.send(Answer(FAILED, exc.reason))
            return
        if no_time:
            answer.send(Answer(FAILED, no_time))
            return
        timer = threading.Timer(budget.timer_delay(), answer.time_out)
        timer.daemon = True
        timer.start()
        try:
            result = run(self.functions[event["RequestType"]], answer.event, context, budget)
        finally:
            timer.cancel()
        answer.send(result)
