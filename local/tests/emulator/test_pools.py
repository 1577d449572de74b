"""Pools through real boto3 calls: every happy path, and each error by code, status, message, members."""

from __future__ import annotations

import datetime
import re
from typing import Any

import pytest
from sms_pool_settings_local.emulator import ACCOUNT_ID

ARN_PREFIX = f"arn:aws:sms-voice:us-east-1:{ACCOUNT_ID}:pool/"
CHANNEL = "arn:aws:sns:us-east-1:123456789012:inbound-sms"
ROLE = "arn:aws:iam::123456789012:role/sms-two-way"


# --- CreatePool -----------------------------------------------------------------------------------
def test_create_pool_answers_a_new_active_pool_with_the_service_defaults(new_pool: Any) -> None:
    pool = new_pool(MessageType="PROMOTIONAL")

    assert re.fullmatch(r"pool-[0-9a-f]{32}", pool["PoolId"])
    assert pool["PoolArn"] == ARN_PREFIX + pool["PoolId"]
    assert isinstance(pool["CreatedTimestamp"], datetime.datetime)
    for key in ("ResponseMetadata", "CreatedTimestamp", "PoolId", "PoolArn"):
        del pool[key]
    assert pool == {
        "Status": "ACTIVE",
        "MessageType": "PROMOTIONAL",
        "TwoWayEnabled": False,
        "SelfManagedOptOutsEnabled": False,
        "OptOutListName": "Default",
        "SharedRoutesEnabled": False,
        "DeletionProtectionEnabled": False,
    }


def test_create_pool_keeps_deletion_protection_and_tags(new_pool: Any) -> None:
    pool = new_pool(DeletionProtectionEnabled=True, Tags=[{"Key": "team", "Value": "sms"}])

    assert pool["DeletionProtectionEnabled"] is True
    assert pool["Tags"] == [{"Key": "team", "Value": "sms"}]


def test_create_pool_with_a_repeated_client_token_returns_the_same_pool(new_pool: Any, control: Any) -> None:
    first = new_pool(ClientToken="token-1")
    second = new_pool(ClientToken="token-1")
    third = new_pool(ClientToken="token-2")

    assert first["PoolId"] == second["PoolId"] != third["PoolId"]
    assert len(control.pools()) == 2


def test_create_pool_files_the_pool_under_the_region_of_the_credential_scope(
    client_in: Any, control: Any
) -> None:
    pool = client_in("eu-west-1").create_pool(OriginationIdentity="MySenderId", MessageType="TRANSACTIONAL")

    assert pool["PoolArn"] == f"arn:aws:sms-voice:eu-west-1:{ACCOUNT_ID}:pool/{pool['PoolId']}"
    assert [p["PoolId"] for p in control.pools("eu-west-1")] == [pool["PoolId"]]
    assert control.pools("us-east-1") == []


# --- DescribePools --------------------------------------------------------------------------------
def test_describe_pools_finds_a_pool_by_id_and_by_arn(sms: Any, new_pool: Any) -> None:
    pool = new_pool()
    new_pool()

    by_id = sms.describe_pools(PoolIds=[pool["PoolId"]])["Pools"]
    by_arn = sms.describe_pools(PoolIds=[pool["PoolArn"]])["Pools"]

    assert [p["PoolId"] for p in by_id] == [pool["PoolId"]]
    assert by_arn == by_id
    assert "NextToken" not in sms.describe_pools(PoolIds=[pool["PoolId"]])


def test_describe_pools_without_ids_lists_every_pool_of_the_region_in_creation_order(
    sms: Any, new_pool: Any, client_in: Any
) -> None:
    ids = [new_pool()["PoolId"] for _ in range(3)]
    client_in("eu-west-1").create_pool(OriginationIdentity="Other", MessageType="TRANSACTIONAL")

    assert [p["PoolId"] for p in sms.describe_pools()["Pools"]] == ids


def test_describe_pools_omits_two_way_channel_members_until_they_are_set(sms: Any, new_pool: Any) -> None:
    pool = new_pool()
    before = sms.describe_pools(PoolIds=[pool["PoolId"]])["Pools"][0]
    sms.update_pool(PoolId=pool["PoolId"], TwoWayChannelArn=CHANNEL, TwoWayChannelRole=ROLE)
    after = sms.describe_pools(PoolIds=[pool["PoolId"]])["Pools"][0]

    assert "TwoWayChannelArn" not in before and "TwoWayChannelRole" not in before
    assert (after["TwoWayChannelArn"], after["TwoWayChannelRole"]) == (CHANNEL, ROLE)


@pytest.mark.parametrize(
    ("name", "values", "expected"),
    [
        ("message-type", ["PROMOTIONAL"], ["promo"]),
        ("deletion-protection-enabled", ["true"], ["protected"]),
        ("deletion-protection-enabled", ["false"], ["plain", "promo"]),
        ("status", ["ACTIVE"], ["plain", "protected", "promo"]),
        ("status", ["CREATING"], []),
        ("opt-out-list-name", ["Default"], ["plain", "protected", "promo"]),
        ("two-way-enabled", ["false", "true"], ["plain", "protected", "promo"]),
    ],
)
def test_describe_pools_filters_by_each_filter_name(
    sms: Any, new_pool: Any, name: str, values: list[str], expected: list[str]
) -> None:
    names = {
        new_pool()["PoolId"]: "plain",
        new_pool(DeletionProtectionEnabled=True)["PoolId"]: "protected",
        new_pool(MessageType="PROMOTIONAL")["PoolId"]: "promo",
    }

    pools = sms.describe_pools(Filters=[{"Name": name, "Values": values}])["Pools"]

    assert [names[p["PoolId"]] for p in pools] == expected


def test_describe_pools_combines_filters_with_and(sms: Any, new_pool: Any) -> None:
    wanted = new_pool(MessageType="PROMOTIONAL", DeletionProtectionEnabled=True)
    new_pool(MessageType="PROMOTIONAL")
    new_pool(DeletionProtectionEnabled=True)

    pools = sms.describe_pools(
        Filters=[
            {"Name": "message-type", "Values": ["PROMOTIONAL"]},
            {"Name": "deletion-protection-enabled", "Values": ["true"]},
        ]
    )["Pools"]

    assert [p["PoolId"] for p in pools] == [wanted["PoolId"]]


def test_describe_pools_rejects_a_boolean_filter_value_that_is_not_true_or_false(
    sms: Any, new_pool: Any, error_of: Any
) -> None:
    new_pool()
    with pytest.raises(sms.exceptions.ValidationException) as excinfo:
        sms.describe_pools(Filters=[{"Name": "two-way-enabled", "Values": ["yes"]}])

    assert error_of(excinfo) == {
        "Code": "ValidationException",
        "Message": "Invalid values ['yes'] for filter two-way-enabled: expected 'true' or 'false'.",
        "Status": 400,
        "Reason": "INVALID_FILTER_VALUES",
        "Fields": [{"Name": "Filters", "Message": "Invalid value for filter two-way-enabled"}],
    }


def test_describe_pools_pages_through_every_pool_with_max_results_and_next_token(
    sms: Any, new_pool: Any
) -> None:
    ids = [new_pool()["PoolId"] for _ in range(5)]

    pages, token = [], None
    while True:
        answer = sms.describe_pools(MaxResults=2, **({"NextToken": token} if token else {}))
        pages.append([p["PoolId"] for p in answer["Pools"]])
        token = answer.get("NextToken")
        if token is None:
            break

    assert pages == [ids[0:2], ids[2:4], ids[4:5]]


def test_describe_pools_paginator_collects_every_pool(sms: Any, new_pool: Any) -> None:
    ids = [new_pool()["PoolId"] for _ in range(3)]

    pages = list(sms.get_paginator("describe_pools").paginate(PaginationConfig={"PageSize": 1}))

    assert [p["PoolId"] for page in pages for p in page["Pools"]] == ids
    assert len(pages) == 3


@pytest.mark.parametrize("token", ["not-a-token", "eyJvcCI6ICJEZXNjcmliZU9wdE91dExpc3RzIiwgIm9mZnNldCI6IDF9"])
def test_describe_pools_rejects_a_next_token_it_did_not_issue(sms: Any, error_of: Any, token: str) -> None:
    # The second token is valid base64 JSON, but issued by DescribeOptOutLists.
    with pytest.raises(sms.exceptions.ValidationException) as excinfo:
        sms.describe_pools(NextToken=token)

    assert error_of(excinfo) == {
        "Code": "ValidationException",
        "Message": f"Invalid NextToken '{token}': it is not a token this operation returned.",
        "Status": 400,
        "Reason": "INVALID_NEXT_TOKEN",
        "Fields": [{"Name": "NextToken", "Message": "Invalid next token"}],
    }


@pytest.mark.parametrize(
    "given",
    [
        "pool-00000000000000000000000000000000",
        f"arn:aws:sms-voice:us-east-1:{ACCOUNT_ID}:pool/pool-00000000000000000000000000000000",
        # The pool exists, but these ARNs name another region and another account.
        "arn:aws:sms-voice:eu-west-1:{account}:pool/{pool_id}",
        "arn:aws:sms-voice:us-east-1:210987654321:pool/{pool_id}",
    ],
)
def test_describe_pools_answers_resource_not_found_for_a_pool_it_does_not_hold(
    sms: Any, new_pool: Any, error_of: Any, given: str
) -> None:
    pool_id = new_pool()["PoolId"]
    given = given.format(account=ACCOUNT_ID, pool_id=pool_id)

    with pytest.raises(sms.exceptions.ResourceNotFoundException) as excinfo:
        sms.describe_pools(PoolIds=[pool_id, given])

    assert error_of(excinfo) == {
        "Code": "ResourceNotFoundException",
        "Message": f"Pool {given} does not exist.",
        "Status": 400,
        "ResourceType": "pool",
        "ResourceId": given,
    }


def test_describe_pools_with_owner_shared_finds_no_pool(sms: Any, new_pool: Any) -> None:
    new_pool()

    assert sms.describe_pools(Owner="SHARED")["Pools"] == []


# --- UpdatePool -----------------------------------------------------------------------------------
def test_update_pool_changes_only_the_members_given_and_answers_the_pool(sms: Any, new_pool: Any) -> None:
    pool = new_pool()

    answer = sms.update_pool(PoolId=pool["PoolArn"], SharedRoutesEnabled=True, SelfManagedOptOutsEnabled=True)
    stored = sms.describe_pools(PoolIds=[pool["PoolId"]])["Pools"][0]

    del answer["ResponseMetadata"]
    assert answer == stored
    expected = {k: v for k, v in pool.items() if k != "ResponseMetadata"}
    assert stored == {**expected, "SharedRoutesEnabled": True, "SelfManagedOptOutsEnabled": True}


def test_update_pool_enables_two_way_with_a_channel_given_in_the_same_call(sms: Any, new_pool: Any) -> None:
    pool = new_pool()

    answer = sms.update_pool(PoolId=pool["PoolId"], TwoWayEnabled=True, TwoWayChannelArn=CHANNEL)

    assert (answer["TwoWayEnabled"], answer["TwoWayChannelArn"]) == (True, CHANNEL)


def test_update_pool_enables_two_way_with_a_channel_stored_earlier(sms: Any, new_pool: Any) -> None:
    pool = new_pool()
    sms.update_pool(PoolId=pool["PoolId"], TwoWayChannelArn=CHANNEL)

    assert sms.update_pool(PoolId=pool["PoolId"], TwoWayEnabled=True)["TwoWayEnabled"] is True


def test_update_pool_refuses_two_way_without_a_channel_and_changes_nothing(
    sms: Any, new_pool: Any, control: Any, error_of: Any
) -> None:
    pool = new_pool()
    before = control.pools()

    with pytest.raises(sms.exceptions.ValidationException) as excinfo:
        sms.update_pool(PoolId=pool["PoolId"], TwoWayEnabled=True, SharedRoutesEnabled=True)

    assert error_of(excinfo) == {
        "Code": "ValidationException",
        "Message": f"Pool {pool['PoolId']} cannot enable two-way messaging without a TwoWayChannelArn.",
        "Status": 400,
        "Reason": "TWO_WAY_CHANNEL_NOT_PRESENT",
        "Fields": [{"Name": "TwoWayChannelArn", "Message": "Member must be set when TwoWayEnabled is true"}],
    }
    assert control.pools() == before


def test_update_pool_accepts_an_opt_out_list_by_name_or_arn_and_stores_the_name(
    sms: Any, new_pool: Any, control: Any
) -> None:
    pool = new_pool()
    created = sms.create_opt_out_list(OptOutListName="marketing")

    by_arn = sms.update_pool(PoolId=pool["PoolId"], OptOutListName=created["OptOutListArn"])
    sms.update_pool(PoolId=pool["PoolId"], OptOutListName="Default")
    by_name = sms.update_pool(PoolId=pool["PoolId"], OptOutListName="marketing")

    assert by_arn["OptOutListName"] == by_name["OptOutListName"] == "marketing"
    assert control.pools()[0]["OptOutListName"] == "marketing"


@pytest.mark.parametrize(
    "given", ["missing-list", f"arn:aws:sms-voice:eu-west-1:{ACCOUNT_ID}:opt-out-list/Default"]
)
def test_update_pool_answers_resource_not_found_for_an_opt_out_list_it_does_not_hold(
    sms: Any, new_pool: Any, control: Any, error_of: Any, given: str
) -> None:
    pool = new_pool()

    with pytest.raises(sms.exceptions.ResourceNotFoundException) as excinfo:
        sms.update_pool(PoolId=pool["PoolId"], OptOutListName=given, DeletionProtectionEnabled=True)

    assert error_of(excinfo) == {
        "Code": "ResourceNotFoundException",
        "Message": f"Opt-out list {given} does not exist.",
        "Status": 400,
        "ResourceType": "opt-out-list",
        "ResourceId": given,
    }
    assert control.pools()[0]["DeletionProtectionEnabled"] is False


def test_update_pool_answers_resource_not_found_for_an_unknown_pool(sms: Any, error_of: Any) -> None:
    with pytest.raises(sms.exceptions.ResourceNotFoundException) as excinfo:
        sms.update_pool(PoolId="pool-missing", SharedRoutesEnabled=True)

    assert error_of(excinfo) == {
        "Code": "ResourceNotFoundException",
        "Message": "Pool pool-missing does not exist.",
        "Status": 400,
        "ResourceType": "pool",
        "ResourceId": "pool-missing",
    }


def test_update_pool_on_a_pool_that_is_not_active_answers_conflict_resource_not_active(
    sms: Any, control: Any, error_of: Any
) -> None:
    control.seed_pool("pool-creating", status="CREATING")

    with pytest.raises(sms.exceptions.ConflictException) as excinfo:
        sms.update_pool(PoolId="pool-creating", SharedRoutesEnabled=True)

    assert error_of(excinfo) == {
        "Code": "ConflictException",
        "Message": "Pool pool-creating is not ACTIVE (status CREATING).",
        "Status": 400,
        "Reason": "RESOURCE_NOT_ACTIVE",
        "ResourceType": "pool",
        "ResourceId": "pool-creating",
    }
    assert control.pools()[0]["SharedRoutesEnabled"] is False


# --- DeletePool -----------------------------------------------------------------------------------
def test_delete_pool_answers_the_pool_as_deleting_and_removes_it(
    sms: Any, new_pool: Any, control: Any
) -> None:
    pool = new_pool()

    answer = sms.delete_pool(PoolId=pool["PoolArn"])

    assert (answer["PoolId"], answer["PoolArn"], answer["Status"]) == (
        pool["PoolId"],
        pool["PoolArn"],
        "DELETING",
    )
    assert "DeletionProtectionEnabled" not in answer  # DeletePoolResult does not model it
    assert control.pools() == []


def test_delete_pool_with_deletion_protection_answers_conflict_and_keeps_the_pool(
    sms: Any, new_pool: Any, control: Any, error_of: Any
) -> None:
    pool = new_pool(DeletionProtectionEnabled=True)

    with pytest.raises(sms.exceptions.ConflictException) as excinfo:
        sms.delete_pool(PoolId=pool["PoolArn"])

    assert error_of(excinfo) == {
        "Code": "ConflictException",
        "Message": f"Pool {pool['PoolId']} has deletion protection enabled.",
        "Status": 400,
        "Reason": "DELETION_PROTECTION_ENABLED",
        "ResourceType": "pool",
        "ResourceId": pool["PoolId"],
    }
    assert [p["PoolId"] for p in control.pools()] == [pool["PoolId"]]


def test_delete_pool_answers_resource_not_found_for_an_unknown_pool(sms: Any, error_of: Any) -> None:
    with pytest.raises(sms.exceptions.ResourceNotFoundException) as excinfo:
        sms.delete_pool(PoolId="pool-gone")

    assert error_of(excinfo)["ResourceId"] == "pool-gone"
    assert error_of(excinfo)["ResourceType"] == "pool"
