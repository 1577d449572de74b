"""The retry pacing: ceilings, the floor of a throttled wait, and the baseline policy kept for benchmarks."""

import random

import pytest
from pool_settings_handler import pacing
from pool_settings_handler.timing import Timeouts


def lowest(low, high):
    return low


def highest(low, high):
    return high


QUOTA = Timeouts(backoff_base=2, backoff_cap=12)
BASELINE = Timeouts(backoff_base=0.25, backoff_cap=8, backoff_policy="full-jitter")


def test_ceiling_doubles_from_the_base_and_stops_at_the_cap():
    assert [pacing.ceiling(n, QUOTA) for n in range(1, 7)] == [2, 4, 8, 12, 12, 12]


def test_ceiling_of_a_very_long_run_of_attempts_is_the_cap_not_an_overflow():
    assert pacing.ceiling(10_000, QUOTA) == 12


@pytest.mark.parametrize("attempt", [0, -1])
def test_an_attempt_number_below_one_is_refused_naming_the_value(attempt):
    with pytest.raises(ValueError, match=rf"attempt must be an attempt number >= 1, got {attempt}"):
        pacing.retry_delay(attempt, QUOTA, throttled=True)


@pytest.mark.parametrize("attempt", [1, 2, 3, 4, 5])
def test_a_throttled_call_waits_at_least_a_quarter_of_its_ceiling_under_the_quota_policy(attempt):
    top = pacing.ceiling(attempt, QUOTA)
    assert pacing.retry_delay(attempt, QUOTA, throttled=True, uniform=lowest) == top / 4
    assert pacing.retry_delay(attempt, QUOTA, throttled=True, uniform=highest) == top


def test_other_retryable_errors_keep_full_jitter_under_the_quota_policy():
    assert pacing.retry_delay(3, QUOTA, throttled=False, uniform=lowest) == 0
    assert pacing.retry_delay(3, QUOTA, throttled=False, uniform=highest) == 8


@pytest.mark.parametrize("throttled", [True, False])
def test_the_baseline_policy_is_full_jitter_for_every_error(throttled):
    assert pacing.retry_delay(1, BASELINE, throttled=throttled, uniform=lowest) == 0
    assert [pacing.retry_delay(n, BASELINE, throttled=throttled, uniform=highest) for n in (1, 2, 6, 7)] == [
        0.25,
        0.5,
        8,
        8,
    ]


def test_draws_with_the_real_generator_stay_inside_the_window():
    rng = random.Random(15)
    delays = [pacing.retry_delay(2, QUOTA, throttled=True, uniform=rng.uniform) for _ in range(1000)]
    assert min(delays) >= 1 and max(delays) <= 4
    assert max(delays) - min(delays) > 2  # drawn, not a constant: callers spread over the window


def test_an_unknown_policy_is_refused_naming_the_choices_and_the_value():
    with pytest.raises(ValueError, match=r"backoff_policy must be one of quota, full-jitter, got 'linear'"):
        pacing.retry_delay(1, Timeouts(backoff_policy="linear"), throttled=True)


def test_the_default_timeouts_use_the_quota_policy():
    assert Timeouts().backoff_policy == pacing.QUOTA


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("full-jitter", "full-jitter"), ("quota", "quota"), ("linear", "quota"), ("", "quota")],
)
def test_the_policy_is_read_from_the_environment_and_an_unknown_one_falls_back_to_the_default(
    monkeypatch, raw, expected
):
    monkeypatch.setenv("POOL_SETTINGS_BACKOFF_POLICY", raw)
    assert Timeouts.from_env().backoff_policy == expected


def test_the_docstring_examples_hold():
    import doctest

    assert doctest.testmod(pacing).failed == 0


def test_the_client_floors_the_waits_after_throttles_but_not_after_server_errors(monkeypatch):
    import time

    from botocore.exceptions import ClientError
    from pool_settings_handler import client
    from pool_settings_handler.timing import Budget

    def failing(code, status):
        return ClientError(
            {"Error": {"Code": code, "Message": "m"}, "ResponseMetadata": {"HTTPStatusCode": status}}, "X"
        )

    outcomes = [failing("ThrottlingException", 400), failing("InternalServerException", 500), {"ok": True}]

    def method(**params):
        outcome = outcomes.pop(0)
        if isinstance(outcome, Exception):
            raise outcome
        return outcome

    monkeypatch.setattr(pacing.random, "uniform", lowest)
    waits = []
    answer = client._call(
        "DescribePools",
        "p",
        method,
        {},
        Budget(at=time.monotonic() + 100, timeouts=QUOTA),
        sleep=waits.append,
    )
    assert answer == {"ok": True}
    assert waits == [2 / 4, 0.0]  # attempt 1 throttled: a quarter of 2 s; attempt 2, a 5xx: full jitter
