"""Several accounts (the account follows from the SigV4 access key) and tags on pools and opt-out lists:
ListTagsForResource, TagResource, UntagResource, tags at CreatePool and seed_pool, and their IAM."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.config import Config
from sms_pool_settings_local.emulator import ACCOUNT_ID, EmulatorControlError, EmulatorServer

SERVICE = "pinpoint-sms-voice-v2"
PROD = "222222222222"
PROD_KEY = "AKIAPRODACCOUNT"


def client_for(endpoint_url: str, access_key: str, region: str = "us-east-1") -> Any:
    return boto3.client(
        SERVICE,
        endpoint_url=endpoint_url,
        region_name=region,
        aws_access_key_id=access_key,
        aws_secret_access_key="testing",
        config=Config(retries={"total_max_attempts": 1}),
    )


@pytest.fixture
def as_key(server: EmulatorServer) -> Callable[..., Any]:
    """``as_key(access_key, region="us-east-1")``: a client signing with that access key."""
    return lambda access_key, region="us-east-1": client_for(server.endpoint_url, access_key, region)


def _create(client: Any, **kwargs: Any) -> dict[str, Any]:
    params = {"OriginationIdentity": "MySenderId", "IsoCountryCode": "US", "MessageType": "TRANSACTIONAL"}
    return client.create_pool(**{**params, **kwargs})  # type: ignore[no-any-return]


# --- Accounts --------------------------------------------------------------------------------------
def test_two_accounts_in_one_region_share_nothing(control: Any, as_key: Any, error_of: Any) -> None:
    control.set_account(PROD_KEY, PROD)
    dev, prod = as_key("AKIADEVACCOUNT"), as_key(PROD_KEY)

    dev_pool = _create(dev)
    prod_pool = _create(prod)

    assert dev_pool["PoolArn"].startswith(f"arn:aws:sms-voice:us-east-1:{ACCOUNT_ID}:pool/")
    assert prod_pool["PoolArn"].startswith(f"arn:aws:sms-voice:us-east-1:{PROD}:pool/")
    assert [p["PoolId"] for p in dev.describe_pools()["Pools"]] == [dev_pool["PoolId"]]
    assert [p["PoolId"] for p in prod.describe_pools()["Pools"]] == [prod_pool["PoolId"]]
    assert prod.describe_opt_out_lists()["OptOutLists"][0]["OptOutListArn"] == (
        f"arn:aws:sms-voice:us-east-1:{PROD}:opt-out-list/Default"
    )
    # The other account's pool, by ID or by ARN, does not exist here.
    for given in (dev_pool["PoolId"], dev_pool["PoolArn"]):
        with pytest.raises(prod.exceptions.ResourceNotFoundException) as excinfo:
            prod.update_pool(PoolId=given, DeletionProtectionEnabled=True)
        assert error_of(excinfo)["Message"] == f"Pool {given} does not exist."
    assert control.pools()[0]["DeletionProtectionEnabled"] is False
    assert [p["PoolId"] for p in control.pools(account=PROD)] == [prod_pool["PoolId"]]


def test_an_account_and_a_region_are_isolated_from_every_other_pair(control: Any, as_key: Any) -> None:
    control.set_account(PROD_KEY, PROD)
    made = {
        (key, region): _create(as_key(key, region))["PoolId"]
        for key in ("AKIADEV", PROD_KEY)
        for region in ("us-east-1", "eu-west-1")
    }

    seen = {pair: [p["PoolId"] for p in as_key(*pair).describe_pools()["Pools"]] for pair in made}

    assert seen == {pair: [pool_id] for pair, pool_id in made.items()}


def test_an_unregistered_or_missing_access_key_acts_in_the_default_account(
    control: Any, as_key: Any, raw_post: Any
) -> None:
    pool = _create(as_key("AKIANEVERREGISTERED"))
    status, _, body = raw_post("PinpointSMSVoiceV2.DescribePools", {})  # unsigned

    assert pool["PoolArn"].split(":")[4] == ACCOUNT_ID
    assert status == 200
    assert [p["PoolId"] for p in body["Pools"]] == [pool["PoolId"]]
    assert [c["account"] for c in control.calls()] == [ACCOUNT_ID, ACCOUNT_ID]


def test_the_call_log_names_the_account_of_each_request(control: Any, as_key: Any) -> None:
    control.set_account(PROD_KEY, PROD)

    as_key(PROD_KEY).describe_pools()

    assert control.calls("DescribePools")[0]["account"] == PROD


@pytest.mark.parametrize(
    ("access_key_id", "account_id", "message"),
    [
        ("AKIA", "12345", "account_id must be 12 digits, got '12345'"),
        ("AKIA", 222222222222, "account_id must be 12 digits, got 222222222222"),
        ("", PROD, "access_key_id must be 1-128 printable characters, got ''"),
    ],
)
def test_set_account_refuses_a_bad_key_or_account(
    control: Any, access_key_id: Any, account_id: Any, message: str
) -> None:
    with pytest.raises(EmulatorControlError) as excinfo:
        control.set_account(access_key_id, account_id)

    assert str(excinfo.value) == f"POST accounts: HTTP 400: {message}"
    assert control.accounts() == []


def test_reset_forgets_the_access_keys(control: Any) -> None:
    control.set_account(PROD_KEY, PROD)
    assert control.accounts() == [{"access_key_id": PROD_KEY, "account_id": PROD}]

    control.reset()

    assert control.accounts() == []


def test_seed_pool_puts_a_pool_in_the_account_asked_with_its_tags(control: Any, as_key: Any) -> None:
    control.set_account(PROD_KEY, PROD)

    seeded = control.seed_pool("pool-alerts", account=PROD, tags={"team": "alerts"})
    prod = as_key(PROD_KEY)

    assert seeded["PoolArn"] == f"arn:aws:sms-voice:us-east-1:{PROD}:pool/pool-alerts"
    assert control.pools() == []
    assert prod.list_tags_for_resource(ResourceArn=seeded["PoolArn"])["Tags"] == [
        {"Key": "team", "Value": "alerts"}
    ]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"account": "prod"}, "account must be 12 digits, got 'prod'"),
        ({"tags": {"team": 1}}, "tags must map strings to strings, got {'team': 1}"),
        (
            {"tags": {"aws:cloudformation:stack-name": "x"}},
            "tags: Tag key 'aws:cloudformation:stack-name' uses the prefix aws:, "
            "which is reserved for AWS use.",
        ),
    ],
)
def test_seed_pool_refuses_a_bad_account_or_tag(control: Any, kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(EmulatorControlError) as excinfo:
        control.seed_pool("pool-bad", **kwargs)

    assert str(excinfo.value) == f"POST pools: HTTP 400: {message}"
    assert control.pools() == []


def test_the_state_file_keeps_every_account_and_the_access_keys(tmp_path: Path) -> None:
    state = tmp_path / "state.json"
    with EmulatorServer(state_file=state) as first:
        first.control.set_account(PROD_KEY, PROD)
        pool = _create(client_for(first.endpoint_url, PROD_KEY), Tags=[{"Key": "team", "Value": "alerts"}])

    with EmulatorServer(state_file=state) as second:
        prod = client_for(second.endpoint_url, PROD_KEY)
        found = prod.describe_pools()["Pools"]
        tags = prod.list_tags_for_resource(ResourceArn=pool["PoolArn"])["Tags"]

    assert [p["PoolArn"] for p in found] == [pool["PoolArn"]]
    assert tags == [{"Key": "team", "Value": "alerts"}]


def test_a_version_1_state_file_is_the_default_accounts(tmp_path: Path) -> None:
    state = tmp_path / "state.json"
    with EmulatorServer(state_file=state) as first:
        first.control.seed_pool("pool-old")
    saved = json.loads(state.read_text())
    state.write_text(json.dumps({"version": 1, "regions": saved["accounts"][ACCOUNT_ID]}))

    with EmulatorServer(state_file=state) as second:
        pools = second.control.pools()

    assert [p["PoolId"] for p in pools] == ["pool-old"]


# --- Tags ------------------------------------------------------------------------------------------
def test_tags_given_at_create_pool_are_listed(sms: Any, new_pool: Any) -> None:
    pool = new_pool(Tags=[{"Key": "team", "Value": "alerts"}, {"Key": "env", "Value": ""}])

    answer = sms.list_tags_for_resource(ResourceArn=pool["PoolArn"])

    assert answer["ResourceArn"] == pool["PoolArn"]
    assert answer["Tags"] == [{"Key": "team", "Value": "alerts"}, {"Key": "env", "Value": ""}]


def test_a_pool_without_tags_lists_none(sms: Any, new_pool: Any) -> None:
    pool = new_pool()

    assert sms.list_tags_for_resource(ResourceArn=pool["PoolArn"])["Tags"] == []


def test_tag_resource_adds_and_overwrites_and_untag_resource_removes(sms: Any, new_pool: Any) -> None:
    pool = new_pool(Tags=[{"Key": "team", "Value": "alerts"}])

    sms.tag_resource(
        ResourceArn=pool["PoolArn"], Tags=[{"Key": "team", "Value": "billing"}, {"Key": "tier", "Value": "1"}]
    )
    after_tag = sms.list_tags_for_resource(ResourceArn=pool["PoolArn"])["Tags"]
    sms.untag_resource(ResourceArn=pool["PoolArn"], TagKeys=["team", "never-there"])
    after_untag = sms.list_tags_for_resource(ResourceArn=pool["PoolArn"])["Tags"]

    assert after_tag == [{"Key": "team", "Value": "billing"}, {"Key": "tier", "Value": "1"}]
    assert after_untag == [{"Key": "tier", "Value": "1"}]


def test_opt_out_lists_carry_tags_too(sms: Any) -> None:
    created = sms.create_opt_out_list(OptOutListName="alerts", Tags=[{"Key": "team", "Value": "alerts"}])

    sms.tag_resource(ResourceArn=created["OptOutListArn"], Tags=[{"Key": "tier", "Value": "1"}])

    assert sms.list_tags_for_resource(ResourceArn=created["OptOutListArn"])["Tags"] == [
        {"Key": "team", "Value": "alerts"},
        {"Key": "tier", "Value": "1"},
    ]


@pytest.mark.parametrize(
    ("call", "code", "message", "members"),
    [
        (
            lambda sms, arn: sms.tag_resource(ResourceArn=arn, Tags=[{"Key": "aws:owner", "Value": "x"}]),
            "ValidationException",
            "Tag key 'aws:owner' uses the prefix aws:, which is reserved for AWS use.",
            {"Reason": "INVALID_PARAMETER", "Fields": [{"Name": "Tags"}]},
        ),
        (
            lambda sms, arn: sms.untag_resource(ResourceArn=arn, TagKeys=["AWS:owner"]),
            "ValidationException",
            "Tag key 'AWS:owner' uses the prefix aws:, which is reserved for AWS use.",
            {"Reason": "INVALID_PARAMETER", "Fields": [{"Name": "TagKeys"}]},
        ),
        (
            lambda sms, arn: sms.tag_resource(
                ResourceArn=arn, Tags=[{"Key": "tier", "Value": "1"}, {"Key": "tier", "Value": "2"}]
            ),
            "ValidationException",
            "Tag key 'tier' appears more than once in Tags; tag keys must be unique.",
            {"Reason": "INVALID_PARAMETER", "Fields": [{"Name": "Tags"}]},
        ),
        (
            lambda sms, arn: sms.tag_resource(
                ResourceArn=arn, Tags=[{"Key": f"k{i}", "Value": "v"} for i in range(50)]
            ),
            "ServiceQuotaExceededException",
            "A resource can have at most 50 tags; this request would leave 51.",
            {"Reason": "TAGS_PER_RESOURCE"},
        ),
    ],
    ids=["reserved-prefix", "reserved-prefix-untag", "repeated-key", "over-50"],
)
def test_a_refused_tag_request_names_the_rule_and_writes_nothing(
    sms: Any, new_pool: Any, error_of: Any, call: Any, code: str, message: str, members: dict[str, Any]
) -> None:
    pool = new_pool(Tags=[{"Key": "team", "Value": "alerts"}])

    with pytest.raises(sms.exceptions.ClientError) as excinfo:
        call(sms, pool["PoolArn"])

    error = error_of(excinfo)
    assert (error["Code"], error["Message"], error.get("Reason")) == (code, message, members["Reason"])
    if "Fields" in members:
        assert [f["Name"] for f in error["Fields"]] == [f["Name"] for f in members["Fields"]]
    assert sms.list_tags_for_resource(ResourceArn=pool["PoolArn"])["Tags"] == [
        {"Key": "team", "Value": "alerts"}
    ]


def test_create_pool_refuses_a_reserved_tag_and_creates_nothing(
    sms: Any, new_pool: Any, control: Any
) -> None:
    with pytest.raises(sms.exceptions.ValidationException):
        new_pool(Tags=[{"Key": "aws:owner", "Value": "x"}])

    assert control.pools() == []


@pytest.mark.parametrize(
    ("arn", "code", "message"),
    [
        (
            f"arn:aws:sms-voice:us-east-1:{ACCOUNT_ID}:pool/pool-nope",
            "ResourceNotFoundException",
            f"Pool arn:aws:sms-voice:us-east-1:{ACCOUNT_ID}:pool/pool-nope does not exist.",
        ),
        (
            f"arn:aws:sms-voice:eu-west-1:{ACCOUNT_ID}:pool/{{pool_id}}",
            "ResourceNotFoundException",
            f"Pool arn:aws:sms-voice:eu-west-1:{ACCOUNT_ID}:pool/{{pool_id}} does not exist.",
        ),
        (
            f"arn:aws:sms-voice:us-east-1:{PROD}:pool/{{pool_id}}",
            "ResourceNotFoundException",
            f"Pool arn:aws:sms-voice:us-east-1:{PROD}:pool/{{pool_id}} does not exist.",
        ),
        (
            f"arn:aws:sms-voice:us-east-1:{ACCOUNT_ID}:phone-number/phone-1",
            "ResourceNotFoundException",
            f"Resource arn:aws:sms-voice:us-east-1:{ACCOUNT_ID}:phone-number/phone-1 does not exist.",
        ),
        (
            f"arn:aws-cn:sms-voice:us-east-1:{ACCOUNT_ID}:pool/{{pool_id}}",
            "ValidationException",
            f"ResourceArn 'arn:aws-cn:sms-voice:us-east-1:{ACCOUNT_ID}:pool/{{pool_id}}' is not an ARN of "
            "partition aws (region us-east-1).",
        ),
    ],
    ids=["no-such-pool", "another-region", "another-account", "not-emulated-type", "another-partition"],
)
def test_list_tags_for_a_resource_that_is_not_here_is_refused(
    sms: Any, new_pool: Any, error_of: Any, arn: str, code: str, message: str
) -> None:
    pool_id = new_pool()["PoolId"]

    with pytest.raises(sms.exceptions.ClientError) as excinfo:
        sms.list_tags_for_resource(ResourceArn=arn.format(pool_id=pool_id))

    error = error_of(excinfo)
    assert (error["Code"], error["Message"]) == (code, message.format(pool_id=pool_id))


def test_tag_requests_are_checked_against_the_model(unchecked: Any, new_pool: Any, error_of: Any) -> None:
    pool = new_pool()

    with pytest.raises(unchecked.exceptions.ValidationException) as excinfo:
        unchecked.tag_resource(ResourceArn=pool["PoolArn"], Tags=[])

    assert error_of(excinfo)["Message"] == (
        "1 validation error detected: Value '[]' at 'tags' failed to satisfy constraint: "
        "Member must have length greater than or equal to 1"
    )


# --- IAM for the tag operations and for another account ---------------------------------------------
def _policy(*statements: dict[str, Any]) -> list[dict[str, Any]]:
    return [{"Version": "2012-10-17", "Statement": list(statements)}]


def test_list_tags_is_authorized_on_the_resource_arn(sms: Any, control: Any, error_of: Any) -> None:
    allowed = control.seed_pool("pool-allowed", tags={"team": "alerts"})["PoolArn"]
    other = control.seed_pool("pool-other")["PoolArn"]
    control.enforce_iam(
        _policy({"Effect": "Allow", "Action": "sms-voice:ListTagsForResource", "Resource": allowed})
    )

    assert sms.list_tags_for_resource(ResourceArn=allowed)["Tags"] == [{"Key": "team", "Value": "alerts"}]
    with pytest.raises(sms.exceptions.AccessDeniedException) as excinfo:
        sms.list_tags_for_resource(ResourceArn=other)

    assert error_of(excinfo)["Message"] == (
        f"User: arn:aws:sts::{ACCOUNT_ID}:assumed-role/emulator/session is not authorized to perform: "
        f"sms-voice:ListTagsForResource on resource: {other} because no identity-based policy allows the "
        "sms-voice:ListTagsForResource action"
    )


def test_tag_resource_carries_the_request_tags_and_untag_resource_the_keys(sms: Any, control: Any) -> None:
    arn = control.seed_pool("pool-tagged")["PoolArn"]
    control.enforce_iam(
        _policy(
            {
                "Effect": "Allow",
                "Action": "sms-voice:TagResource",
                "Resource": arn,
                "Condition": {"StringEquals": {"aws:RequestTag/team": "alerts"}},
            },
            {
                "Effect": "Allow",
                "Action": "sms-voice:UntagResource",
                "Resource": arn,
                "Condition": {"ForAllValues:StringEquals": {"aws:TagKeys": ["team"]}},
            },
        )
    )

    sms.tag_resource(ResourceArn=arn, Tags=[{"Key": "team", "Value": "alerts"}])
    with pytest.raises(sms.exceptions.AccessDeniedException):
        sms.tag_resource(ResourceArn=arn, Tags=[{"Key": "team", "Value": "billing"}])
    with pytest.raises(sms.exceptions.AccessDeniedException):
        sms.untag_resource(ResourceArn=arn, TagKeys=["team", "tier"])
    sms.untag_resource(ResourceArn=arn, TagKeys=["team"])

    assert control.pools()[0].get("Tags") == []


def test_a_caller_of_another_account_authorizes_on_its_own_accounts_arns(
    control: Any, as_key: Any, error_of: Any
) -> None:
    control.set_account(PROD_KEY, PROD)
    control.seed_pool("pool-prod", account=PROD)
    prod_arn = f"arn:aws:sms-voice:us-east-1:{PROD}:pool/pool-prod"
    control.enforce_iam(_policy({"Effect": "Allow", "Action": "sms-voice:UpdatePool", "Resource": prod_arn}))
    prod = as_key(PROD_KEY)

    prod.update_pool(PoolId="pool-prod", DeletionProtectionEnabled=True)
    with pytest.raises(prod.exceptions.AccessDeniedException) as excinfo:
        prod.delete_pool(PoolId="pool-prod")

    assert error_of(excinfo)["Message"].startswith(
        f"User: arn:aws:sts::{PROD}:assumed-role/emulator/session is not authorized to perform: "
        f"sms-voice:DeletePool on resource: {prod_arn} "
    )
    assert control.pools(account=PROD)[0]["DeletionProtectionEnabled"] is True


def test_update_pool_is_authorized_with_the_pools_own_tags_as_aws_resource_tag(
    sms: Any, control: Any, error_of: Any
) -> None:
    tagged = control.seed_pool("pool-alerts", tags={"team": "alerts"})["PoolArn"]
    other = control.seed_pool("pool-billing", tags={"team": "billing"})["PoolArn"]
    pools = f"arn:aws:sms-voice:us-east-1:{ACCOUNT_ID}:pool/*"
    only_alerts = _policy(
        {
            "Effect": "Allow",
            "Action": "sms-voice:UpdatePool",
            "Resource": pools,
            "Condition": {"StringEquals": {"aws:ResourceTag/team": "alerts"}},
        }
    )
    control.enforce_iam(only_alerts)

    sms.update_pool(PoolId="pool-alerts", DeletionProtectionEnabled=True)
    with pytest.raises(sms.exceptions.AccessDeniedException) as excinfo:
        sms.update_pool(PoolId="pool-billing", DeletionProtectionEnabled=True)
    # A tag removed is a permission gone.
    control.clear_iam()
    sms.untag_resource(ResourceArn=tagged, TagKeys=["team"])
    control.enforce_iam(only_alerts)
    with pytest.raises(sms.exceptions.AccessDeniedException):
        sms.update_pool(PoolId="pool-alerts", DeletionProtectionEnabled=False)

    assert error_of(excinfo)["Message"].endswith(
        f"sms-voice:UpdatePool on resource: {other} because no identity-based policy allows the "
        "sms-voice:UpdatePool action"
    )
    assert [p["DeletionProtectionEnabled"] for p in control.pools()] == [True, False]
