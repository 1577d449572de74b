"""Our exceptions, each able to render the CloudFormation Reason a stack shows.

The Reason is the whole user interface of a failure: cause first, AWS text last and trimmed, never more
than ``constants.MAX_REASON_LENGTH`` characters, and no stack trace, URL or secret. Formatting is pure
(no boto3, no crhelper) so it is unit-tested on its own.
"""

from __future__ import annotations

from collections.abc import Sequence

from .constants import MAX_REASON_LENGTH

ELLIPSIS = "..."


def shorten(text: str, limit: int) -> str:
    """Return ``text`` cut to at most ``limit`` characters, keeping its start and marking the cut.

    Args:
        text: any text.
        limit: the most characters the result may have (at least ``len(ELLIPSIS)``).

    Example:
        >>> shorten("abcdefghij", 6)
        'abc...'
    """
    if len(text) <= limit:
        return text
    return text[: max(0, limit - len(ELLIPSIS))] + ELLIPSIS


def shorten_middle(text: str, limit: int) -> str:
    """Return ``text`` cut to at most ``limit`` characters, keeping its start and its end.

    Used for identifiers (a pool ARN ends with the pool ID, which is what a person looks for).

    Example:
        >>> shorten_middle("arn:aws:sms-voice:us-east-1:1:pool/pool-1", 20)
        'arn:aws:...ol/pool-1'
    """
    if len(text) <= limit:
        return text
    keep = max(0, limit - len(ELLIPSIS))
    head = keep // 2
    return text[:head] + ELLIPSIS + text[len(text) - (keep - head) :]


def shorten_arn(text: str, limit: int) -> str:
    """Return an identifier cut to at most ``limit`` characters; an ARN keeps partition, region, account.

    An ARN keeps ``arn:<partition>:<service>:<region>:<account>:`` whole (in a cross-account or
    cross-region failure that is the clue) and the end of its resource (the pool ID, the role name);
    only the middle of the resource is cut. Anything else is cut like ``shorten_middle``.

    Args:
        text: an ARN, or any other identifier.
        limit: the most characters the result may have.

    Example:
        >>> shorten_arn("arn:aws-cn:iam::123456789012:role/" + "a" * 80 + "/MyRole", 60)
        'arn:aws-cn:iam::123456789012:role/aaaaaaaaa...aaaaaaa/MyRole'
    """
    if len(text) <= limit:
        return text
    parts = text.split(":", 5)
    if len(parts) < 6 or parts[0] != "arn":
        return shorten_middle(text, limit)
    prefix = text[: len(text) - len(parts[5])]
    room = limit - len(prefix)
    if room < 2 * len(ELLIPSIS):  # not even a little of the resource would show: cut like any text
        return shorten_middle(text, limit)
    return prefix + shorten_middle(parts[5], room)


def show_value(value: object, limit: int = 80) -> str:
    """Return ``repr(value)`` for a Reason, shortened (with its length) when it is huge.

    Example:
        >>> show_value("yes")
        "'yes'"
        >>> show_value("x" * 500, 40)
        "'xxxxxxxxxxxxxxxxxxx... (500 characters)"
    """
    text = repr(value)
    if len(text) <= limit:
        return text
    suffix = f" ({len(value)} characters)" if isinstance(value, str) else ""
    return shorten(text, limit - len(suffix)) + suffix


def format_reason(cause: str, aws_text: str | None = None, limit: int = MAX_REASON_LENGTH) -> str:
    """Join a cause and an AWS message into a Reason of at most ``limit`` characters.

    The cause comes first and is kept whole; the AWS message is trimmed at its end. Only a cause that
    alone passes the limit is itself trimmed (at its end, so its start survives).

    Args:
        cause: what failed, naming the operation, the resource and the error.
        aws_text: the service's own message. Default: - none.
        limit: the most characters. Default: ``MAX_REASON_LENGTH`` (256).

    Example:
        >>> format_reason("UpdatePool pool-1 rejected: ConflictException X", "Pool is protected.")
        'UpdatePool pool-1 rejected: ConflictException X: Pool is protected.'
    """
    cause = " ".join(cause.split())
    if not aws_text:
        return shorten(cause, limit)
    aws_text = " ".join(aws_text.split())
    room = limit - len(cause) - 2
    if room < 12:
        return shorten(cause, limit)
    return f"{cause}: {shorten(aws_text, room)}"


class PoolSettingsError(Exception):
    """Base of every error the handler answers FAILED with; ``reason`` is the CloudFormation Reason.

    ``physical_id`` is the physical ID the FAILED answer carries when it is known (a Create that failed
    after finding its pool names the pool's ARN); "" lets the answer use the event's or a generated one.
    """

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason
        self.physical_id = ""

    def __str__(self) -> str:
        return self.reason


class InvalidPropertyError(PoolSettingsError):
    """A ResourceProperties value (or key) breaks a rule; raised before any call to the service.

    Example:
        >>> str(InvalidPropertyError("TwoWayEnabled", 'expected "true" or "false"', "yes"))
        'Invalid property TwoWayEnabled: expected "true" or "false", got \\'yes\\''
    """

    def __init__(self, name: str, rule: str, value: object = None, *, show: bool = True) -> None:
        self.name = name
        self.rule = rule
        self.value = value
        # A key with control or bidi characters is shown escaped: raw, it could disguise the Reason.
        shown = name if name.isprintable() else repr(name)[1:-1]
        text = f"Invalid property {shorten(shown, 48)}: {rule}"
        if show:
            text += f", got {show_value(value)}"
        super().__init__(format_reason(text))


def _pool(pool_id: str) -> str:
    return shorten_arn(pool_id, 72)


class PoolNotFoundError(PoolSettingsError):
    """The pool does not exist (``ResourceNotFoundException`` with ResourceType pool)."""

    def __init__(self, operation: str, pool_id: str, aws_message: str | None = None) -> None:
        self.pool_id = pool_id
        super().__init__(format_reason(f"{operation}: pool {_pool(pool_id)} not found", aws_message))


class OptOutListNotFoundError(PoolSettingsError):
    """The opt-out list named by OptOutListName does not exist."""

    def __init__(self, operation: str, pool_id: str, opt_out_list: str, aws_message: str | None = None):
        self.opt_out_list = opt_out_list
        super().__init__(
            format_reason(
                f"{operation} {_pool(pool_id)}: opt-out list {shorten_arn(opt_out_list, 72)} not found",
                aws_message,
            )
        )


class PoolConflictError(PoolSettingsError):
    """``ConflictException``: never retried; carries the service's Reason code.

    Example:
        >>> str(PoolConflictError("UpdatePool", "pool-1a2b", "DELETION_PROTECTION_ENABLED", "Protected."))
        'UpdatePool pool-1a2b rejected: ConflictException DELETION_PROTECTION_ENABLED: Protected.'
    """

    def __init__(self, operation: str, pool_id: str, code: str | None, aws_message: str | None) -> None:
        self.code = code
        cause = f"{operation} {_pool(pool_id)} rejected: ConflictException"
        if code:
            cause += f" {shorten(code, 64)}"
        super().__init__(format_reason(cause, aws_message))


class ServiceValidationError(PoolSettingsError):
    """``ValidationException``: the service's Reason code and the Fields it names."""

    def __init__(
        self,
        operation: str,
        pool_id: str,
        code: str | None,
        fields: Sequence[str],
        aws_message: str | None,
    ) -> None:
        self.code = code
        self.fields = list(fields)
        cause = f"{operation} {_pool(pool_id)} rejected: ValidationException"
        if code:
            cause += f" {shorten(code, 64)}"
        if fields:
            cause += f" (fields: {shorten(', '.join(fields), 80)})"
        super().__init__(format_reason(cause, aws_message))


def denied_action(aws_message: str | None) -> str | None:
    """The IAM action an AccessDenied message names (``not authorized to perform: <action>``), if any.

    Example:
        >>> denied_action("User: u is not authorized to perform: iam:PassRole on resource: r")
        'iam:PassRole'
        >>> denied_action("Denied.") is None
        True
    """
    marker = "not authorized to perform: "
    if not aws_message or marker not in aws_message:
        return None
    action = aws_message.split(marker, 1)[1].split(" ", 1)[0].rstrip(".,;")
    return action if ":" in action else None


class AccessDeniedError(PoolSettingsError):
    """``AccessDeniedException``: names the call that was denied and why.

    Without a ``Reason`` the cause is IAM: the handler's role lacks the action, which AWS's message
    names (``... is not authorized to perform: iam:PassRole on resource: ...``; an UpdatePool with a
    two-way role is denied for the PassRole as often as for itself), else the operation's own. With one
    (``ACCOUNT_DISABLED``, ``INSUFFICIENT_ACCOUNT_REPUTATION``) the account itself is refused, and
    no policy change would help, so the Reason says that instead.

    Example:
        >>> message = "User: u is not authorized to perform: iam:PassRole on resource: r"
        >>> "lacks iam:PassRole)" in str(AccessDeniedError("UpdatePool", "p", None, message))
        True
    """

    def __init__(self, operation: str, pool_id: str, reason: str | None, aws_message: str | None) -> None:
        action = denied_action(aws_message) or f"sms-voice:{operation}"
        cause = shorten(reason, 64) if reason else f"(the handler's role lacks {action})"
        super().__init__(
            format_reason(f"{operation} {_pool(pool_id)} denied: AccessDeniedException {cause}", aws_message)
        )


class PoolNotActiveError(PoolSettingsError):
    """The pool is in a status where its settings cannot be written (``DELETING``).

    Args:
        outcome: what became of the settings. Default: ``"not updated"``.
    """

    def __init__(self, pool_id: str, status: str, outcome: str = "not updated") -> None:
        super().__init__(format_reason(f"Pool {_pool(pool_id)} is {shorten(status, 32)}: {outcome}"))


class RoleNotAssumableError(PoolSettingsError):
    """UpdatePool: the service could not assume the two-way channel role (IAM propagation, trust policy).

    Raised with one attempt by the client boundary, and again with every attempt once the retries stop.

    Example:
        >>> RoleNotAssumableError("pool-1", "arn:aws:iam::123456789012:role/r", "RESOURCE_NOT_ACCESSIBLE",
        ...                       "Could not assume IAM role.", 3, 4.0).reason
        'UpdatePool pool-1: the service could not assume role arn:aws:iam::123456789012:role/r \
after 3 attempts in 4.0 s: ValidationException RESOURCE_NOT_ACCESSIBLE: Could not assume IAM role.'
    """

    def __init__(
        self,
        pool_id: str,
        role: str | None,
        code: str | None,
        aws_message: str | None,
        attempts: int = 1,
        seconds: float = 0.0,
    ) -> None:
        self.role, self.code, self.aws_message = role, code, aws_message
        who = f"role {shorten_arn(role, 72)}" if role else "the pool's two-way channel role"
        aws_text = f"ValidationException{f' {shorten(code, 64)}' if code else ''}: {aws_message or ''}"
        super().__init__(
            format_reason(
                f"UpdatePool {_pool(pool_id)}: the service could not assume {who} "
                f"after {attempts} attempts in {seconds:.1f} s",
                aws_text,
            )
        )


class ServiceError(PoolSettingsError):
    """Any other error the service answered with (an error code this handler does not model)."""

    def __init__(self, operation: str, pool_id: str, code: str, aws_message: str | None) -> None:
        self.code, self.aws_message = code, aws_message or ""
        super().__init__(
            format_reason(f"{operation} {_pool(pool_id)} failed: {shorten(code, 64)}", aws_message)
        )


class RetriesExhaustedError(PoolSettingsError):
    """A retryable error (throttling, server error, timeout) persisted until the deadline."""

    def __init__(self, operation: str, pool_id: str, attempts: int, seconds: float, last_error: str) -> None:
        self.attempts = attempts
        super().__init__(
            format_reason(
                f"{operation} {_pool(pool_id)} failed after {attempts} attempts in {seconds:.1f} s, "
                "stopped before the Lambda deadline",
                last_error,
            )
        )


class DeadlineExceededError(PoolSettingsError):
    """The Lambda's remaining time (minus the safety margin) ran out before the work was done."""

    def __init__(self, what: str, detail: str | None = None) -> None:
        super().__init__(format_reason(f"Deadline reached: {what}", detail))


class InvalidEventError(PoolSettingsError):
    """The event is not a custom resource request this handler can act on; nothing was called.

    Example:
        >>> str(InvalidEventError.unknown_request_type("Upsert"))
        "Invalid event: RequestType must be Create, Update or Delete, got 'Upsert'; nothing was changed"
    """

    @classmethod
    def missing_fields(cls, names: Sequence[str]) -> InvalidEventError:
        """The event lacks fields every CloudFormation request carries (or they are not strings)."""
        return cls(
            format_reason(
                f"Invalid event: no {', '.join(names)} (every CloudFormation custom resource request "
                "has RequestType, RequestId, StackId and LogicalResourceId as strings); nothing was changed"
            )
        )

    @classmethod
    def unknown_request_type(cls, value: object) -> InvalidEventError:
        """RequestType is none of the three CloudFormation sends."""
        return cls(
            format_reason(
                f"Invalid event: RequestType must be Create, Update or Delete, got {show_value(value, 40)}; "
                "nothing was changed"
            )
        )


class InvalidRecordError(PoolSettingsError):
    """A record in Parameter Store cannot be read or written (not this handler's JSON, or too large).

    Example:
        >>> str(InvalidRecordError("/sms-pool-settings/pool-1/u/L", "not a record of this handler"))
        'Record /sms-pool-settings/pool-1/u/L: not a record of this handler; nothing was changed'
    """

    def __init__(self, name: str, problem: str) -> None:
        super().__init__(format_reason(f"Record {shorten_middle(name, 96)}: {problem}; nothing was changed"))


class OwnerConflictError(PoolSettingsError):
    """Another live resource already manages some of the declared settings of the pool; nothing written.

    Example:
        >>> str(OwnerConflictError(["SharedRoutesEnabled"], "pool-1",
        ...     "arn:aws:cloudformation:us-east-1:123456789012:stack/Other/5f6a", "Settings"))[:77]
        'SharedRoutesEnabled of pool pool-1 already managed by Settings in stack Other'
    """

    def __init__(self, settings: Sequence[str], pool_id: str, stack_id: str, logical_id: str) -> None:
        stack = stack_id.split("/")[1] if stack_id.count("/") >= 2 else stack_id
        super().__init__(
            format_reason(
                f"{shorten(', '.join(settings), 80)} of pool {_pool(pool_id)} already managed by "
                f"{shorten(logical_id, 64)} in stack {shorten(stack, 64)} (one owner per setting); "
                "remove it there first; nothing was changed",
                shorten_arn(stack_id, 96),
            )
        )
