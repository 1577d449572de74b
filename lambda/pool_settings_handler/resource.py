"""crhelper's ``CfnResource``, adapted: one answer per event, our response path, no polling machinery.

One instance serves one event (crhelper keeps the event's state on the instance, so a fresh one makes
concurrent invocations in one process, as in the tests, independent). What happens to an event, in order:

1. no ResponseURL: logged, nothing runs (no one could receive an answer);
2. an event this container already answered (a duplicate delivery, see "Duplicates" below): the same
   answer again, nothing runs;
3. a RequestType, RequestId, StackId or LogicalResourceId missing, or a RequestType other than
   Create/Update/Delete: FAILED with a sentence saying so, nothing runs (crhelper would raise a
   KeyError before it knew the ResponseURL, or an AttributeError for an unknown type);
4. otherwise crhelper runs the function for the RequestType and ``_send`` answers once.

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
import time
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from crhelper import CfnResource

from .errors import InvalidEventError, PoolSettingsError, shorten, shorten_arn
from .response import build_body, put_response
from .timing import Timeouts

logger = logging.getLogger("pool_settings_handler")

# How long before the Lambda's end the last response attempt may still start.
RESPONSE_END_MARGIN = 0.1
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

    crhelper's ``__call__`` logs the raw event at DEBUG. handler.py holds crhelper's logger at INFO,
    but anyone may lower it while debugging: this filter keeps the URL, a credential, out of the logs
    whatever the level.

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


OutcomeFunction = Callable[[Mapping[str, Any], Any], Outcome]


class PoolSettingsResource(CfnResource):
    """``CfnResource`` that sends exactly one answer per event through ``response.put_response``.

    Its time budget is ``Timeouts.from_env()``, read when it is created.

    Example:
        >>> resource = PoolSettingsResource()
        >>> def apply(event, context):
        ...     return Outcome("arn:aws:sms-voice:us-east-1:123456789012:pool/pool-1")
        >>> resource.register(create=apply, update=apply, delete=apply)
    """

    def __init__(self) -> None:
        # CfnResource.__init__ is deliberately not called: it builds boto3 clients for lambda, events
        # and logs (for its polling mode, which we never use; they would cost most of our cold start)
        # unless AWS_SAM_LOCAL is set, and it resets the root logger's level. Below are the attributes
        # the rest of CfnResource reads, as crhelper 2.0.12 sets them (pinned <2.1);
        # tests/unit/test_resource.py checks that they are the ones a real CfnResource has.
        self._sleep_on_delete = 0
        self._create_func: Callable[..., Any] | None = None
        self._update_func: Callable[..., Any] | None = None
        self._delete_func: Callable[..., Any] | None = None
        self._poll_create_func = None
        self._poll_update_func = None
        self._poll_delete_func = None
        self._timer: threading.Timer | None = None
        self._init_failed = None
        self._json_logging = False
        self._log_level = "INFO"
        self._boto_level = "ERROR"
        self._send_response = False
        self._polling_interval = 2
        self.Status = ""
        self.Reason = ""
        self.PhysicalResourceId: Any = ""
        self.StackId = ""
        self.RequestId = ""
        self.LogicalResourceId = ""
        self.Data: dict[str, Any] = {}
        self.NoEcho = False
        self._event: dict[str, Any] = {}
        self._context: Any = None
        self._response_url = ""
        self._sam_local = None
        self._region = None
        self._ssl_verify = None
        # Ours.
        self.timeouts = Timeouts.from_env()
        self._lambda_end = float("inf")
        self._started = time.monotonic()
        self._sent = False
        self._send_lock = threading.Lock()
        self._digest = ""

    def register(self, *, create: OutcomeFunction, update: OutcomeFunction, delete: OutcomeFunction) -> None:
        """Set the functions for each RequestType (crhelper's decorators, typed for ``Outcome``)."""
        self._create_func, self._update_func, self._delete_func = create, update, delete

    def __call__(self, event: Any, context: Any) -> None:
        """Handle one event: run the function for its RequestType, then answer once."""
        self._started = time.monotonic()
        try:
            self._lambda_end = self._started + context.get_remaining_time_in_millis() / 1000.0
        except Exception:  # a context without the method: no deadline of ours, crhelper's timer fails too
            logger.error("Lambda context has no get_remaining_time_in_millis")
        url = event.get("ResponseURL") if isinstance(event, Mapping) else None
        if not isinstance(url, str) or not url:
            logger.error("Event has no ResponseURL: not acted on, no answer can be sent")
            return
        self._event, self._response_url = dict(event), url
        self._digest = event_digest(event)
        earlier = ANSWERS.recall(self._digest)
        if earlier is not None:
            self._sent = True
            self._log_result(self._event, earlier, replayed=True)
            self._deliver(earlier)
            return
        try:
            check_event(event)
        except InvalidEventError as exc:
            self._send("FAILED", exc.reason)
            return
        super().__call__(event, context)

    # --- crhelper behaviour we switch off ---------------------------------------------------------
    def _log_setup(self, event: Any, context: Any) -> None:
        # crhelper would reset the root logger's level on every event (and log the raw event at DEBUG,
        # ResponseURL included); handler.py sets our loggers' levels once instead.
        return None

    def _wait_for_cwlogs(self, sleep: Any = None) -> None:
        # crhelper sleeps up to sleep_on_delete (120 s) on Delete; Delete must answer at once.
        return None

    def generate_physical_id(self, event: Any) -> str:
        """Physical ID of a Create that failed before knowing the pool: deterministic, not an ARN."""
        return f"failed-create-{event.get('RequestId', 'unknown')}"

    # --- running the function ---------------------------------------------------------------------
    def _wrap_function(self, func: Callable[[Any, Any], Outcome] | None) -> None:
        try:
            outcome = func(self._event, self._context) if func else Outcome(None)
        except PoolSettingsError as exc:
            # An expected failure: its Reason says it all, a traceback would only add noise.
            self.Status, self.Reason, self.PhysicalResourceId = "FAILED", exc.reason, exc.physical_id
        except Exception as exc:
            logger.error("Unexpected error", exc_info=True)
            self.Status, self.Reason = "FAILED", f"Internal error: {type(exc).__name__}: {exc}"
        else:
            self.PhysicalResourceId = outcome.physical_id or ""
            self.Data = dict(outcome.data)

    def _timeout(self) -> None:
        elapsed = time.monotonic() - self._started
        self._send(
            "FAILED",
            f"Timed out: no answer after {elapsed:.1f} s, 0.5 s before the Lambda's deadline "
            "(the SMS API was too slow; the pool may be unchanged or updated)",
        )

    # --- answering --------------------------------------------------------------------------------
    def _send(self, status: str | None = None, reason: str = "", send_response: Any = None) -> None:
        """Send the answer, once per event whoever calls (the function's path or crhelper's timer)."""
        with self._send_lock:
            if self._sent:
                logger.info("Answer already sent for this event; not sending another")
                return
            self._sent = True
            final_status = status or self.Status or "FAILED"
            final_reason = reason if status else str(self.Reason)
            physical_id = str(self.PhysicalResourceId or "")
            event: Mapping[str, Any] = self._event if isinstance(self._event, Mapping) else {}
            if not physical_id:
                physical_id = str(event.get("PhysicalResourceId") or self.generate_physical_id(event))
            body = build_body(
                status=final_status,
                reason=final_reason,
                physical_resource_id=physical_id,
                event=event,
                data=self.Data,
                no_echo=bool(self.NoEcho),
            )
            self._log_result(event, body)
            if self._digest:
                ANSWERS.remember(self._digest, body)
            self._deliver(body)

    def _deliver(self, body: Mapping[str, Any]) -> None:
        put_response(
            self._response_url,
            body,
            deadline=self._lambda_end - RESPONSE_END_MARGIN,
            attempt_timeout=self.timeouts.response_attempt,
        )

    def _log_result(self, event: Mapping[str, Any], body: Mapping[str, Any], replayed: bool = False) -> None:
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
            "Seconds": round(time.monotonic() - self._started, 3),
        }
        if body["Status"] != "SUCCESS":
            line["Reason"] = body["Reason"]
        if replayed:  # a duplicate delivery: the answer already sent, sent again, nothing run
            line["Replayed"] = True
        logger.info(json.dumps(line))
