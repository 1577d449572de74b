"""Progress lines in the shape ``cdk deploy`` prints, one per resource event, also kept for tests."""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass, field
from typing import TextIO

STACK_TYPE = "AWS::CloudFormation::Stack"


@dataclass(frozen=True)
class Event:
    """One stack event: ``status`` such as ``UPDATE_FAILED``, and the Reason when there is one."""

    logical_id: str
    resource_type: str
    status: str
    reason: str = ""


@dataclass
class EventLog:
    """Prints each event as ``Stack | 10:01:02 | UPDATE_FAILED | Custom::X | Logical Reason``.

    Args:
        stack_name: the stack's name, the first column.
        stream: where lines go. Default: - standard output.
    """

    stack_name: str
    stream: TextIO | None = None
    events: list[Event] = field(default_factory=list)

    def emit(self, logical_id: str, resource_type: str, status: str, reason: str = "") -> None:
        """Record and print one event."""
        event = Event(logical_id, resource_type, status, reason)
        self.events.append(event)
        clock = time.strftime("%H:%M:%S")
        line = f"{self.stack_name} | {clock} | {status:<44} | {resource_type:<28} | {logical_id}"
        if reason:
            line += f" {reason}"
        self.note(line)

    def stack(self, status: str, reason: str = "") -> None:
        """Record and print a stack-level event."""
        self.emit(self.stack_name, STACK_TYPE, status, reason)

    def note(self, text: str) -> None:
        """Print a line that is not an event (a notice, a summary)."""
        print(text, file=self.stream or sys.stdout, flush=True)
