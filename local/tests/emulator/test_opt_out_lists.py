"""Opt-out lists through real boto3 calls."""

from __future__ import annotations

from typing import Any

import pytest
from sms_pool_settings_local.emulator import ACCOUNT_ID

LIST_ARN = f"arn:aws:sms-voice:us-east-1:{ACCOUNT_ID}:opt-out-list/"


def test_every_region_starts_with_an_opt_out_list_named_default(sms: Any, client_in: Any) -> None:
    here = sms.describe_opt_out_lists()["OptOutLists"]
    there = client_in("ap-southeast-2").describe_opt_out_lists()["OptOutLists"]

    assert [(x["OptOutListName"], x["OptOutListArn"]) for x in here] == [("Default", LIST_ARN + "Default")]
    assert there[0]["OptOutListArn"] == f"arn:aws:sms-voice:ap-southeast-2:{ACCOUNT_ID}:opt-out-list/Default"


def test_create_opt_out_list_answers_its_arn_name_and_tags(sms: Any) -> None:
    created = sms.create_opt_out_list(OptOutListName="marketing", Tags=[{"Key": "k", "Value": "v"}])

    assert created["OptOutListArn"] == LIST_ARN + "marketing"
    assert created["OptOutListName"] == "marketing"
    assert created["Tags"] == [{"Key": "k", "Value": "v"}]
    assert "CreatedTimestamp" in created


def test_create_opt_out_list_with_a_name_in_use_answers_conflict_resource_already_exists(
    sms: Any, error_of: Any
) -> None:
    sms.create_opt_out_list(OptOutListName="marketing")

    with pytest.raises(sms.exceptions.ConflictException) as excinfo:
        sms.create_opt_out_list(OptOutListName="marketing")

    assert error_of(excinfo) == {
        "Code": "ConflictException",
        "Message": "Opt-out list marketing already exists.",
        "Status": 400,
        "Reason": "RESOURCE_ALREADY_EXISTS",
        "ResourceType": "opt-out-list",
        "ResourceId": "marketing",
    }


def test_the_same_opt_out_list_name_may_exist_in_two_regions(sms: Any, client_in: Any) -> None:
    sms.create_opt_out_list(OptOutListName="marketing")

    assert client_in("eu-west-1").create_opt_out_list(OptOutListName="marketing")["OptOutListArn"] == (
        f"arn:aws:sms-voice:eu-west-1:{ACCOUNT_ID}:opt-out-list/marketing"
    )


def test_describe_opt_out_lists_finds_lists_by_name_and_by_arn(sms: Any) -> None:
    sms.create_opt_out_list(OptOutListName="a")
    sms.create_opt_out_list(OptOutListName="b")

    found = sms.describe_opt_out_lists(OptOutListNames=["b", LIST_ARN + "a"])["OptOutLists"]

    assert [x["OptOutListName"] for x in found] == ["b", "a"]


def test_describe_opt_out_lists_pages_with_max_results(sms: Any) -> None:
    for name in ("a", "b", "c"):
        sms.create_opt_out_list(OptOutListName=name)

    first = sms.describe_opt_out_lists(MaxResults=3)
    second = sms.describe_opt_out_lists(MaxResults=3, NextToken=first["NextToken"])

    assert [x["OptOutListName"] for x in first["OptOutLists"]] == ["Default", "a", "b"]
    assert [x["OptOutListName"] for x in second["OptOutLists"]] == ["c"]
    assert "NextToken" not in second


@pytest.mark.parametrize("given", ["nope", f"arn:aws:sms-voice:us-west-2:{ACCOUNT_ID}:opt-out-list/Default"])
def test_describe_opt_out_lists_answers_resource_not_found_for_a_list_it_does_not_hold(
    sms: Any, error_of: Any, given: str
) -> None:
    with pytest.raises(sms.exceptions.ResourceNotFoundException) as excinfo:
        sms.describe_opt_out_lists(OptOutListNames=[given])

    assert error_of(excinfo) == {
        "Code": "ResourceNotFoundException",
        "Message": f"Opt-out list {given} does not exist.",
        "Status": 400,
        "ResourceType": "opt-out-list",
        "ResourceId": given,
    }


def test_delete_opt_out_list_removes_a_list_no_pool_uses(sms: Any) -> None:
    sms.create_opt_out_list(OptOutListName="old")

    deleted = sms.delete_opt_out_list(OptOutListName=LIST_ARN + "old")

    assert deleted["OptOutListName"] == "old"
    assert [x["OptOutListName"] for x in sms.describe_opt_out_lists()["OptOutLists"]] == ["Default"]


def test_delete_opt_out_list_refuses_a_list_a_pool_uses(sms: Any, new_pool: Any, error_of: Any) -> None:
    sms.create_opt_out_list(OptOutListName="used")
    pool = new_pool()
    sms.update_pool(PoolId=pool["PoolId"], OptOutListName="used")

    with pytest.raises(sms.exceptions.ConflictException) as excinfo:
        sms.delete_opt_out_list(OptOutListName="used")

    assert error_of(excinfo) == {
        "Code": "ConflictException",
        "Message": f"Opt-out list used cannot be deleted: it is used by pool {pool['PoolId']}.",
        "Status": 400,
        "Reason": "RESOURCE_DELETION_NOT_ALLOWED",
        "ResourceType": "opt-out-list",
        "ResourceId": "used",
    }


def test_delete_opt_out_list_refuses_the_default_list(sms: Any, error_of: Any) -> None:
    with pytest.raises(sms.exceptions.ConflictException) as excinfo:
        sms.delete_opt_out_list(OptOutListName="Default")

    assert (
        error_of(excinfo)["Message"]
        == "Opt-out list Default cannot be deleted: it is the region's default list."
    )
    assert error_of(excinfo)["Reason"] == "RESOURCE_DELETION_NOT_ALLOWED"


def test_delete_opt_out_list_answers_resource_not_found_for_an_unknown_list(sms: Any, error_of: Any) -> None:
    with pytest.raises(sms.exceptions.ResourceNotFoundException) as excinfo:
        sms.delete_opt_out_list(OptOutListName="ghost")

    assert (error_of(excinfo)["ResourceType"], error_of(excinfo)["ResourceId"]) == ("opt-out-list", "ghost")


def test_reset_brings_back_only_the_default_opt_out_list(sms: Any, server: Any) -> None:
    sms.create_opt_out_list(OptOutListName="temp")

    server.reset()

    assert [x["OptOutListName"] for x in sms.describe_opt_out_lists()["OptOutLists"]] == ["Default"]
