"""Answers already sent, remembered by event for the container's life, so a duplicate gets the same one.

Lambda may deliver one asynchronous event more than once ("your function may receive the same event
multiple times": Lambda Developer Guide, "How Lambda handles errors and retries with asynchronous
invocation"). A duplicate that reaches a container which already answered it gets the very body the
first delivery sent (status, physical ID, Data with its ChangedFields, Reason) and runs nothing: no
DescribePools, no UpdatePool.

"The same event" means every field equal, ResponseURL included (a digest of the whole event is kept,
never the URL itself). What this does not cover, by design (no store outside the container):

- a duplicate that lands in another container, or in this one after it was recycled (Lambda replaces
  the execution environment after a timeout): it runs again; its diff against the live pool finds
  nothing left to write, so it makes no second write either, but its ChangedFields is empty;
- a duplicate that arrives while the first delivery is still running (Lambda runs one invocation per
  container at a time, so such a duplicate is always in another container).
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections import OrderedDict
from collections.abc import Mapping
from typing import Any

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
