"""Property-based checks: the parser only ever answers with InvalidPropertyError, the diff converges."""

from hypothesis import given, settings
from hypothesis import strategies as st
from pool_settings_handler import constants as c
from pool_settings_handler.diff import changes
from pool_settings_handler.errors import InvalidPropertyError
from pool_settings_handler.properties import opt_out_list_name, parse_properties

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=300),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=10), inner, max_size=3),
    max_leaves=5,
)
keys = st.sampled_from(c.ALL_PROPERTIES) | st.text(max_size=40)


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(keys, json_values, max_size=6))
def test_any_input_parses_or_fails_with_a_short_invalid_property_reason(properties):
    try:
        parsed = parse_properties(properties, partition="aws", region="us-east-1")
    except InvalidPropertyError as error:
        assert error.reason.startswith("Invalid property ")
        assert len(error.reason) <= c.MAX_REASON_LENGTH
    else:
        assert set(parsed.settings) <= set(c.MANAGED_SETTINGS)
        assert all(isinstance(v, bool) for k, v in parsed.settings.items() if k in c.BOOLEAN_SETTINGS)


booleans = st.fixed_dictionaries({}, optional=dict.fromkeys(c.BOOLEAN_SETTINGS, st.booleans()))
lists = st.sampled_from(["Default", "Other", "arn:aws:sms-voice:us-east-1:123456789012:opt-out-list/Other"])
settings_strategy = st.tuples(booleans, st.one_of(st.none(), lists))


def as_settings(pair):
    flags, opt_out = pair
    return {**flags, **({c.PROP_OPT_OUT_LIST_NAME: opt_out} if opt_out else {})}


@given(settings_strategy, settings_strategy)
def test_writing_the_changes_makes_live_equal_desired_and_writes_only_differences(desired_pair, live_pair):
    desired, live = as_settings(desired_pair), as_settings(live_pair)
    write = changes(desired, live)
    for name, value in write.items():
        assert name in desired and value == desired[name]
    after = {**live, **write}
    if c.PROP_OPT_OUT_LIST_NAME in write:
        after[c.PROP_OPT_OUT_LIST_NAME] = opt_out_list_name(write[c.PROP_OPT_OUT_LIST_NAME])
    assert changes(desired, after) == {}
    unmanaged = set(live) - set(desired)
    assert all(after[name] == live[name] for name in unmanaged)
