"""Every request is checked against botocore's model, and refused in the service's wording."""

from __future__ import annotations

from typing import Any

import pytest

POOL = "pool-0123456789abcdef0123456789abcdef"


def _one(path: str, value: str, constraint: str) -> str:
    return (
        f"1 validation error detected: Value {value} at '{path}' failed to satisfy constraint: {constraint}"
    )


@pytest.mark.parametrize(
    ("operation", "params", "path", "shown", "constraint", "field"),
    [
        pytest.param(
            "update_pool",
            {"PoolId": "my pool"},
            "poolId",
            "'my pool'",
            "Member must satisfy regular expression pattern: [A-Za-z0-9_:/-]*",
            "PoolId",
            id="pattern",
        ),
        pytest.param(
            "update_pool",
            {"PoolId": "p" * 257},
            "poolId",
            "'" + "p" * 257 + "'",
            "Member must have length less than or equal to 256",
            "PoolId",
            id="too-long",
        ),
        pytest.param(
            "update_pool",
            {"PoolId": POOL, "TwoWayChannelArn": "arn:short"},
            "twoWayChannelArn",
            "'arn:short'",
            "Member must have length greater than or equal to 20",
            "TwoWayChannelArn",
            id="too-short",
        ),
        pytest.param(
            "update_pool",
            {"PoolId": POOL, "TwoWayChannelRole": "role/without-arn-prefix"},
            "twoWayChannelRole",
            "'role/without-arn-prefix'",
            "Member must satisfy regular expression pattern: arn:\\S+",
            "TwoWayChannelRole",
            id="pattern-is-a-full-match",
        ),
        pytest.param(
            "update_pool",
            {"PoolId": POOL, "TwoWayEnabled": "true"},
            "twoWayEnabled",
            "'true'",
            "Member must be of type boolean",
            "TwoWayEnabled",
            id="string-for-boolean",
        ),
        pytest.param(
            "update_pool",
            {"PoolId": 7},
            "poolId",
            "'7'",
            "Member must be of type string",
            "PoolId",
            id="number-for-string",
        ),
        pytest.param(
            "create_pool",
            {"OriginationIdentity": "MySenderId", "MessageType": "MARKETING"},
            "messageType",
            "'MARKETING'",
            "Member must satisfy enum value set: [TRANSACTIONAL, PROMOTIONAL]",
            "MessageType",
            id="bad-enum",
        ),
        pytest.param(
            "create_pool",
            {"OriginationIdentity": "MySenderId", "MessageType": "TRANSACTIONAL", "IsoCountryCode": "us"},
            "isoCountryCode",
            "'us'",
            "Member must satisfy regular expression pattern: [A-Z]{2}",
            "IsoCountryCode",
            id="lower-case-country",
        ),
        pytest.param(
            "describe_pools",
            {"MaxResults": 0},
            "maxResults",
            "'0'",
            "Member must have value greater than or equal to 1",
            "MaxResults",
            id="integer-below-range",
        ),
        pytest.param(
            "describe_pools",
            {"MaxResults": 101},
            "maxResults",
            "'101'",
            "Member must have value less than or equal to 100",
            "MaxResults",
            id="integer-above-range",
        ),
        pytest.param(
            "describe_pools",
            {"PoolIds": ["a", "b", "c", "d", "e", "f"]},
            "poolIds",
            "'[a, b, c, d, e, f]'",
            "Member must have length less than or equal to 5",
            "PoolIds",
            id="list-too-long",
        ),
        pytest.param(
            "describe_pools",
            {"PoolIds": ["ok", "not ok"]},
            "poolIds.2.member",
            "'not ok'",
            "Member must satisfy regular expression pattern: [A-Za-z0-9_:/-]*",
            "PoolIds.2.member",
            id="list-member-pattern",
        ),
        pytest.param(
            "describe_pools",
            {"Filters": [{"Name": "colour", "Values": ["red"]}]},
            "filters.1.member.name",
            "'colour'",
            "Member must satisfy enum value set: [status, message-type, two-way-enabled, "
            "self-managed-opt-outs-enabled, opt-out-list-name, shared-routes-enabled, "
            "deletion-protection-enabled, two-way-channel-arn]",
            "Filters.1.member.Name",
            id="nested-enum",
        ),
        pytest.param(
            "create_opt_out_list",
            {"OptOutListName": "has:colon"},
            "optOutListName",
            "'has:colon'",
            "Member must satisfy regular expression pattern: [A-Za-z0-9_-]+",
            "OptOutListName",
            id="opt-out-list-name-pattern",
        ),
    ],
)
def test_a_value_breaking_one_constraint_answers_field_validation_failed(
    unchecked: Any,
    error_of: Any,
    control: Any,
    operation: str,
    params: dict[str, Any],
    path: str,
    shown: str,
    constraint: str,
    field: str,
) -> None:
    control.seed_pool(POOL)
    before = control.pools()

    with pytest.raises(unchecked.exceptions.ValidationException) as excinfo:
        getattr(unchecked, operation)(**params)

    assert error_of(excinfo) == {
        "Code": "ValidationException",
        "Message": _one(path, shown, constraint),
        "Status": 400,
        "Reason": "FIELD_VALIDATION_FAILED",
        "Fields": [{"Name": field, "Message": constraint}],
    }
    assert control.pools() == before


@pytest.mark.parametrize(
    ("operation", "params", "path"),
    [
        ("update_pool", {}, "poolId"),
        ("delete_pool", {}, "poolId"),
        ("create_pool", {"OriginationIdentity": "MySenderId"}, "messageType"),
        ("create_opt_out_list", {}, "optOutListName"),
        ("delete_opt_out_list", {}, "optOutListName"),
    ],
)
def test_a_missing_required_member_answers_missing_parameter(
    unchecked: Any, error_of: Any, operation: str, params: dict[str, Any], path: str
) -> None:
    with pytest.raises(unchecked.exceptions.ValidationException) as excinfo:
        getattr(unchecked, operation)(**params)

    assert error_of(excinfo) == {
        "Code": "ValidationException",
        "Message": _one(path, "null", "Member must not be null"),
        "Status": 400,
        "Reason": "MISSING_PARAMETER",
        "Fields": [{"Name": path[0].upper() + path[1:], "Message": "Member must not be null"}],
    }


def test_every_broken_constraint_is_reported_in_one_answer(unchecked: Any, error_of: Any) -> None:
    with pytest.raises(unchecked.exceptions.ValidationException) as excinfo:
        unchecked.create_pool(OriginationIdentity="", MessageType="BULK")

    error = error_of(excinfo)
    assert error["Message"] == (
        "3 validation errors detected: "
        "Value '' at 'originationIdentity' failed to satisfy constraint: "
        "Member must have length greater than or equal to 1; "
        "Value '' at 'originationIdentity' failed to satisfy constraint: "
        "Member must satisfy regular expression pattern: [A-Za-z0-9_:/-]+; "
        "Value 'BULK' at 'messageType' failed to satisfy constraint: "
        "Member must satisfy enum value set: [TRANSACTIONAL, PROMOTIONAL]"
    )
    assert error["Reason"] == "FIELD_VALIDATION_FAILED"
    assert [f["Name"] for f in error["Fields"]] == [
        "OriginationIdentity",
        "OriginationIdentity",
        "MessageType",
    ]


def test_a_missing_member_next_to_a_bad_one_answers_field_validation_failed(
    unchecked: Any, error_of: Any
) -> None:
    with pytest.raises(unchecked.exceptions.ValidationException) as excinfo:
        unchecked.create_pool(OriginationIdentity="bad id")

    assert error_of(excinfo)["Reason"] == "FIELD_VALIDATION_FAILED"
    assert len(error_of(excinfo)["Fields"]) == 2


def test_validation_runs_before_the_pool_is_looked_up(unchecked: Any, error_of: Any) -> None:
    # An unknown pool with a malformed ID is a ValidationException, not a ResourceNotFoundException.
    with pytest.raises(unchecked.exceptions.ValidationException):
        unchecked.update_pool(PoolId="no such pool")


def test_an_unknown_member_such_as_a_typo_is_refused(raw_post: Any) -> None:
    # botocore cannot send a member its model lacks, so this request is written by hand.
    status, _, body = raw_post("PinpointSMSVoiceV2.UpdatePool", {"PoolId": POOL, "SharedRoutsEnabled": True})

    assert status == 400
    assert body == {
        "__type": "ValidationException",
        "Message": _one("sharedRoutsEnabled", "'true'", "Member is not defined in the input"),
        "Reason": "FIELD_VALIDATION_FAILED",
        "Fields": [{"Name": "SharedRoutsEnabled", "Message": "Member is not defined in the input"}],
    }
