"""The handler under IAM enforcement: the provider role's synthesized policy is enough, and a missing or
mis-scoped statement fails the handler with AccessDenied instead of passing unnoticed."""

import copy
from fnmatch import fnmatchcase

import pytest

TOPIC = "arn:aws:sns:us-east-1:123456789012:inbound-sms"
# The two-way role the synthesized stack declares (conftest.py's TWO_WAY_ROLE).
TWO_WAY_ROLE = "arn:aws:iam::123456789012:role/SmsTwoWayRole"


@pytest.fixture
def pool(emulator):
    return emulator.control.seed_pool(TwoWayEnabled=False, SharedRoutesEnabled=False)


@pytest.fixture
def role(provider_policies):
    """The role the stack declares; the construct's PassRole statement covers it (a pattern since the
    grants stopped changing with the roles declared, so that a rollback may pass the old one)."""
    (statement,) = statements_of(provider_policies, "iam:PassRole")
    assert fnmatchcase(TWO_WAY_ROLE, statement["Resource"]), statement["Resource"]
    return TWO_WAY_ROLE


@pytest.fixture
def two_way(pool, role):
    return {
        "PoolId": pool["PoolId"],
        "TwoWayEnabled": "true",
        "TwoWayChannelArn": TOPIC,
        "TwoWayChannelRole": role,
        "SharedRoutesEnabled": "true",
    }


def without(policies, action):
    """The policies with every statement granting ``action`` removed."""
    trimmed = copy.deepcopy(policies)
    for policy in trimmed:
        policy["Statement"] = [s for s in policy["Statement"] if action not in s["Action"]]
    return trimmed


def scoped_to(policies, pool_arn):
    """The policies with every statement on pools narrowed to ``pool_arn`` alone."""
    narrowed = copy.deepcopy(policies)
    for policy in narrowed:
        for statement in policy["Statement"]:
            resources = (
                statement["Resource"] if isinstance(statement["Resource"], list) else [statement["Resource"]]
            )
            if any(":sms-voice:" in r and ":pool/" in r for r in resources):
                statement["Resource"] = pool_arn
    return narrowed


def statements_of(policies, action):
    return [s for p in policies for s in p["Statement"] if action in s["Action"]]


def assert_denied(emulator, body, operation, action, principal):
    """FAILED with the handler's AccessDenied Reason naming ``action``, after the emulator denied
    ``action`` to the provider's session on the call ``operation``."""
    assert body["Status"] == "FAILED"
    assert body["Reason"].startswith(f"{operation} "), body["Reason"]
    assert "AccessDeniedException" in body["Reason"], body["Reason"]
    # The Reason names the action that was denied (iam:PassRole for a two-way role), not just the call.
    assert f"(the handler's role lacks {action})" in body["Reason"], body["Reason"]
    denied = [
        c["message"] for c in emulator.control.calls(operation) if c["error"] == "AccessDeniedException"
    ]
    assert len(denied) == 1, f"the emulator denied {len(denied)} {operation} calls"
    assert denied[0].startswith(f"User: {principal} is not authorized to perform: {action} on resource: ")


def test_every_test_runs_under_the_provider_roles_synthesized_policy(
    emulator, provider_policies, provider_principal
):
    enforcement = emulator.control.iam()

    assert enforcement == {
        "enabled": True,
        "policies": provider_policies,
        "principal_arn": provider_principal,
        "access_key_id": None,
    }
    assert len(statements_of(provider_policies, "sms-voice:UpdatePool")) == 1
    assert statements_of(provider_policies, "iam:PassRole")[0]["Condition"] == {
        "StringEquals": {"iam:PassedToService": "sms-voice.amazonaws.com"}
    }


def test_the_synthesized_policy_lets_the_handler_apply_two_way_settings_with_a_role(
    emulator, pool, make_event, invoke, two_way
):
    body = invoke(make_event("create", pool["PoolId"], properties=two_way))

    assert body["Status"] == "SUCCESS", body["Reason"]
    assert emulator.control.pools()[0]["TwoWayChannelRole"] == two_way["TwoWayChannelRole"]
    assert all(c["error"] is None for c in emulator.control.calls())


def test_the_policy_scoped_to_exactly_the_pool_is_enough(
    emulator, pool, make_event, invoke, provider_policies, two_way, provider_principal
):
    # The construct's policy with its pool statements narrowed to this pool's ARN: the handler needs
    # nothing of the SMS service beyond it.
    exact = scoped_to(provider_policies, pool["PoolArn"])
    emulator.control.enforce_iam(exact, principal_arn=provider_principal)

    body = invoke(make_event("create", pool["PoolId"], properties=two_way))

    assert body["Status"] == "SUCCESS", body["Reason"]


def test_a_policy_for_another_pool_fails_the_handler_with_access_denied_and_writes_nothing(
    emulator, pool, make_event, invoke, provider_policies, two_way, provider_principal
):
    other = emulator.control.seed_pool()
    emulator.control.enforce_iam(
        scoped_to(provider_policies, other["PoolArn"]), principal_arn=provider_principal
    )

    body = invoke(make_event("create", pool["PoolId"], properties=two_way))

    assert_denied(emulator, body, "DescribePools", "sms-voice:DescribePools", provider_principal)
    assert emulator.control.calls("UpdatePool") == []
    assert emulator.control.pools()[0]["TwoWayEnabled"] is False


def test_a_policy_without_pass_role_fails_a_two_way_role_with_access_denied(
    emulator, pool, make_event, invoke, provider_policies, two_way, provider_principal
):
    emulator.control.enforce_iam(without(provider_policies, "iam:PassRole"), principal_arn=provider_principal)

    body = invoke(make_event("create", pool["PoolId"], properties=two_way))

    assert_denied(emulator, body, "UpdatePool", "iam:PassRole", provider_principal)
    (call,) = emulator.control.calls("UpdatePool")
    assert call["request"]["TwoWayChannelRole"] == two_way["TwoWayChannelRole"]
    assert emulator.control.pools()[0]["TwoWayEnabled"] is False


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("Resource", "arn:aws:iam::123456789012:role/SomeOtherRole"),
        ("Condition", {"StringEquals": {"iam:PassedToService": "lambda.amazonaws.com"}}),
    ],
)
def test_a_pass_role_statement_for_another_role_or_service_fails_with_access_denied(
    emulator, pool, make_event, invoke, provider_policies, field, value, two_way, provider_principal
):
    mis_scoped = copy.deepcopy(provider_policies)
    statements_of(mis_scoped, "iam:PassRole")[0][field] = value
    emulator.control.enforce_iam(mis_scoped, principal_arn=provider_principal)

    body = invoke(make_event("create", pool["PoolId"], properties=two_way))

    assert_denied(emulator, body, "UpdatePool", "iam:PassRole", provider_principal)


def test_a_policy_without_update_pool_fails_the_write_with_access_denied(
    emulator, pool, make_event, invoke, provider_policies, provider_principal
):
    read_only = copy.deepcopy(provider_policies)
    statements_of(read_only, "sms-voice:UpdatePool")[0]["Action"] = ["sms-voice:DescribePools"]
    emulator.control.enforce_iam(read_only, principal_arn=provider_principal)

    body = invoke(make_event("create", pool["PoolId"]))

    assert_denied(emulator, body, "UpdatePool", "sms-voice:UpdatePool", provider_principal)
    assert body["Reason"].startswith(f"UpdatePool {pool['PoolId']} denied: AccessDeniedException"), body[
        "Reason"
    ]
