"""timing.py: the container's timeouts read once, one Budget per event bound to the Lambda's end."""

import time

import pytest
from pool_settings_handler import timing
from pool_settings_handler.timing import Budget, Timeouts


@pytest.fixture(autouse=True)
def fresh_container():
    timing.forget_container_timeouts()
    yield
    timing.forget_container_timeouts()


def test_the_container_timeouts_are_read_from_the_environment_once(monkeypatch):
    monkeypatch.setenv("POOL_SETTINGS_POLL_INTERVAL", "0.3")
    first = timing.container_timeouts()
    monkeypatch.setenv("POOL_SETTINGS_POLL_INTERVAL", "0.4")
    assert timing.container_timeouts() is first
    assert first.poll_interval == 0.3


def test_forgetting_them_reads_the_environment_again(monkeypatch):
    monkeypatch.setenv("POOL_SETTINGS_POLL_INTERVAL", "0.3")
    timing.container_timeouts()
    monkeypatch.setenv("POOL_SETTINGS_POLL_INTERVAL", "0.4")
    timing.forget_container_timeouts()
    assert timing.container_timeouts().poll_interval == 0.4


def test_a_budget_binds_the_container_timeouts_to_the_lambda_end(monkeypatch):
    monkeypatch.setenv("POOL_SETTINGS_READ_TIMEOUT", "4")
    before = time.monotonic()
    budget = Budget.bind(30.0)
    assert budget.timeouts is timing.container_timeouts()
    assert before + 30 <= budget.lambda_end <= time.monotonic() + 30
    assert budget.at == budget.lambda_end - (3 + 4 + 6)
    assert budget.response_deadline == budget.lambda_end - timing.RESPONSE_END_MARGIN
    assert 29 < budget.timer_delay() + timing.TIMER_END_MARGIN <= 30


def test_the_api_deadline_leaves_connect_read_and_response_time_before_the_end():
    budget = Budget.bind(20.0, Timeouts(connect=1, read=2, response_budget=3))
    assert 13.9 < budget.remaining() <= 14
    assert budget.elapsed() >= 0
