"""IAM enforcement through the control API: boto3 calls authorized as IAM would, denials in AWS's words."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import boto3
import pytest
from sms_pool_settings_local.emulator import ACCOUNT_ID, EmulatorControlError

POOL = "pool-guarded"
POOL_ARN = f"arn:aws:sms-voice:us-east-1:{ACCOUNT_ID}:pool/{POOL}"
OTHER = "pool-other"
ROLE = f"arn:aws:iam::{ACCOUNT_ID}:role/inbound"
TOPIC = f"arn:aws:sns:us-east-1:{ACCOUNT_ID}:inbound"
PRINCIPAL = f"arn:aws:sts::{ACCOUNT_ID}:assumed-role/provider/session"
DEFAULT_PRINCIPAL = f"arn:aws:sts::{ACCOUNT_ID}:assumed-role/emulator/session"


def document(*statements: dict[str, Any]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": list(statements)}


# What the construct grants the provider role: describe and update the pool, pass the role to SMS.
PROVIDER_POLICY = document(
    {"Effect": "Allow", "Action": ["sms-voice:DescribePools", "sms-voice:UpdatePool"], "Resource": POOL_ARN},
    {
        "Effect": "Allow",
        "Action": "iam:PassRole",
        "Resource": ROLE,
        "Condition": {"StringEquals": {"iam:PassedToService": "sms-voice.amazonaws.com"}},
    },
)


@pytest.fixture
def pools(control: Any) -> None:
    control.seed_pool(POOL)
    control.seed_pool(OTHER)


def denied(
    action: str, resource: str, principal: str = DEFAULT_PRINCIPAL, explicit: bool = False
) -> dict[str, Any]:
    ending = (
        "with an explicit deny in an identity-based policy"
        if explicit
        else f"because no identity-based policy allows the {action} action"
    )
    return {
        "Code": "AccessDeniedException",
        "Message": f"User: {principal} is not authorized to perform: {action} on resource: {resource} "
        + ending,
        "Status": 403,
    }


def test_enforcement_is_off_until_asked_for(sms: Any, pools: None, control: Any) -> None:
    assert control.iam() == {"enabled": False, "policies": [], "principal_arn": None, "access_key_id": None}
    assert len(sms.describe_pools()["Pools"]) == 2


def test_the_provider_policy_allows_describe_and_update_of_its_pool_by_id_or_arn(
    sms: Any, pools: None, control: Any
) -> None:
    control.enforce_iam([PROVIDER_POLICY], principal_arn=PRINCIPAL)

    described = sms.describe_pools(PoolIds=[POOL])["Pools"]
    by_arn = sms.describe_pools(PoolIds=[POOL_ARN])["Pools"]
    updated = sms.update_pool(
        PoolId=POOL,
        TwoWayEnabled=True,
        TwoWayChannelArn=TOPIC,
        TwoWayChannelRole=ROLE,
        SharedRoutesEnabled=True,
    )

    assert [p["PoolId"] for p in described + by_arn] == [POOL, POOL]
    assert (updated["TwoWayChannelRole"], updated["SharedRoutesEnabled"]) == (ROLE, True)


def test_describe_pools_without_pool_ids_authorizes_on_star(
    sms: Any, pools: None, control: Any, error_of: Any
) -> None:
    control.enforce_iam([PROVIDER_POLICY], principal_arn=PRINCIPAL)

    with pytest.raises(sms.exceptions.AccessDeniedException) as excinfo:
        sms.describe_pools()

    assert error_of(excinfo) == denied("sms-voice:DescribePools", "*", PRINCIPAL)


def test_describe_pools_is_denied_on_the_first_pool_the_policy_does_not_cover(
    sms: Any, pools: None, control: Any, error_of: Any
) -> None:
    control.enforce_iam([PROVIDER_POLICY])

    with pytest.raises(sms.exceptions.AccessDeniedException) as excinfo:
        sms.describe_pools(PoolIds=[POOL, OTHER])

    other_arn = POOL_ARN.replace(POOL, OTHER)
    assert error_of(excinfo) == denied("sms-voice:DescribePools", other_arn)


def test_update_pool_of_another_pool_is_denied_and_writes_nothing(
    sms: Any, pools: None, control: Any, error_of: Any
) -> None:
    control.enforce_iam([PROVIDER_POLICY], principal_arn=PRINCIPAL)

    with pytest.raises(sms.exceptions.AccessDeniedException) as excinfo:
        sms.update_pool(PoolId=OTHER, DeletionProtectionEnabled=True)

    assert error_of(excinfo) == denied("sms-voice:UpdatePool", POOL_ARN.replace(POOL, OTHER), PRINCIPAL)
    assert [p["DeletionProtectionEnabled"] for p in control.pools()] == [False, False]
    assert control.calls("UpdatePool")[-1]["error"] == "AccessDeniedException"


def test_update_pool_with_a_role_needs_pass_role_on_that_role(
    sms: Any, pools: None, control: Any, error_of: Any
) -> None:
    without_pass_role = document(PROVIDER_POLICY["Statement"][0])
    control.enforce_iam([without_pass_role], principal_arn=PRINCIPAL)

    with pytest.raises(sms.exceptions.AccessDeniedException) as excinfo:
        sms.update_pool(PoolId=POOL, TwoWayEnabled=True, TwoWayChannelArn=TOPIC, TwoWayChannelRole=ROLE)

    assert error_of(excinfo) == denied("iam:PassRole", ROLE, PRINCIPAL)
    assert control.pools()[0]["TwoWayEnabled"] is False


def test_pass_role_conditioned_on_another_service_does_not_cover_sms(
    sms: Any, pools: None, control: Any, error_of: Any
) -> None:
    to_lambda = json.loads(
        json.dumps(PROVIDER_POLICY).replace("sms-voice.amazonaws.com", "lambda.amazonaws.com")
    )
    control.enforce_iam([to_lambda])

    with pytest.raises(sms.exceptions.AccessDeniedException) as excinfo:
        sms.update_pool(PoolId=POOL, TwoWayEnabled=True, TwoWayChannelArn=TOPIC, TwoWayChannelRole=ROLE)

    assert error_of(excinfo) == denied("iam:PassRole", ROLE)


def test_update_pool_without_a_role_needs_no_pass_role(sms: Any, pools: None, control: Any) -> None:
    control.enforce_iam([document(PROVIDER_POLICY["Statement"][0])])

    assert sms.update_pool(PoolId=POOL, SharedRoutesEnabled=True)["SharedRoutesEnabled"] is True


def test_an_explicit_deny_in_another_policy_wins(sms: Any, pools: None, control: Any, error_of: Any) -> None:
    deny_update = document({"Effect": "Deny", "Action": "sms-voice:Update*", "Resource": "*"})
    control.enforce_iam([PROVIDER_POLICY, deny_update])

    with pytest.raises(sms.exceptions.AccessDeniedException) as excinfo:
        sms.update_pool(PoolId=POOL, SharedRoutesEnabled=True)

    assert error_of(excinfo) == denied("sms-voice:UpdatePool", POOL_ARN, explicit=True)


@pytest.mark.parametrize(
    ("call", "action", "resource"),
    [
        (lambda sms: sms.delete_pool(PoolId=POOL), "sms-voice:DeletePool", POOL_ARN),
        (
            lambda sms: sms.create_pool(
                OriginationIdentity="MySenderId", IsoCountryCode="US", MessageType="TRANSACTIONAL"
            ),
            "sms-voice:CreatePool",
            f"arn:aws:sms-voice:us-east-1:{ACCOUNT_ID}:sender-id/MySenderId/US",
        ),
        (
            lambda sms: sms.create_pool(
                OriginationIdentity="phone-0123456789abcdef0123456789abcdef", MessageType="TRANSACTIONAL"
            ),
            "sms-voice:CreatePool",
            f"arn:aws:sms-voice:us-east-1:{ACCOUNT_ID}:phone-number/phone-0123456789abcdef0123456789abcdef",
        ),
        (lambda sms: sms.create_opt_out_list(OptOutListName="alerts"), "sms-voice:CreateOptOutList", "*"),
        (lambda sms: sms.describe_opt_out_lists(), "sms-voice:DescribeOptOutLists", "*"),
        (
            lambda sms: sms.describe_opt_out_lists(OptOutListNames=["Default"]),
            "sms-voice:DescribeOptOutLists",
            f"arn:aws:sms-voice:us-east-1:{ACCOUNT_ID}:opt-out-list/Default",
        ),
        (
            lambda sms: sms.delete_opt_out_list(OptOutListName="Default"),
            "sms-voice:DeleteOptOutList",
            f"arn:aws:sms-voice:us-east-1:{ACCOUNT_ID}:opt-out-list/Default",
        ),
    ],
)
def test_every_operation_is_authorized_on_the_resource_the_service_authorization_reference_names(
    sms: Any, pools: None, control: Any, error_of: Any, call: Any, action: str, resource: str
) -> None:
    control.enforce_iam([PROVIDER_POLICY])

    with pytest.raises(sms.exceptions.AccessDeniedException) as excinfo:
        call(sms)

    assert error_of(excinfo) == denied(action, resource)


def allowed_on_star_when(action: str, key: str, value: str) -> dict[str, Any]:
    """A policy allowing ``action`` on ``*`` only when the context key ``key`` equals ``value``."""
    condition = {"StringEquals": {key: value}}
    return document({"Effect": "Allow", "Action": action, "Resource": "*", "Condition": condition})


def test_tags_of_a_create_request_are_condition_keys(sms: Any, control: Any, error_of: Any) -> None:
    control.enforce_iam([allowed_on_star_when("sms-voice:CreateOptOutList", "aws:RequestTag/team", "alerts")])

    created = sms.create_opt_out_list(OptOutListName="tagged", Tags=[{"Key": "team", "Value": "alerts"}])
    with pytest.raises(sms.exceptions.AccessDeniedException):
        sms.create_opt_out_list(OptOutListName="untagged")

    assert created["OptOutListName"] == "tagged"


def test_a_region_condition_sees_the_region_of_the_request(client_in: Any, control: Any) -> None:
    control.enforce_iam([allowed_on_star_when("sms-voice:DescribePools", "aws:RequestedRegion", "us-east-1")])

    assert client_in("us-east-1").describe_pools()["Pools"] == []
    with pytest.raises(client_in("eu-west-1").exceptions.AccessDeniedException):
        client_in("eu-west-1").describe_pools()


def test_enforcement_scoped_to_an_access_key_checks_only_requests_signed_with_it(
    server: Any, pools: None, control: Any
) -> None:
    def client_with(key: str) -> Any:
        return boto3.client(
            "pinpoint-sms-voice-v2",
            endpoint_url=server.endpoint_url,
            region_name="us-east-1",
            aws_access_key_id=key,
            aws_secret_access_key="secret",
        )

    control.enforce_iam([PROVIDER_POLICY], PRINCIPAL, access_key_id="AKIAHANDLER")
    handler, deployer = client_with("AKIAHANDLER"), client_with("AKIADEPLOYER")

    with pytest.raises(handler.exceptions.AccessDeniedException):
        handler.delete_pool(PoolId=OTHER)
    deleted = deployer.delete_pool(PoolId=OTHER)

    assert deleted["PoolId"] == OTHER
    assert control.iam()["access_key_id"] == "AKIAHANDLER"


def test_clear_iam_and_reset_turn_enforcement_off(sms: Any, pools: None, control: Any) -> None:
    control.enforce_iam([PROVIDER_POLICY], principal_arn=PRINCIPAL)
    assert control.iam() == {
        "enabled": True,
        "policies": [PROVIDER_POLICY],
        "principal_arn": PRINCIPAL,
        "access_key_id": None,
    }

    control.clear_iam()
    sms.describe_pools()
    control.enforce_iam([PROVIDER_POLICY])
    control.reset()

    assert sms.describe_pools()["Pools"] == []
    assert control.iam()["enabled"] is False


@pytest.mark.parametrize(
    ("policies", "options", "message"),
    [
        ([], {}, "policies must be a non-empty list of IAM policy documents"),
        (
            [
                document(
                    {"Effect": "Allow", "Action": "sms-voice:*", "Resource": {"Fn::GetAtt": ["Pool", "Arn"]}}
                )
            ],
            {},
            "policies[0] Statement[0] Resource must be a non-empty string or list of strings",
        ),
        (
            [PROVIDER_POLICY],
            {"principal_arn": "provider"},
            "principal_arn must be an ARN or null, got 'provider'",
        ),
        (
            [PROVIDER_POLICY],
            {"access_key_id": ""},
            "access_key_id must be a non-empty string or null, got ''",
        ),
    ],
)
def test_enforce_iam_refuses_what_it_cannot_evaluate_and_stays_off(
    control: Any, policies: Any, options: dict[str, Any], message: str
) -> None:
    with pytest.raises(EmulatorControlError) as excinfo:
        control.enforce_iam(policies, **options)

    assert "HTTP 400" in str(excinfo.value) and message in str(excinfo.value)
    assert control.iam()["enabled"] is False


def test_the_command_enforces_the_policy_files_it_is_given(tmp_path: Path) -> None:
    policy_file = tmp_path / "policy.json"
    policy_file.write_text(json.dumps(PROVIDER_POLICY), encoding="utf-8")
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "sms_pool_settings_local.emulator",
            "--port",
            "0",
            "--iam-policy",
            str(policy_file),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={"PATH": "/usr/bin:/bin"},
    )
    try:
        assert process.stdout is not None
        url = process.stdout.readline().strip().removeprefix("sms_pool_settings_local.emulator listening on ")
        client = boto3.client(
            "pinpoint-sms-voice-v2",
            endpoint_url=url,
            region_name="us-east-1",
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
        )
        with pytest.raises(client.exceptions.AccessDeniedException) as excinfo:
            client.describe_pools()
    finally:
        process.terminate()
        process.wait(timeout=10)
        process.stdout.close()  # type: ignore[union-attr]
        process.stderr.close()  # type: ignore[union-attr]

    assert excinfo.value.response["Error"]["Message"] == denied("sms-voice:DescribePools", "*")["Message"]


def test_the_command_refuses_a_policy_file_it_cannot_evaluate(tmp_path: Path) -> None:
    policy_file = tmp_path / "policy.json"
    policy_file.write_text(json.dumps(document({"Effect": "Allow", "Action": "*"})), encoding="utf-8")

    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "sms_pool_settings_local.emulator",
            "--port",
            "0",
            "--iam-policy",
            str(policy_file),
        ],
        capture_output=True,
        text=True,
        env={"PATH": "/usr/bin:/bin"},
        timeout=30,
        check=False,
    )

    assert result.returncode == 2
    assert (
        "--iam-policy: policies[0] Statement[0] must have exactly one of Resource and NotResource"
        in result.stderr
    )
