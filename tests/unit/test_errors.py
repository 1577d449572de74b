"""Reason formatting: cause first, AWS text last and trimmed, never more than 256 characters."""

import pytest
from pool_settings_handler.constants import MAX_REASON_LENGTH
from pool_settings_handler.errors import (
    AccessDeniedError,
    DeadlineExceededError,
    InvalidEventError,
    InvalidPropertyError,
    OptOutListNotFoundError,
    PoolConflictError,
    PoolNotActiveError,
    PoolNotFoundError,
    RetriesExhaustedError,
    RoleNotAssumableError,
    ServiceError,
    ServiceValidationError,
    format_reason,
    shorten,
    shorten_arn,
    shorten_middle,
)

LONG_POOL = "arn:aws:sms-voice:us-east-1:123456789012:pool/pool-" + "a" * 200
AWS_TEXT = "The pool has deletion protection enabled. " * 20


def test_conflict_reason_names_operation_pool_exception_code_and_message():
    error = PoolConflictError("UpdatePool", "pool-1a2b", "DELETION_PROTECTION_ENABLED", "Pool is protected.")
    assert error.reason == (
        "UpdatePool pool-1a2b rejected: ConflictException DELETION_PROTECTION_ENABLED: Pool is protected."
    )
    assert str(error) == error.reason


def test_a_long_aws_message_is_trimmed_at_its_end_and_the_cause_is_kept():
    reason = PoolConflictError("UpdatePool", "pool-1a2b", "DELETION_PROTECTION_ENABLED", AWS_TEXT).reason
    assert len(reason) == MAX_REASON_LENGTH
    assert reason.startswith(
        "UpdatePool pool-1a2b rejected: ConflictException DELETION_PROTECTION_ENABLED: The pool"
    )
    assert reason.endswith("...")


def test_not_found_names_the_missing_pool_or_opt_out_list():
    assert PoolNotFoundError("DescribePools", "pool-404", "Pool not found.").reason == (
        "DescribePools: pool pool-404 not found: Pool not found."
    )
    assert OptOutListNotFoundError("UpdatePool", "pool-1", "Missing", None).reason == (
        "UpdatePool pool-1: opt-out list Missing not found"
    )


def test_validation_carries_its_reason_and_fields():
    error = ServiceValidationError(
        "UpdatePool", "pool-1", "INVALID_ARN", ["TwoWayChannelArn", "TwoWayChannelRole"], "Bad ARN."
    )
    assert error.reason == (
        "UpdatePool pool-1 rejected: ValidationException INVALID_ARN (fields: TwoWayChannelArn, "
        "TwoWayChannelRole): Bad ARN."
    )


def test_access_denied_says_which_call_was_denied():
    assert AccessDeniedError("UpdatePool", "pool-1", None, "User is not authorized.").reason == (
        "UpdatePool pool-1 denied: AccessDeniedException (the handler's role lacks sms-voice:UpdatePool): "
        "User is not authorized."
    )


def test_access_denied_for_the_account_names_the_service_reason_instead_of_iam():
    assert AccessDeniedError("UpdatePool", "pool-1", "ACCOUNT_DISABLED", "Account is disabled.").reason == (
        "UpdatePool pool-1 denied: AccessDeniedException ACCOUNT_DISABLED: Account is disabled."
    )


def test_retries_exhausted_says_how_many_attempts_and_the_last_error():
    assert RetriesExhaustedError(
        "UpdatePool", "pool-1", 4, 12.34, "ThrottlingException: Rate exceeded"
    ).reason == (
        "UpdatePool pool-1 failed after 4 attempts in 12.3 s, stopped before the Lambda deadline: "
        "ThrottlingException: Rate exceeded"
    )


def test_other_reasons_read_as_sentences():
    assert PoolNotActiveError("pool-1", "DELETING").reason == "Pool pool-1 is DELETING: not updated"
    assert (
        ServiceError("UpdatePool", "pool-1", "Weird", "Odd.").reason
        == "UpdatePool pool-1 failed: Weird: Odd."
    )
    assert DeadlineExceededError("pool pool-1 still CREATING after 3.0 s, not updated").reason == (
        "Deadline reached: pool pool-1 still CREATING after 3.0 s, not updated"
    )


@pytest.mark.parametrize(
    "error",
    [
        PoolConflictError("UpdatePool", LONG_POOL, "X" * 300, AWS_TEXT),
        PoolNotFoundError("DescribePools", LONG_POOL, AWS_TEXT),
        OptOutListNotFoundError("UpdatePool", LONG_POOL, "L" * 300, AWS_TEXT),
        ServiceValidationError("UpdatePool", LONG_POOL, "R" * 300, ["F" * 100] * 10, AWS_TEXT),
        AccessDeniedError("UpdatePool", LONG_POOL, "ACCOUNT_DISABLED", AWS_TEXT),
        PoolNotActiveError(LONG_POOL, "S" * 300),
        ServiceError("UpdatePool", LONG_POOL, "C" * 300, AWS_TEXT),
        RetriesExhaustedError("UpdatePool", LONG_POOL, 99, 1e6, AWS_TEXT),
        DeadlineExceededError("x" * 1000, AWS_TEXT),
        InvalidPropertyError("N" * 1000, "r" * 1000, "v" * 1000),
        RoleNotAssumableError(LONG_POOL, "arn:aws:iam::123456789012:role/" + "r" * 2000, "R" * 300, AWS_TEXT),
        InvalidEventError.missing_fields(["RequestType", "RequestId", "StackId", "LogicalResourceId"]),
        InvalidEventError.unknown_request_type("U" * 1000),
    ],
    ids=lambda e: type(e).__name__,
)
def test_every_reason_fits_in_256_characters_with_its_cause_first(error):
    assert len(error.reason) <= MAX_REASON_LENGTH
    assert error.reason[:10] in (
        "UpdatePool",
        "DescribePo",
        "Pool arn:a",
        "Deadline r",
        "Invalid pr",
        "Invalid ev",
    )


def test_a_long_pool_arn_keeps_its_start_and_its_pool_id_end():
    reason = PoolNotFoundError("DescribePools", LONG_POOL).reason
    assert reason.startswith("DescribePools: pool arn:aws:sms-voice")
    assert "aaaa not found" in reason


def test_format_reason_collapses_whitespace_and_newlines():
    assert (
        format_reason("UpdatePool  p\nfailed", "line one\n  line two")
        == "UpdatePool p failed: line one line two"
    )


def test_format_reason_without_room_for_aws_text_keeps_only_the_cause():
    reason = format_reason("c" * 250, "aws text")
    assert reason == "c" * 250


def test_shorten_helpers_respect_their_limit():
    assert shorten("abcdef", 6) == "abcdef"
    assert shorten("abcdefg", 6) == "abc..."
    assert shorten_middle("abcdefghij", 7) == "ab...ij"
    assert len(shorten_middle("x" * 1000, 72)) == 72


# --- Shortened ARNs keep partition, region and account (the clue in a cross-account failure) ---------

CROSS_ACCOUNT_POOL = "arn:aws-us-gov:sms-voice:us-gov-west-1:210987654321:pool/pool-" + "b" * 190 + "tail"
CROSS_ACCOUNT_LIST = "arn:aws-cn:sms-voice:cn-northwest-1:210987654321:opt-out-list/" + "L" * 60 + "End"
LONG_ROLE = "arn:aws-cn:iam::210987654321:role/" + "/".join(["team"] * 60) + "/SmsTwoWayRole"


@pytest.mark.parametrize(
    ("reason", "prefix", "end"),
    [
        (
            PoolConflictError("UpdatePool", CROSS_ACCOUNT_POOL, "RESOURCE_NOT_ACTIVE", AWS_TEXT).reason,
            "arn:aws-us-gov:sms-voice:us-gov-west-1:210987654321:pool/",
            "tail",
        ),
        (
            PoolNotFoundError("DescribePools", CROSS_ACCOUNT_POOL, AWS_TEXT).reason,
            "arn:aws-us-gov:sms-voice:us-gov-west-1:210987654321:pool/",
            "tail",
        ),
        (
            AccessDeniedError("DescribePools", CROSS_ACCOUNT_POOL, None, AWS_TEXT).reason,
            "arn:aws-us-gov:sms-voice:us-gov-west-1:210987654321:pool/",
            "tail",
        ),
        (
            OptOutListNotFoundError("UpdatePool", "pool-1", CROSS_ACCOUNT_LIST, AWS_TEXT).reason,
            "arn:aws-cn:sms-voice:cn-northwest-1:210987654321:",
            "End",
        ),
    ],
    ids=["conflict", "pool-not-found", "access-denied", "opt-out-list-not-found"],
)
def test_a_long_arn_in_a_reason_keeps_partition_region_and_account(reason, prefix, end):
    assert len(reason) <= MAX_REASON_LENGTH
    assert prefix in reason
    assert f"{end} " in reason or f"{end}:" in reason


def test_shorten_arn_keeps_the_arn_prefix_whole_and_the_end_of_the_resource():
    shortened = shorten_arn(LONG_ROLE, 72)
    assert len(shortened) == 72
    assert shortened.startswith("arn:aws-cn:iam::210987654321:role/")
    assert shortened.endswith("/SmsTwoWayRole")
    assert "..." in shortened


def test_shorten_arn_leaves_short_text_alone_and_cuts_non_arns_in_the_middle():
    assert shorten_arn("arn:aws:iam::123456789012:role/r", 72) == "arn:aws:iam::123456789012:role/r"
    assert shorten_arn("pool-" + "x" * 100 + "end", 20) == shorten_middle("pool-" + "x" * 100 + "end", 20)


def test_shorten_arn_with_no_room_for_the_resource_falls_back_to_the_middle_cut():
    assert shorten_arn(CROSS_ACCOUNT_POOL, 30) == shorten_middle(CROSS_ACCOUNT_POOL, 30)


def test_a_role_not_assumable_names_a_long_role_with_its_partition_account_and_name():
    reason = RoleNotAssumableError(CROSS_ACCOUNT_POOL, LONG_ROLE, None, AWS_TEXT, 12, 119.96).reason
    assert len(reason) <= MAX_REASON_LENGTH
    assert "the service could not assume role arn:aws-cn:iam::210987654321:role/" in reason
    assert "/SmsTwoWayRole after 12 attempts in 120.0 s: ValidationException: The pool" in reason
    assert "arn:aws-us-gov:sms-voice:us-gov-west-1:210987654321:pool/" in reason


def test_an_unknown_request_type_is_shown_escaped_and_short():
    reason = InvalidEventError.unknown_request_type("Crea\u202ete" + "x" * 100).reason
    assert reason.startswith("Invalid event: RequestType must be Create, Update or Delete, got 'Crea")
    assert reason.endswith("; nothing was changed")
    assert "\u202e" not in reason
