"""The CLI's errors: each is one line a person can act on, and exits ``exit_codes.ERROR``."""

from __future__ import annotations


class CliError(Exception):
    """A failure reported as one line (``str(error)``), naming the stack, operation or value."""


class StackNotFoundError(CliError):
    """CloudFormation has no stack of that name in the region (or the caller may not see it)."""


class AwsCallError(CliError):
    """An AWS call failed after the SDK's retries: access denied, throttled, any other error."""


class UndeterminedError(CliError):
    """A declared value could not be determined (no record and the template cannot be read back)."""
