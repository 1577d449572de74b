"""Rules the real service enforces that the emulator once let through (issue 11): two-way channels and
roles, JSON nulls, DeletePool on a busy pool, Owner with IDs, and ARN partitions."""

from __future__ import annotations

import time
from typing import Any

import pytest
from sms_pool_settings_local.emulator import ACCOUNT_ID, EmulatorControlError

POOL = "pool-strict"
ROLE = f"arn:aws:iam::{ACCOUNT_ID}:role/inbound"
TOPIC = f"arn:aws:sns:us-east-1:{ACCOUNT_ID}:inbound"
TARGET = "PinpointSMSVoiceV2."


@pytest.fixture
def pool(control: Any) -> dict[str, Any]:
    return control.seed_pool(POOL)  # type: ignore[no-any-return]


def invalid_arn(field: str, message: str) -> dict[str, Any]:
    return {
        "Code": "ValidationException",
        "Message": message,
        "Reason": "INVALID_ARN",
        "Fields": [{"Name": field, "Message": message}],
        "Status": 400,
    }


# --- Two-way channel ----------------------------------------------------------------------------
@pytest.mark.parametrize(
    "channel",
    [TOPIC, f"arn:aws:sns:us-east-1:{ACCOUNT_ID}:inbound.fifo", "connect.us-east-1.amazonaws.com"],
)
def test_a_two_way_channel_may_be_an_sns_topic_of_the_region_or_amazon_connect_of_the_region(
    sms: Any, pool: Any, channel: str
) -> None:
    answer = sms.update_pool(PoolId=POOL, TwoWayEnabled=True, TwoWayChannelArn=channel)

    assert (answer["TwoWayEnabled"], answer["TwoWayChannelArn"]) == (True, channel)


@pytest.mark.parametrize(
    "channel",
    [
        f"arn:aws:sns:eu-west-1:{ACCOUNT_ID}:inbound",  # another region
        f"arn:aws-cn:sns:us-east-1:{ACCOUNT_ID}:inbound",  # another partition
        "connect.eu-west-1.amazonaws.com",  # Amazon Connect of another region
        f"arn:aws:lambda:us-east-1:{ACCOUNT_ID}:function:inbound",  # not a topic
        f"arn:aws:sns:us-east-1:{ACCOUNT_ID}:in/bound",  # not a topic name
        "https://example.com/inbound-hook",
    ],
)
def test_any_other_two_way_channel_answers_invalid_arn_naming_the_field_and_writes_nothing(
    sms: Any, pool: Any, control: Any, error_of: Any, channel: str
) -> None:
    with pytest.raises(sms.exceptions.ValidationException) as excinfo:
        sms.update_pool(PoolId=POOL, TwoWayEnabled=True, TwoWayChannelArn=channel, SharedRoutesEnabled=True)

    assert error_of(excinfo) == invalid_arn(
        "TwoWayChannelArn",
        "TwoWayChannelArn must be an SNS topic ARN (arn:aws:sns:us-east-1:<account>:<topic>) or "
        f"connect.us-east-1.amazonaws.com, got '{channel}'.",
    )
    stored = control.pools()[0]
    assert (stored["TwoWayEnabled"], stored["SharedRoutesEnabled"], "TwoWayChannelArn" in stored) == (
        False,
        False,
        False,
    )


@pytest.mark.parametrize(
    "role",
    [
        f"arn:aws:iam::{ACCOUNT_ID}:user/inbound",
        f"arn:aws-cn:iam::{ACCOUNT_ID}:role/inbound",
        f"arn:aws:sts::{ACCOUNT_ID}:assumed-role/inbound/s",
    ],
)
def test_a_two_way_channel_role_must_be_an_iam_role_arn_of_the_partition(
    sms: Any, pool: Any, error_of: Any, role: str
) -> None:
    with pytest.raises(sms.exceptions.ValidationException) as excinfo:
        sms.update_pool(PoolId=POOL, TwoWayEnabled=True, TwoWayChannelArn=TOPIC, TwoWayChannelRole=role)

    assert error_of(excinfo) == invalid_arn(
        "TwoWayChannelRole",
        f"TwoWayChannelRole must be an IAM role ARN (arn:aws:iam::<account>:role/<name>), got '{role}'.",
    )


# --- A role just created cannot be assumed yet --------------------------------------------------
def test_a_role_registered_as_not_yet_assumable_is_refused_with_could_not_assume_and_nothing_is_written(
    sms: Any, pool: Any, control: Any, error_of: Any
) -> None:
    control.add_role(ROLE, assumable_after_seconds=60)

    with pytest.raises(sms.exceptions.ValidationException) as excinfo:
        sms.update_pool(PoolId=POOL, TwoWayEnabled=True, TwoWayChannelArn=TOPIC, TwoWayChannelRole=ROLE)

    message = f"Could not assume IAM role {ROLE}."
    assert error_of(excinfo) == {
        "Code": "ValidationException",
        "Message": message,
        "Reason": "RESOURCE_NOT_ACCESSIBLE",
        "Fields": [{"Name": "TwoWayChannelRole", "Message": message}],
        "Status": 400,
    }
    assert control.pools()[0]["TwoWayEnabled"] is False


def test_a_registered_role_becomes_assumable_once_its_delay_has_passed(
    sms: Any, pool: Any, control: Any
) -> None:
    control.add_role(ROLE, assumable_after_seconds=0.2)
    time.sleep(0.3)

    answer = sms.update_pool(PoolId=POOL, TwoWayEnabled=True, TwoWayChannelArn=TOPIC, TwoWayChannelRole=ROLE)

    assert answer["TwoWayChannelRole"] == ROLE


def test_an_unregistered_role_and_a_pool_update_without_a_role_are_not_delayed(
    sms: Any, pool: Any, control: Any
) -> None:
    control.add_role(ROLE, assumable_after_seconds=60)
    other_role = ROLE.replace("inbound", "other")

    with_other = sms.update_pool(
        PoolId=POOL, TwoWayEnabled=True, TwoWayChannelArn=TOPIC, TwoWayChannelRole=other_role
    )
    without_role = sms.update_pool(PoolId=POOL, SharedRoutesEnabled=True)

    assert (with_other["TwoWayChannelRole"], without_role["SharedRoutesEnabled"]) == (other_role, True)


def test_reset_forgets_registered_roles(sms: Any, pool: Any, control: Any) -> None:
    control.add_role(ROLE, assumable_after_seconds=60)
    assert [r["role_arn"] for r in control.roles()] == [ROLE]

    control.reset()
    control.seed_pool(POOL)

    assert control.roles() == []
    assert sms.update_pool(PoolId=POOL, TwoWayEnabled=True, TwoWayChannelArn=TOPIC, TwoWayChannelRole=ROLE)


@pytest.mark.parametrize(
    ("role_arn", "seconds", "message"),
    [
        (
            "inbound",
            5,
            "role_arn must be an IAM role ARN (arn:<partition>:iam::<account>:role/<name>), got 'inbound'",
        ),
        (ROLE, -1, "assumable_after_seconds must be a number >= 0, got -1"),
        (ROLE, "5", "assumable_after_seconds must be a number >= 0, got '5'"),
    ],
)
def test_add_role_refuses_a_bad_argument_naming_it(
    control: Any, role_arn: str, seconds: Any, message: str
) -> None:
    with pytest.raises(EmulatorControlError) as excinfo:
        control.add_role(role_arn, seconds)

    assert message in str(excinfo.value)
    assert control.roles() == []


# --- JSON null members are absent ---------------------------------------------------------------
def test_a_null_setting_in_update_pool_is_not_stored(raw_post: Any, pool: Any, control: Any) -> None:
    status, _, body = raw_post(
        TARGET + "UpdatePool",
        {"PoolId": POOL, "TwoWayEnabled": None, "OptOutListName": None, "SharedRoutesEnabled": True},
    )

    stored = control.pools()[0]
    assert status == 200 and body["SharedRoutesEnabled"] is True
    assert (stored["TwoWayEnabled"], stored["OptOutListName"]) == (False, "Default")


@pytest.mark.parametrize("member", ["MaxResults", "NextToken", "Owner", "PoolIds", "Filters"])
def test_a_null_member_of_describe_pools_is_absent(raw_post: Any, pool: Any, member: str) -> None:
    status, _, body = raw_post(TARGET + "DescribePools", {member: None})

    assert status == 200
    assert [p["PoolId"] for p in body["Pools"]] == [POOL]


def test_a_null_member_nested_in_a_list_item_is_absent_too(raw_post: Any, pool: Any) -> None:
    status, _, body = raw_post(
        TARGET + "DescribePools", {"Filters": [{"Name": "status", "Values": ["ACTIVE"], "Extra": None}]}
    )

    assert status == 200
    assert [p["PoolId"] for p in body["Pools"]] == [POOL]


def test_a_required_member_sent_as_null_is_missing(raw_post: Any) -> None:
    status, _, body = raw_post(TARGET + "DescribePools", {"Filters": [{"Name": "status", "Values": None}]})

    assert (status, body["__type"], body["Reason"]) == (400, "ValidationException", "MISSING_PARAMETER")
    assert body["Message"] == (
        "1 validation error detected: Value null at 'filters.1.member.values' failed to satisfy constraint: "
        "Member must not be null"
    )


def test_a_null_tags_member_of_create_pool_stores_no_tags(raw_post: Any, control: Any) -> None:
    status, _, body = raw_post(
        TARGET + "CreatePool",
        {"OriginationIdentity": "MySenderId", "MessageType": "TRANSACTIONAL", "Tags": None},
    )

    assert status == 200
    assert "Tags" not in control.pools()[0]
    assert body["PoolId"] == control.pools()[0]["PoolId"]


# --- DeletePool on a pool that is not ACTIVE ----------------------------------------------------
@pytest.mark.parametrize("status", ["CREATING", "DELETING"])
def test_delete_pool_on_a_pool_that_is_not_active_answers_conflict_resource_not_active_and_keeps_it(
    sms: Any, control: Any, error_of: Any, status: str
) -> None:
    control.seed_pool(POOL, status=status)

    with pytest.raises(sms.exceptions.ConflictException) as excinfo:
        sms.delete_pool(PoolId=POOL)

    assert error_of(excinfo) == {
        "Code": "ConflictException",
        "Message": f"Pool {POOL} is not ACTIVE (status {status}).",
        "Reason": "RESOURCE_NOT_ACTIVE",
        "ResourceType": "pool",
        "ResourceId": POOL,
        "Status": 400,
    }
    assert [p["PoolId"] for p in control.pools()] == [POOL]


# --- Owner with PoolIds / OptOutListNames -------------------------------------------------------
@pytest.mark.parametrize(
    ("call", "names"),
    [
        (lambda sms: sms.describe_pools(Owner="SELF", PoolIds=[POOL]), "PoolIds"),
        (
            lambda sms: sms.describe_opt_out_lists(Owner="SELF", OptOutListNames=["Default"]),
            "OptOutListNames",
        ),
    ],
)
def test_owner_with_named_resources_answers_parameters_cannot_be_used_together(
    sms: Any, pool: Any, error_of: Any, call: Any, names: str
) -> None:
    with pytest.raises(sms.exceptions.ValidationException) as excinfo:
        call(sms)

    message = f"The Owner and {names} parameters can't be used at the same time."
    assert error_of(excinfo) == {
        "Code": "ValidationException",
        "Message": message,
        "Reason": "PARAMETERS_CANNOT_BE_USED_TOGETHER",
        "Fields": [{"Name": "Owner", "Message": message}, {"Name": names, "Message": message}],
        "Status": 400,
    }


def test_owner_alone_still_lists_own_pools(sms: Any, pool: Any) -> None:
    assert [p["PoolId"] for p in sms.describe_pools(Owner="SELF")["Pools"]] == [POOL]


# --- Partitions ---------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("region", "partition"),
    [
        ("cn-north-1", "aws-cn"),
        ("us-gov-west-1", "aws-us-gov"),
        ("us-iso-east-1", "aws-iso"),
        ("eu-west-1", "aws"),
    ],
)
def test_every_arn_the_emulator_builds_uses_the_partition_of_the_region(
    client_in: Any, region: str, partition: str
) -> None:
    sms = client_in(region)

    created = sms.create_pool(OriginationIdentity="MySenderId", MessageType="TRANSACTIONAL")
    made = sms.create_opt_out_list(OptOutListName="alerts")
    default = sms.describe_opt_out_lists(OptOutListNames=["Default"])["OptOutLists"][0]

    head = f"arn:{partition}:sms-voice:{region}:{ACCOUNT_ID}"
    assert created["PoolArn"] == f"{head}:pool/{created['PoolId']}"
    assert made["OptOutListArn"] == f"{head}:opt-out-list/alerts"
    assert default["OptOutListArn"] == f"{head}:opt-out-list/Default"


def test_an_arn_of_the_partition_finds_the_pool_and_one_of_another_partition_answers_invalid_arn(
    client_in: Any, error_of: Any
) -> None:
    sms = client_in("cn-north-1")
    created = sms.create_pool(OriginationIdentity="MySenderId", MessageType="TRANSACTIONAL")
    wrong = created["PoolArn"].replace("arn:aws-cn:", "arn:aws:")

    found = sms.describe_pools(PoolIds=[created["PoolArn"]])["Pools"]
    with pytest.raises(sms.exceptions.ValidationException) as by_ids:
        sms.describe_pools(PoolIds=[wrong])
    with pytest.raises(sms.exceptions.ValidationException) as by_id:
        sms.update_pool(PoolId=wrong, SharedRoutesEnabled=True)

    assert [p["PoolId"] for p in found] == [created["PoolId"]]
    assert error_of(by_ids) == invalid_arn(
        "PoolIds", f"PoolIds '{wrong}' is not an ARN of partition aws-cn (region cn-north-1)."
    )
    assert error_of(by_id) == invalid_arn(
        "PoolId", f"PoolId '{wrong}' is not an ARN of partition aws-cn (region cn-north-1)."
    )


def test_an_opt_out_list_arn_of_another_partition_answers_invalid_arn(client_in: Any, error_of: Any) -> None:
    sms = client_in("cn-north-1")
    created = sms.create_pool(OriginationIdentity="MySenderId", MessageType="TRANSACTIONAL")
    wrong = f"arn:aws:sms-voice:cn-north-1:{ACCOUNT_ID}:opt-out-list/Default"

    with pytest.raises(sms.exceptions.ValidationException) as excinfo:
        sms.update_pool(PoolId=created["PoolId"], OptOutListName=wrong)

    assert error_of(excinfo) == invalid_arn(
        "OptOutListName", f"OptOutListName '{wrong}' is not an ARN of partition aws-cn (region cn-north-1)."
    )


def test_a_two_way_channel_in_china_is_a_topic_of_aws_cn(client_in: Any, error_of: Any) -> None:
    sms = client_in("cn-north-1")
    pool_id = sms.create_pool(OriginationIdentity="MySenderId", MessageType="TRANSACTIONAL")["PoolId"]
    topic = f"arn:aws-cn:sns:cn-north-1:{ACCOUNT_ID}:inbound"

    answer = sms.update_pool(PoolId=pool_id, TwoWayEnabled=True, TwoWayChannelArn=topic)
    with pytest.raises(sms.exceptions.ValidationException) as excinfo:
        sms.update_pool(PoolId=pool_id, TwoWayChannelArn=topic.replace("aws-cn", "aws"))

    assert answer["TwoWayChannelArn"] == topic
    assert error_of(excinfo)["Reason"] == "INVALID_ARN"


def test_iam_denials_in_china_name_aws_cn_arns(client_in: Any, control: Any, error_of: Any) -> None:
    sms = client_in("cn-north-1")
    pool_id = sms.create_pool(OriginationIdentity="MySenderId", MessageType="TRANSACTIONAL")["PoolId"]
    control.enforce_iam(
        [{"Statement": [{"Effect": "Allow", "Action": "sms-voice:DescribePools", "Resource": "*"}]}]
    )

    with pytest.raises(sms.exceptions.AccessDeniedException) as excinfo:
        sms.update_pool(PoolId=pool_id)

    assert error_of(excinfo)["Message"] == (
        f"User: arn:aws-cn:sts::{ACCOUNT_ID}:assumed-role/emulator/session is not authorized to perform: "
        f"sms-voice:UpdatePool on resource: arn:aws-cn:sms-voice:cn-north-1:{ACCOUNT_ID}:pool/{pool_id} "
        "because no identity-based policy allows the sms-voice:UpdatePool action"
    )
