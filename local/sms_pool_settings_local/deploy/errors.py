"""Errors the driver raises; each message names the input, the rule and the value."""


class DriverError(Exception):
    """Base class of every error the driver reports to the user (without a stack trace)."""


class TemplateError(DriverError):
    """The template uses something the driver cannot read or emulate (names the resource and the rule)."""


class StateError(DriverError):
    """The local state file is missing, unreadable or belongs to another stack."""


class DeployError(DriverError):
    """A resource operation failed; ``reason`` is the Reason CloudFormation would show.

    ``unchanged``: the operation was refused before anything was sent (a changed ``Type`` or
    ``ServiceToken``), so the rollback has nothing to undo for this resource.
    """

    def __init__(self, reason: str, physical_id: str | None = None, *, unchanged: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.physical_id = physical_id
        self.unchanged = unchanged
