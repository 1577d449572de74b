"""Property-based tests (hypothesis) over the parser and the diff, and one end to end through the handler.

For any old, new and live settings: the write holds exactly the managed fields whose desired value
differs from the live one; applying it makes every managed field equal to the desired value; a rollback
restores the old values (and leaves a property only the new template had as it is); and whatever the
parser accepts passes the service model's validation of UpdatePool, so an invalid value never reaches it.
"""

from __future__ import annotations

from typing import Any

import pytest
from hardening_support import OPT_OUT_LIST, POOL_ID, Harness, managed, prepare_service
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from pool_settings_handler import constants as c
from pool_settings_handler.diff import changes
from pool_settings_handler.errors import InvalidPropertyError
from pool_settings_handler.properties import parse_properties
from sms_pool_settings_local.emulator.models import ValidationException
from sms_pool_settings_local.emulator.validation import validate

ACCOUNT, REGION = "123456789012", "us-east-1"
PLACE = {"partition": "aws", "region": REGION}
LISTS = ("Default", OPT_OUT_LIST)

_name = st.from_regex(r"[A-Za-z0-9_-]{1,24}", fullmatch=True)
VALID: dict[str, st.SearchStrategy[Any]] = {
    c.PROP_TWO_WAY_ENABLED: st.booleans(),
    c.PROP_TWO_WAY_CHANNEL_ARN: st.one_of(
        _name.map(lambda n: f"arn:aws:sns:{REGION}:{ACCOUNT}:{n}"),
        st.just(f"connect.{REGION}.amazonaws.com"),
    ),
    c.PROP_TWO_WAY_CHANNEL_ROLE: _name.map(lambda n: f"arn:aws:iam::{ACCOUNT}:role/{n}"),
    c.PROP_SELF_MANAGED_OPT_OUTS_ENABLED: st.booleans(),
    c.PROP_OPT_OUT_LIST_NAME: st.sampled_from(LISTS).flatmap(
        lambda n: st.sampled_from([n, f"arn:aws:sms-voice:{REGION}:{ACCOUNT}:opt-out-list/{n}"])
    ),
    c.PROP_SHARED_ROUTES_ENABLED: st.booleans(),
    c.PROP_DELETION_PROTECTION_ENABLED: st.booleans(),
}


def settings_strategy() -> st.SearchStrategy[dict[str, Any]]:
    """Any subset of the managed settings, each with a valid value (API types)."""
    return st.fixed_dictionaries({}, optional=VALID)


def live_strategy() -> st.SearchStrategy[dict[str, Any]]:
    """A pool as DescribePools reports it: any valid value or none for each setting; lists by name."""
    live_values = {**VALID, c.PROP_OPT_OUT_LIST_NAME: st.sampled_from(LISTS)}
    return st.fixed_dictionaries(
        {"PoolId": st.just("pool-1"), "Status": st.just("ACTIVE")},
        optional={k: st.one_of(st.none(), v) for k, v in live_values.items()},
    )


def stored(name: str, value: Any) -> Any:
    """The value the service stores for a written value (an opt-out list ARN becomes its name)."""
    if name == c.PROP_OPT_OUT_LIST_NAME and isinstance(value, str):
        return value.rsplit("/", 1)[-1]
    return value


def apply_write(live: dict[str, Any], write: dict[str, Any]) -> dict[str, Any]:
    """What UpdatePool does to the pool."""
    return {**live, **{k: stored(k, v) for k, v in write.items()}}


def as_template(settings: dict[str, Any]) -> dict[str, str]:
    return {k: ("true" if v else "false") if isinstance(v, bool) else v for k, v in settings.items()}


@given(desired=settings_strategy(), live=live_strategy())
def test_the_write_holds_exactly_the_managed_fields_that_differ_from_live(
    desired: dict[str, Any], live: dict[str, Any]
) -> None:
    write = changes(desired, live)

    differing = {k for k in desired if stored(k, desired[k]) != live.get(k)}
    assert set(write) == differing
    assert all(write[k] == desired[k] for k in write)
    assert list(write) == [k for k in c.MANAGED_SETTINGS if k in write]


@given(desired=settings_strategy(), live=live_strategy())
def test_applying_the_write_makes_every_managed_field_as_desired_and_touches_nothing_else(
    desired: dict[str, Any], live: dict[str, Any]
) -> None:
    after = apply_write(live, changes(desired, live))

    for name in c.MANAGED_SETTINGS:
        if name in desired:
            assert after.get(name) == stored(name, desired[name])
        else:
            assert after.get(name) == live.get(name)
    assert changes(desired, after) == {}, "a second pass must find nothing to write"


@given(old=settings_strategy(), new=settings_strategy(), live=live_strategy())
def test_a_rollback_restores_the_old_values_and_leaves_fields_only_new_managed(
    old: dict[str, Any], new: dict[str, Any], live: dict[str, Any]
) -> None:
    updated = apply_write(live, changes(new, live))
    rolled_back = apply_write(updated, changes(old, updated))

    for name in c.MANAGED_SETTINGS:
        if name in old:
            assert rolled_back.get(name) == stored(name, old[name])
        elif name in new:
            assert rolled_back.get(name) == stored(name, new[name])  # no longer managed: left as it is
        else:
            assert rolled_back.get(name) == live.get(name)


POOLS = st.sampled_from(["pool-1", f"arn:aws:sms-voice:{REGION}:{ACCOUNT}:pool/p"])


@given(desired=settings_strategy(), pool=POOLS)
def test_the_parser_reads_back_any_valid_template_exactly(desired: dict[str, Any], pool: str) -> None:
    template = {
        c.PROP_SERVICE_TOKEN: "arn:aws:lambda:us-east-1:123456789012:function:f",
        c.PROP_SERVICE_TIMEOUT: "900",
        c.PROP_POOL_ID: pool,
        **as_template(desired),
    }

    parsed = parse_properties(template, **PLACE)

    assert parsed.pool_id == pool
    assert dict(parsed.settings) == desired


ARN_ALPHABET = "arn:aws-sms-voice:us-east-1:123456789012:pool/opt-out-list/role/iam:sns"


# Anything at all in a property's place: text (including near misses of valid values), numbers, lists...
def _anything(name: str) -> st.SearchStrategy[Any]:
    near_misses = st.sampled_from(["true", "false", "True", " true", "", "Default"])
    near_misses |= VALID.get(name, st.nothing())
    return st.one_of(
        near_misses.map(lambda v: v if not isinstance(v, bool) else str(v).lower()),
        st.text(max_size=40),
        st.text(alphabet=ARN_ALPHABET, max_size=80),
        st.integers(),
        st.none(),
        st.lists(st.text(max_size=3), max_size=2),
        st.dictionaries(st.text(max_size=3), st.text(max_size=3), max_size=1),
    )


HOSTILE_PROPERTIES = st.fixed_dictionaries(
    {c.PROP_POOL_ID: st.one_of(_anything(c.PROP_POOL_ID), st.just("pool-1"))},
    optional={name: _anything(name) for name in c.MANAGED_SETTINGS},
)


@settings(max_examples=300)
@given(properties=HOSTILE_PROPERTIES)
def test_whatever_the_parser_accepts_passes_the_service_models_validation_of_update_pool(
    properties: dict[str, Any],
) -> None:
    try:
        parsed = parse_properties(properties, **PLACE)
    except InvalidPropertyError as error:
        assert error.name in (c.PROP_POOL_ID, *c.MANAGED_SETTINGS)
        assert len(error.reason) <= c.MAX_REASON_LENGTH
        return
    # Accepted: the UpdatePool the handler would send is valid for the service (pattern, length, type).
    try:
        validate("UpdatePool", {c.PROP_POOL_ID: parsed.pool_id, **parsed.settings})
    except ValidationException as exc:
        pytest.fail(f"the parser accepted {properties!r} but the service would reject it: {exc.message}")
    for name in c.BOOLEAN_SETTINGS:
        if name in properties:
            assert properties[name] in ("true", "false", True, False)


@given(name=st.sampled_from(c.BOOLEAN_SETTINGS), value=st.text())
def test_a_flag_accepts_exactly_true_and_false(name: str, value: str) -> None:
    assume(value not in ("true", "false"))
    with pytest.raises(InvalidPropertyError) as caught:
        parse_properties({c.PROP_POOL_ID: "pool-1", name: value})
    assert caught.value.name == name


# --- End to end: the handler against the emulator ----------------------------------------------------

GARBAGE_TARGETS = [name for name in c.MANAGED_SETTINGS if name != c.PROP_OPT_OUT_LIST_NAME]


@settings(
    max_examples=25,
    deadline=None,
    # The emulator and receiver are session-wide; each example starts from prepare_service() below.
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    live=settings_strategy(),
    desired=settings_strategy(),
    # Not OptOutListName: a short text is often a valid name of a list that does not exist (a FAILED
    # from the service, not from the parser, and not what this test is about).
    garbage=st.one_of(st.none(), st.tuples(st.sampled_from(GARBAGE_TARGETS), st.text(max_size=10))),
)
def test_end_to_end_the_pool_ends_as_declared_and_invalid_input_never_reaches_update_pool(
    harness: Harness, live: dict[str, Any], desired: dict[str, Any], garbage: tuple[str, str] | None
) -> None:
    h = harness
    prepare_service(h.emulator, h.receiver)
    # A stored pool always has a channel, so enabling two-way is never refused for lack of one.
    seeded = {c.PROP_TWO_WAY_CHANNEL_ARN: f"arn:aws:sns:{REGION}:{ACCOUNT}:seed", **live}
    seeded[c.PROP_OPT_OUT_LIST_NAME] = stored(
        c.PROP_OPT_OUT_LIST_NAME, seeded.get(c.PROP_OPT_OUT_LIST_NAME, "Default")
    )
    h.seed(seeded)
    before = managed(h.pool())
    assert before is not None
    template = as_template(desired)
    if garbage is not None:
        template[garbage[0]] = garbage[1]
    try:
        # A "garbage" value may happen to be valid ('false' for a flag): it is then what is declared.
        desired = dict(parse_properties({c.PROP_POOL_ID: "p", **template}, **PLACE).settings)
        valid = True
    except InvalidPropertyError:
        valid = False

    result = h.run(h.event("Update", template, old_properties={}))

    after = managed(h.pool())
    assert after is not None
    writes = h.calls("UpdatePool")
    if not valid:
        assert result.body["Status"] == "FAILED"
        assert writes == []
        assert after == before
        return
    assert result.body["Status"] == "SUCCESS", result.body["Reason"]
    expected_write = changes(desired, before)
    assert [call["request"] for call in writes] == (
        [{c.PROP_POOL_ID: POOL_ID, **expected_write}] if expected_write else []
    )
    for name in c.MANAGED_SETTINGS:
        want = stored(name, desired[name]) if name in desired else before[name]
        assert after[name] == want
