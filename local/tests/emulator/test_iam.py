"""The pure IAM policy evaluation (sms_pool_settings_local.emulator.iam): no server involved."""

from __future__ import annotations

from typing import Any

import pytest
from sms_pool_settings_local.emulator.iam import (
    ALLOW,
    EXPLICIT_DENY,
    IMPLICIT_DENY,
    arn_like,
    check_policies,
    denial_message,
    evaluate,
    policies_for_role,
    wildcard_match,
)

POOL = "arn:aws:sms-voice:us-east-1:123456789012:pool/pool-a"
ROLE = "arn:aws:iam::123456789012:role/inbound"


def policy(*statements: dict[str, Any]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": list(statements)}


def allow(action: Any = "sms-voice:UpdatePool", resource: Any = POOL, **extra: Any) -> dict[str, Any]:
    return {"Effect": "Allow", "Action": action, "Resource": resource, **extra}


# --- Wildcards ------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("pattern", "value", "ignore_case", "expected"),
    [
        ("*", "anything:at/all", False, True),
        ("arn:aws:sms-voice:*:123456789012:pool/*", POOL, False, True),
        ("arn:aws:sms-voice:us-east-1:123456789012:pool/pool-?", POOL, False, True),
        ("arn:aws:sms-voice:us-east-1:123456789012:pool/pool-??", POOL, False, False),
        ("arn:aws:sms-voice:us-east-1:123456789012:pool/POOL-A", POOL, False, False),
        ("sms-voice:updatepool", "sms-voice:UpdatePool", True, True),
        ("sms-voice:Describe*", "sms-voice:UpdatePool", True, False),
        (
            "arn:aws:sms-voice:us-east-1:123456789012:pool/pool-a.b",
            "arn:aws:sms-voice:us-east-1:123456789012:pool/pool-aXb",
            False,
            False,
        ),
    ],
)
def test_wildcard_match_treats_star_and_question_mark_as_wildcards_and_the_rest_literally(
    pattern: str, value: str, ignore_case: bool, expected: bool
) -> None:
    assert wildcard_match(pattern, value, ignore_case=ignore_case) is expected


def test_arn_like_matches_each_of_the_six_parts_separately() -> None:
    assert arn_like("arn:aws:sms-voice:*:*:pool/*", POOL)
    assert not arn_like("arn:aws:sms-voice:*:pool/*", POOL)  # five parts: never an ARN match
    assert not arn_like("arn:aws:iam::*:role/*", POOL)


# --- Allow and deny -------------------------------------------------------------------------------
def test_an_allow_for_the_action_on_the_resource_allows() -> None:
    assert evaluate([policy(allow())], "sms-voice:UpdatePool", POOL, {}) == ALLOW


def test_no_policy_statement_that_applies_is_an_implicit_deny() -> None:
    other_pool = POOL.replace("pool-a", "pool-b")

    assert evaluate([policy(allow())], "sms-voice:UpdatePool", other_pool, {}) == IMPLICIT_DENY
    assert evaluate([policy(allow())], "sms-voice:DeletePool", POOL, {}) == IMPLICIT_DENY


def test_actions_match_case_insensitively_and_resources_case_sensitively() -> None:
    assert evaluate([policy(allow("SMS-VOICE:updatepool"))], "sms-voice:UpdatePool", POOL, {}) == ALLOW
    assert evaluate([policy(allow(resource=POOL.upper()))], "sms-voice:UpdatePool", POOL, {}) == IMPLICIT_DENY


def test_an_explicit_deny_wins_over_an_allow_in_any_policy() -> None:
    denied = policy({"Effect": "Deny", "Action": "sms-voice:*", "Resource": "*"})

    assert evaluate([policy(allow()), denied], "sms-voice:UpdatePool", POOL, {}) == EXPLICIT_DENY


def test_not_action_and_not_resource_apply_to_everything_they_do_not_name() -> None:
    everything_but_delete = {"Effect": "Allow", "NotAction": "sms-voice:Delete*", "Resource": "*"}
    all_but_pool_a = {"Effect": "Allow", "Action": "*", "NotResource": POOL}

    assert evaluate([policy(everything_but_delete)], "sms-voice:UpdatePool", POOL, {}) == ALLOW
    assert evaluate([policy(everything_but_delete)], "sms-voice:DeletePool", POOL, {}) == IMPLICIT_DENY
    assert evaluate([policy(all_but_pool_a)], "sms-voice:UpdatePool", POOL, {}) == IMPLICIT_DENY
    assert evaluate([policy(all_but_pool_a)], "sms-voice:UpdatePool", POOL + "x", {}) == ALLOW


def test_a_resource_pattern_never_covers_an_action_that_authorizes_on_star() -> None:
    # DescribePools without PoolIds authorizes on "*": only Resource "*" grants it.
    pattern = "arn:aws:sms-voice:us-east-1:123456789012:pool/*"

    assert evaluate(
        [policy(allow("sms-voice:DescribePools", pattern))], "sms-voice:DescribePools", "*", {}
    ) == (IMPLICIT_DENY)
    assert (
        evaluate([policy(allow("sms-voice:DescribePools", "*"))], "sms-voice:DescribePools", "*", {}) == ALLOW
    )


def test_a_single_statement_object_and_a_list_of_values_are_accepted() -> None:
    document = {"Statement": allow(["sms-voice:DescribePools", "sms-voice:UpdatePool"], [POOL, "x"])}

    assert evaluate([document], "sms-voice:UpdatePool", POOL, {}) == ALLOW


# --- Conditions -----------------------------------------------------------------------------------
PASS = "iam:PassRole"
TO_SMS = {"iam:PassedToService": "sms-voice.amazonaws.com"}


@pytest.mark.parametrize(
    ("condition", "context", "expected"),
    [
        ({"StringEquals": {"iam:PassedToService": "sms-voice.amazonaws.com"}}, TO_SMS, ALLOW),
        ({"StringEquals": {"iam:PassedToService": "lambda.amazonaws.com"}}, TO_SMS, IMPLICIT_DENY),
        (
            {"StringEquals": {"iam:PassedToService": ["lambda.amazonaws.com", "sms-voice.amazonaws.com"]}},
            TO_SMS,
            ALLOW,
        ),
        ({"StringEquals": {"IAM:PASSEDTOSERVICE": "sms-voice.amazonaws.com"}}, TO_SMS, ALLOW),
        ({"StringEquals": {"iam:PassedToService": "SMS-VOICE.amazonaws.com"}}, TO_SMS, IMPLICIT_DENY),
        ({"StringEqualsIgnoreCase": {"iam:PassedToService": "SMS-VOICE.amazonaws.com"}}, TO_SMS, ALLOW),
        ({"StringLike": {"iam:PassedToService": "sms-*.amazonaws.com"}}, TO_SMS, ALLOW),
        ({"StringNotEquals": {"iam:PassedToService": "sms-voice.amazonaws.com"}}, TO_SMS, IMPLICIT_DENY),
        ({"StringNotEquals": {"iam:PassedToService": ["a", "b"]}}, TO_SMS, ALLOW),
        ({"StringNotLike": {"iam:PassedToService": "sms-*"}}, TO_SMS, IMPLICIT_DENY),
        # An absent key: false for a positive operator, true for a negated one and for IfExists.
        ({"StringEquals": {"iam:PassedToService": "sms-voice.amazonaws.com"}}, {}, IMPLICIT_DENY),
        ({"StringNotEquals": {"iam:PassedToService": "sms-voice.amazonaws.com"}}, {}, ALLOW),
        ({"StringEqualsIfExists": {"iam:PassedToService": "sms-voice.amazonaws.com"}}, {}, ALLOW),
        ({"StringEqualsIfExists": {"iam:PassedToService": "lambda.amazonaws.com"}}, TO_SMS, IMPLICIT_DENY),
        ({"Null": {"iam:PassedToService": "true"}}, {}, ALLOW),
        ({"Null": {"iam:PassedToService": "false"}}, {}, IMPLICIT_DENY),
        # Two keys of one operator, and two operators: all must hold.
        (
            {
                "StringEquals": {
                    "iam:PassedToService": "sms-voice.amazonaws.com",
                    "aws:RequestedRegion": "us-east-1",
                }
            },
            {**TO_SMS, "aws:RequestedRegion": "eu-west-1"},
            IMPLICIT_DENY,
        ),
        (
            {
                "StringEquals": {"iam:PassedToService": "sms-voice.amazonaws.com"},
                "StringLike": {"aws:RequestedRegion": "us-*"},
            },
            {**TO_SMS, "aws:RequestedRegion": "us-east-1"},
            ALLOW,
        ),
        ({"Bool": {"aws:SecureTransport": True}}, {"aws:SecureTransport": "true"}, ALLOW),
        (
            {"ForAllValues:StringEquals": {"aws:TagKeys": ["team"]}},
            {"aws:TagKeys": ["team", "cost"]},
            IMPLICIT_DENY,
        ),
        ({"ForAllValues:StringEquals": {"aws:TagKeys": ["team", "cost"]}}, {"aws:TagKeys": ["team"]}, ALLOW),
        ({"ForAllValues:StringEquals": {"aws:TagKeys": ["team"]}}, {}, ALLOW),
        ({"ForAnyValue:StringEquals": {"aws:TagKeys": ["team"]}}, {"aws:TagKeys": ["cost", "team"]}, ALLOW),
        ({"ForAnyValue:StringEquals": {"aws:TagKeys": ["team"]}}, {}, IMPLICIT_DENY),
    ],
)
def test_string_conditions_follow_the_iam_rules(
    condition: dict[str, Any], context: dict[str, Any], expected: str
) -> None:
    statement = allow(PASS, ROLE, Condition=condition)

    assert evaluate([policy(statement)], PASS, ROLE, context) == expected


@pytest.mark.parametrize(
    ("operator", "pattern", "expected"),
    [
        ("ArnLike", "arn:aws:sms-voice:*:123456789012:pool/*", ALLOW),
        ("ArnEquals", POOL, ALLOW),
        ("ArnLike", "arn:aws:sms-voice:*:111111111111:pool/*", IMPLICIT_DENY),
        ("ArnNotLike", "arn:aws:sms-voice:*:111111111111:pool/*", ALLOW),
        ("ArnNotEquals", POOL, IMPLICIT_DENY),
        ("ArnLikeIfExists", "arn:aws:sms-voice:*:123456789012:pool/*", ALLOW),
    ],
)
def test_arn_conditions_compare_arn_parts_with_wildcards(operator: str, pattern: str, expected: str) -> None:
    statement = allow(PASS, ROLE, Condition={operator: {"iam:AssociatedResourceArn": pattern}})

    assert evaluate([policy(statement)], PASS, ROLE, {"iam:AssociatedResourceArn": POOL}) == expected


def test_a_deny_with_a_condition_that_does_not_hold_does_not_deny() -> None:
    deny = {
        "Effect": "Deny",
        "Action": PASS,
        "Resource": "*",
        "Condition": {"StringNotEquals": {"iam:PassedToService": "sms-voice.amazonaws.com"}},
    }

    assert evaluate([policy(allow(PASS, ROLE), deny)], PASS, ROLE, TO_SMS) == ALLOW
    assert (
        evaluate([policy(allow(PASS, ROLE), deny)], PASS, ROLE, {"iam:PassedToService": "x"}) == EXPLICIT_DENY
    )


# --- Messages -------------------------------------------------------------------------------------
def test_denial_messages_have_aws_shape_for_an_implicit_and_an_explicit_deny() -> None:
    principal = "arn:aws:sts::123456789012:assumed-role/provider/session"

    assert denial_message(principal, "sms-voice:UpdatePool", POOL, IMPLICIT_DENY) == (
        f"User: {principal} is not authorized to perform: sms-voice:UpdatePool on resource: {POOL} "
        "because no identity-based policy allows the sms-voice:UpdatePool action"
    )
    assert denial_message(principal, PASS, ROLE, EXPLICIT_DENY) == (
        f"User: {principal} is not authorized to perform: iam:PassRole on resource: {ROLE} "
        "with an explicit deny in an identity-based policy"
    )


# --- Checking documents ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("policies", "message"),
    [
        ([], "policies must be a non-empty list of IAM policy documents, got []"),
        ([{"Version": "2012-10-17"}], "policies[0] must be a policy document with a Statement"),
        (
            [policy({"Effect": "allow", "Action": "*", "Resource": "*"})],
            "policies[0] Statement[0] Effect must be 'Allow' or 'Deny', got 'allow'",
        ),
        (
            [policy({"Effect": "Allow", "Resource": "*"})],
            "policies[0] Statement[0] must have exactly one of Action and NotAction",
        ),
        (
            [policy({"Effect": "Allow", "Action": "*", "Resource": "*", "NotResource": "x"})],
            "policies[0] Statement[0] must have exactly one of Resource and NotResource",
        ),
        (
            [policy(allow(resource={"Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"}]]}))],
            "policies[0] Statement[0] Resource must be a non-empty string or list of strings, got {'Fn::",
        ),
        (
            [policy(allow(resource="arn:aws:iam::123456789012:user/${aws:username}"))],
            "policies[0] Statement[0] Resource uses a policy variable",
        ),
        (
            [policy(allow(Condition={"NumericLessThan": {"aws:MultiFactorAuthAge": "3600"}}))],
            "policies[0] Statement[0] Condition operator 'NumericLessThan' is not one the emulator evaluates",
        ),
        (
            [policy(allow(Principal="*"))],
            "policies[0] Statement[0] has ['Principal'], which an identity-based policy",
        ),
    ],
)
def test_check_policies_refuses_a_document_iam_would_refuse_or_the_emulator_cannot_decide(
    policies: Any, message: str
) -> None:
    with pytest.raises(ValueError) as excinfo:
        check_policies(policies)

    assert message in str(excinfo.value)


# --- Policies of a role in a template -------------------------------------------------------------
def test_policies_for_role_collects_inline_policies_and_attached_policy_resources_unresolved() -> None:
    document = {"Statement": [allow(resource={"Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"}]]})]}
    template = {
        "Resources": {
            "Role": {
                "Type": "AWS::IAM::Role",
                "Properties": {"Policies": [{"PolicyName": "inline", "PolicyDocument": {"Statement": []}}]},
            },
            "Attached": {
                "Type": "AWS::IAM::Policy",
                "Properties": {"Roles": [{"Ref": "Role"}], "PolicyDocument": document},
            },
            "OtherRoles": {
                "Type": "AWS::IAM::Policy",
                "Properties": {"Roles": [{"Ref": "Other"}], "PolicyDocument": {"Statement": ["no"]}},
            },
            "Other": {"Type": "AWS::IAM::Role", "Properties": {}},
        }
    }

    assert policies_for_role(template, "Role") == [{"Statement": []}, document]
    assert policies_for_role(template, "Other") == [{"Statement": ["no"]}]


def test_policies_for_role_refuses_a_logical_id_that_is_not_a_role() -> None:
    template = {"Resources": {"Role": {"Type": "AWS::IAM::Role"}, "Topic": {"Type": "AWS::SNS::Topic"}}}

    with pytest.raises(ValueError) as excinfo:
        policies_for_role(template, "Topic")

    assert (
        str(excinfo.value)
        == "role_logical_id must name an AWS::IAM::Role of the template (['Role']), got 'Topic'"
    )
