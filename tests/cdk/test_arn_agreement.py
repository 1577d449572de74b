"""The construct's synth-time ARN checks and the handler's deploy-time ones agree.

A literal that passes synth but fails the handler would fail the deploy: the two sides match the same
compiled patterns of the settings table (``constants.py``), but each applies its own rules around them
(lengths, shapes, place), so these cases pin the edges where they once drifted apart.
"""

import pytest
from pool_settings_handler.errors import InvalidPropertyError
from pool_settings_handler.properties import parse_properties
from sms_pool_settings import _validation as check

ACCOUNT = "123456789012"
PLACE = check.StackPlace(partition="aws", region="us-east-1", account=ACCOUNT)
POOL = "pool-0123456789abcdef0123456789abcdef"

# (construct check, handler property, value)
CASES = [
    (check.check_two_way_channel_role, "TwoWayChannelRole", f"arn:aws:iam::{ACCOUNT}:role/SmsInbound"),
    (check.check_two_way_channel_role, "TwoWayChannelRole", f"arn:aws:iam::{ACCOUNT}:role/Rolé"),
    (check.check_two_way_channel_role, "TwoWayChannelRole", f"arn:aws:iam::{ACCOUNT}:role/{'p' * 510}/R"),
    (check.check_two_way_channel_role, "TwoWayChannelRole", f"arn:aws:iam::{ACCOUNT}:role/{'p' * 511}/R"),
    (
        check.check_opt_out_list,
        "OptOutListName",
        f"arn:aws:sms-voice:us-east-1:{ACCOUNT}:opt-out-list/{'n' * 64}",
    ),
    (
        check.check_opt_out_list,
        "OptOutListName",
        f"arn:aws:sms-voice:us-east-1:{ACCOUNT}:opt-out-list/{'n' * 65}",
    ),
    (check.check_two_way_channel, "TwoWayChannelArn", f"arn:aws:sns:us-east-1:{ACCOUNT}:inbound"),
    (check.check_two_way_channel, "TwoWayChannelArn", f"arn:aws:sns:us-east-1:{ACCOUNT}:{'t' * 257}"),
    (check.check_pool, "PoolId", f"arn:aws:sms-voice:us-east-1:{ACCOUNT}:pool/{POOL}"),
    (check.check_pool, "PoolId", f"arn:aws:sms-voice:us-east-1:{ACCOUNT}:pool/pool 1"),
]


def _construct_accepts(check_function, value):
    try:
        check_function(value, PLACE)
    except ValueError:
        return False
    return True


def _handler_accepts(name, value):
    properties = {"ServiceToken": "arn:aws:lambda:us-east-1:1:function:f", "PoolId": POOL, name: value}
    try:
        parse_properties(properties, partition="aws", region="us-east-1")
    except InvalidPropertyError:
        return False
    return True


@pytest.mark.parametrize(
    ("check_function", "name", "value"), CASES, ids=[f"{c[1]}-{n}" for n, c in enumerate(CASES)]
)
def test_synth_and_deploy_time_checks_give_the_same_verdict(check_function, name, value):
    assert _construct_accepts(check_function, value) == _handler_accepts(name, value)


def test_the_cases_include_both_verdicts():
    verdicts = {_handler_accepts(name, value) for _, name, value in CASES}
    assert verdicts == {True, False}
