"""Progress lines in the shape ``cdk deploy`` prints, one per resource event, also kept for tests.

    SmsPoolSettingsExample |  3/6 | 10:01:02 AM | CREATE_COMPLETE      | AWS::SMSVOICE::Pool | Pool (Pool)

The columns are the CDK CLI's: stack, ``n/N`` progress (resources done of those with events to come,
the stack itself included), time, status, resource type, and the construct path (the template's
``aws:cdk:path`` metadata without the stack's own prefix) beside the logical ID. After a successful
deploy the stack's Outputs follow, as ``cdk deploy`` prints them.
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, TextIO

STACK_TYPE = "AWS::CloudFormation::Stack"
CDK_PATH_METADATA = "aws:cdk:path"
# The CDK CLI pads the status column to 20 characters (longer statuses push the line out, as there).
STATUS_WIDTH = 20
TYPE_WIDTH = 28


@dataclass(frozen=True)
class Event:
    """One stack event: ``status`` such as ``UPDATE_FAILED``, and the Reason when there is one.

    ``physical_id`` names the physical resource a delete event is about (a replacement's old resource
    shares its logical ID with the new one). Default: None (the resource the logical ID names).
    """

    logical_id: str
    resource_type: str
    status: str
    reason: str = ""
    physical_id: str | None = None


def construct_paths(stack_name: str, resources: Mapping[str, Any]) -> dict[str, str]:
    """Logical ID -> construct path as ``cdk deploy`` shows it (``Pool``, ``Settings/Resource/Default``).

    Example:
        >>> construct_paths("S", {"PoolA1": {"Metadata": {"aws:cdk:path": "S/Pool/Resource"}}})
        {'PoolA1': 'Pool/Resource'}
    """
    paths: dict[str, str] = {}
    for logical, spec in resources.items():
        path = (spec.get("Metadata") or {}).get(CDK_PATH_METADATA) if isinstance(spec, Mapping) else None
        if isinstance(path, str) and path:
            paths[logical] = path[len(stack_name) + 1 :] if path.startswith(f"{stack_name}/") else path
    return paths


@dataclass
class EventLog:
    """Prints each event as ``Stack | n/N | 10:01:02 AM | UPDATE_FAILED | Custom::X | Path (Logical) Reason``.

    Thread-safe: resources deployed in parallel print whole lines.

    Args:
        stack_name: the stack's name, the first column.
        stream: where lines go. Default: - standard output.
        paths: logical ID -> construct path. Default: - none (the logical ID alone is shown).
        on_event: called with each event before it is printed (the CloudFormation stand-in's mirror).
            Default: - nothing.
    """

    stack_name: str
    stream: TextIO | None = None
    paths: dict[str, str] = field(default_factory=dict)
    events: list[Event] = field(default_factory=list)
    on_event: Callable[[Event], None] | None = None
    _total: int = 0
    _done: set[str] = field(default_factory=set)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def expect(self, total: int) -> None:
        """Start counting progress towards ``total`` resources (the stack included)."""
        with self._lock:
            self._total, self._done = total, set()

    def emit(
        self,
        logical_id: str,
        resource_type: str,
        status: str,
        reason: str = "",
        physical_id: str | None = None,
    ) -> None:
        """Record and print one event (``physical_id``: see ``Event``)."""
        event = Event(logical_id, resource_type, status, reason, physical_id)
        with self._lock:
            if self.on_event is not None:
                self.on_event(event)
            self.events.append(event)
            if status.endswith(("_COMPLETE", "_SKIPPED", "_FAILED")):
                self._done.add(logical_id)
            width = len(str(self._total))
            progress = f" | {min(len(self._done), self._total):>{width}}/{self._total}" if self._total else ""
            clock = time.strftime("%I:%M:%S %p")
            path = self.paths.get(logical_id)
            shown = f"{path} ({logical_id})" if path else logical_id
            line = (
                f"{self.stack_name}{progress} | {clock} | {status:<{STATUS_WIDTH}} | "
                f"{resource_type:<{TYPE_WIDTH}} | {shown}"
            )
            if reason:
                line += f" {reason}"
            self._print(line)

    def stack(self, status: str, reason: str = "") -> None:
        """Record and print a stack-level event."""
        self.emit(self.stack_name, STACK_TYPE, status, reason)

    def note(self, text: str) -> None:
        """Print a line that is not an event (a notice, a summary)."""
        with self._lock:
            self._print(text)

    def outputs(self, stack_id: str, outputs: Mapping[str, Mapping[str, Any]]) -> None:
        """The closing lines of ``cdk deploy``: the stack's Outputs, then its ARN."""
        lines = [f"\n ✅  {self.stack_name}\n"]
        if outputs:
            lines.append("Outputs:")
            lines += [f"{self.stack_name}.{name} = {_text(o.get('Value'))}" for name, o in outputs.items()]
            lines.append("")
        lines += ["Stack ARN:", stack_id]
        self.note("\n".join(lines))

    def _print(self, text: str) -> None:
        print(text, file=self.stream or sys.stdout, flush=True)


def _text(value: Any) -> str:
    if isinstance(value, list):
        return ",".join(str(v) for v in value)
    return str(value)
