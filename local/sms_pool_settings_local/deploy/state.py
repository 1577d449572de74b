"""Local stack state: what the driver applied last, one JSON file per stack, written atomically."""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from sms_pool_settings_local.deploy.errors import StateError

STATE_VERSION = 1


@dataclass
class ResourceState:
    """One resource as last applied.

    Args:
        type: the CloudFormation resource type.
        physical_id: the physical ID (what ``Ref`` returns for most types).
        properties: the resolved properties as last applied (what the next Update sends as old).
        attributes: values ``Fn::GetAtt`` returns.
        depends_on: logical IDs it depended on, so ``destroy`` works from the state alone.
        local: False for resources that only exist to run the handler in AWS. Default: True
        deletion_policy: the template's ``DeletionPolicy``. Default: "Delete"
        update_replace_policy: the template's ``UpdateReplacePolicy``. Default: "Delete"
    """

    type: str
    physical_id: str
    properties: dict[str, Any] = field(default_factory=dict)
    attributes: dict[str, Any] = field(default_factory=dict)
    depends_on: list[str] = field(default_factory=list)
    local: bool = True
    deletion_policy: str = "Delete"
    update_replace_policy: str = "Delete"


@dataclass
class StackState:
    """A stack's resources as last applied. ``status`` is the last stack status (``CREATE_COMPLETE`` ...)."""

    stack_name: str
    stack_id: str
    status: str = "REVIEW_IN_PROGRESS"
    resources: dict[str, ResourceState] = field(default_factory=dict)
    # Parameter values of the last deploy (``cdk deploy`` reuses them when none are given).
    parameters: dict[str, Any] = field(default_factory=dict)
    # Output name -> {"Value": ..., "Export": name or None, "Description": ...} of the last deploy.
    outputs: dict[str, dict[str, Any]] = field(default_factory=dict)
    # Export names this stack imports (Fn::ImportValue), so their exporter cannot drop them.
    imports: list[str] = field(default_factory=list)
    # UPDATE_ROLLBACK_FAILED: the rollback operations still to do, for ``continue-update-rollback``.
    pending_rollback: list[dict[str, Any]] = field(default_factory=list)
    # Physical resources the stack no longer maps to a logical ID but that failed to delete (the old
    # resource of a replacement): never forgotten, ``destroy`` deletes them too.
    leftovers: list[dict[str, Any]] = field(default_factory=list)
    # The template as CloudFormation keeps it (GetTemplate): the last one deployed, the previous one
    # again after an update rolled back. Empty in state written before it was kept.
    template: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        """The JSON document stored on disk."""
        return {"version": STATE_VERSION, **asdict(self)}

    @classmethod
    def from_json(cls, doc: dict[str, Any]) -> StackState:
        """Parse ``to_json``'s output. Raises ``StateError`` naming a version it does not know."""
        if doc.get("version") != STATE_VERSION:
            raise StateError(f"state version must be {STATE_VERSION}, got {doc.get('version')!r}")
        resources = {k: ResourceState(**v) for k, v in doc.get("resources", {}).items()}
        return cls(
            doc["stack_name"],
            doc["stack_id"],
            doc.get("status", ""),
            resources,
            dict(doc.get("parameters", {})),
            dict(doc.get("outputs", {})),
            list(doc.get("imports", [])),
            list(doc.get("pending_rollback", [])),
            list(doc.get("leftovers", [])),
            dict(doc.get("template", {})),
        )


def atomic_write_json(path: str | Path, doc: Any) -> None:
    """Write ``doc`` as JSON so that a reader sees the old file or the new one, never a partial one.

    It writes a temporary file in the same directory, flushes it to disk and renames it over ``path``
    (``os.replace`` is atomic on POSIX and Windows). Parent directories are created.

    Example:
        >>> atomic_write_json("/tmp/x.json", {"a": 1})  # doctest: +SKIP
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(doc, f, indent=2, sort_keys=True)
            f.write("\n")
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


class StateStore:
    """Stack state files in a directory (``<dir>/stacks/<stack>.json``).

    Args:
        directory: where state lives. Default: - ``.local-state`` (git-ignored) in the working directory.
    """

    def __init__(self, directory: str | Path = ".local-state") -> None:
        self.directory = Path(directory)

    def path(self, stack_name: str) -> Path:
        """The state file of ``stack_name``."""
        return self.directory / "stacks" / f"{stack_name}.json"

    def load(self, stack_name: str) -> StackState | None:
        """The stack's state, or None when it was never deployed (or was destroyed).

        Raises:
            StateError: the file exists but is not valid state (names the file).
        """
        path = self.path(stack_name)
        try:
            doc = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return None
        except json.JSONDecodeError as exc:
            raise StateError(f"state file {path} is not valid JSON: {exc}") from None
        try:
            return StackState.from_json(doc)
        except (KeyError, TypeError) as exc:
            raise StateError(f"state file {path} is not stack state: missing or unexpected {exc}") from None

    def save(self, state: StackState) -> None:
        """Write the stack's state atomically."""
        atomic_write_json(self.path(state.stack_name), state.to_json())

    def delete(self, stack_name: str) -> None:
        """Forget the stack (after a destroy or a rolled-back first create)."""
        self.path(stack_name).unlink(missing_ok=True)

    def stacks(self) -> list[str]:
        """Names of the stacks with state."""
        return sorted(p.stem for p in (self.directory / "stacks").glob("*.json"))
