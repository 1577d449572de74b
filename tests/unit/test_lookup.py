"""The pool selector, pure: the PoolSelector property, and choosing the one pool that carries the tag."""

from __future__ import annotations

from typing import Any

import pytest
from pool_settings_handler.errors import InvalidPropertyError
from pool_settings_handler.lookup import PoolSelectionError, PoolTag, carries, choose, parse_selector
from pool_settings_handler.properties import parse_properties

TEAM = PoolTag("team", "alerts")
RULE = 'expected {"TagKey": <1-128 characters>, "TagValue": <0-256 characters>}'


def pool(n: int) -> str:
    return f"arn:aws:sms-voice:us-east-1:123456789012:pool/pool-{n:032x}"


def short(n: int) -> str:
    return f"pool-{n:032x}"


def tag(key: str, value: str) -> dict[str, str]:
    return {"Key": key, "Value": value}


# --- parse_selector and the property -------------------------------------------------------------
def test_a_selector_replaces_the_pool_id_in_the_properties() -> None:
    parsed = parse_properties(
        {"PoolSelector": {"TagKey": "team", "TagValue": "alerts"}, "DeletionProtectionEnabled": "true"}
    )

    assert (parsed.pool_id, parsed.pool_selector, dict(parsed.settings)) == (
        "",
        TEAM,
        {"DeletionProtectionEnabled": True},
    )


def test_an_empty_tag_value_is_a_value() -> None:
    assert parse_selector({"TagKey": "team", "TagValue": ""}) == PoolTag("team", "")


@pytest.mark.parametrize(
    "value",
    [
        "team=alerts",
        ["team", "alerts"],
        None,
        {"TagKey": "team"},
        {"TagKey": "team", "TagValue": "alerts", "Extra": "x"},
        {"TagKey": "", "TagValue": "alerts"},
        {"TagKey": "k" * 129, "TagValue": "alerts"},
        {"TagKey": "team", "TagValue": "v" * 257},
        {"TagKey": 1, "TagValue": "alerts"},
        {"TagKey": "team", "TagValue": True},
    ],
)
def test_a_malformed_selector_is_refused_naming_the_property_and_the_rule(value: Any) -> None:
    with pytest.raises(InvalidPropertyError) as excinfo:
        parse_properties({"PoolSelector": value})

    assert excinfo.value.name == "PoolSelector"
    assert str(excinfo.value).startswith(f"Invalid property PoolSelector: {RULE}, got ")
    assert len(str(excinfo.value)) <= 256


def test_pool_id_and_selector_together_are_refused() -> None:
    with pytest.raises(InvalidPropertyError) as excinfo:
        parse_properties({"PoolId": "pool-1", "PoolSelector": {"TagKey": "team", "TagValue": "alerts"}})

    assert str(excinfo.value) == "Invalid property PoolSelector: give PoolId or PoolSelector, not both"


# --- carries -------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("tags", "expected"),
    [
        ([tag("team", "alerts")], True),
        ([tag("env", "prod"), tag("team", "alerts")], True),
        ([tag("team", "Alerts")], False),  # tag values are case-sensitive
        ([tag("Team", "alerts")], False),  # keys too
        ([tag("team", "alerts-2")], False),
        ([tag("squad", "alerts")], False),
        ([], False),
    ],
)
def test_a_pool_carries_the_tag_only_with_the_exact_key_and_value(tags: Any, expected: bool) -> None:
    assert carries(tags, TEAM) is expected


# --- choose --------------------------------------------------------------------------------------
def test_the_one_pool_with_the_tag_is_chosen_among_others() -> None:
    tagged = [(pool(1), [tag("team", "billing")]), (pool(2), [tag("team", "alerts")]), (pool(3), [])]

    assert choose(TEAM, tagged, "us-east-1") == pool(2)


def test_no_pool_at_all_fails_saying_so() -> None:
    with pytest.raises(PoolSelectionError) as excinfo:
        choose(TEAM, [], "eu-west-1")

    assert str(excinfo.value) == (
        "PoolSelector team=alerts matched no pool: eu-west-1 has no pool; nothing was changed"
    )


def test_no_match_lists_the_pools_that_carry_the_key_with_another_value() -> None:
    tagged = [(pool(1), [tag("team", "billing")]), (pool(2), []), (pool(3), [tag("team", "Alerts")])]

    with pytest.raises(PoolSelectionError) as excinfo:
        choose(TEAM, tagged, "us-east-1")

    assert str(excinfo.value) == (
        f"PoolSelector team=alerts matched none of the 3 pools in us-east-1; team is on "
        f"{short(1)}=billing, {short(3)}=Alerts; nothing was changed"
    )


def test_no_match_without_the_key_anywhere_counts_the_pools_seen() -> None:
    with pytest.raises(PoolSelectionError) as excinfo:
        choose(TEAM, [(pool(1), []), (pool(2), [tag("env", "prod")])], "us-east-1")

    assert str(excinfo.value) == (
        "PoolSelector team=alerts matched none of the 2 pools in us-east-1; nothing was changed"
    )


def test_several_matches_fail_listing_them() -> None:
    tagged = [(pool(n), [tag("team", "alerts")]) for n in (1, 2)] + [(pool(3), [])]

    with pytest.raises(PoolSelectionError) as excinfo:
        choose(TEAM, tagged, "us-east-1")

    assert excinfo.value.matched == [short(1), short(2)]
    assert str(excinfo.value) == (
        f"PoolSelector team=alerts matched 2 pools, expected exactly one: {short(1)}, {short(2)}; "
        "tag one pool only; nothing was changed"
    )


def test_many_matches_list_three_and_count_the_rest_within_256_characters() -> None:
    tagged = [(pool(n), [tag("team", "alerts")]) for n in range(9)]

    with pytest.raises(PoolSelectionError) as excinfo:
        choose(TEAM, tagged, "us-east-1")

    reason = str(excinfo.value)
    assert f"{short(0)}, {short(1)}, {short(2)} (+6 more)" in reason
    assert len(reason) <= 256


def test_a_huge_key_and_value_still_give_a_reason_within_256_characters() -> None:
    big = PoolTag("k" * 128, "v" * 256)
    tagged = [(pool(n), [tag(big.key, "other" * 40)]) for n in range(5)]

    with pytest.raises(PoolSelectionError) as excinfo:
        choose(big, tagged, "us-east-1")

    assert str(excinfo.value).startswith("PoolSelector kkkk")
    assert len(str(excinfo.value)) <= 256
