"""The drift check's calls in client.py: every page, only the custom resources, the API's request shapes."""

from __future__ import annotations

import time
import types
from typing import Any

import pytest
from pool_settings_handler import client
from pool_settings_handler.timing import Budget, Timeouts

CUSTOM = "Custom::SmsPoolSettings"


def budget() -> Budget:
    """A minute from now: built when a test runs, not when the module is collected (a full run collects
    every module minutes before it reaches this one)."""
    return Budget(at=time.monotonic() + 60, timeouts=Timeouts(backoff_base=0.001, backoff_cap=0.002))


class Answers:
    """A stand-in for one boto3 method: returns the scripted answers in turn and keeps the requests."""

    def __init__(self, *answers: dict[str, Any]) -> None:
        self.answers = list(answers)
        self.calls: list[dict[str, Any]] = []

    def __call__(self, **params: Any) -> dict[str, Any]:
        self.calls.append(params)
        return self.answers.pop(0)


def _serve(monkeypatch: pytest.MonkeyPatch, service: str, **methods: Answers) -> None:
    monkeypatch.setattr(
        client,
        "get_client",
        lambda name=client.SERVICE_NAME: {service: types.SimpleNamespace(**methods)}[name],
    )


def test_stack_resources_reads_every_page_and_keeps_only_the_type_asked(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # GIVEN: two pages, a custom resource on each, and another type
    pages = Answers(
        {"StackResourceSummaries": [
            {"LogicalResourceId": "A", "PhysicalResourceId": "arn:a", "ResourceType": CUSTOM},
            {"LogicalResourceId": "Role", "PhysicalResourceId": "r", "ResourceType": "AWS::IAM::Role"},
        ], "NextToken": "t1"},
        {"StackResourceSummaries": [{"LogicalResourceId": "B", "ResourceType": CUSTOM}]},
    )  # fmt: skip
    _serve(monkeypatch, "cloudformation", list_stack_resources=pages)
    # WHEN
    found = client.stack_resources("stack-id", "Custom::SmsPoolSettings", budget())
    # THEN: B has no physical ID yet (its Create is in progress or failed)
    assert found == {"A": "arn:a", "B": ""}
    assert pages.calls == [{"StackName": "stack-id"}, {"StackName": "stack-id", "NextToken": "t1"}]


def test_get_records_returns_the_parameters_that_exist(monkeypatch: pytest.MonkeyPatch) -> None:
    answers = Answers({"Parameters": [{"Name": "/a", "Value": "{}"}], "InvalidParameters": ["/b"]})
    _serve(monkeypatch, "ssm", get_parameters=answers)
    # WHEN / THEN
    assert client.get_records(["/a", "/b"], budget()) == {"/a": "{}"}
    assert answers.calls == [{"Names": ["/a", "/b"]}]


def test_describe_pools_asks_for_the_pools_given(monkeypatch: pytest.MonkeyPatch) -> None:
    answers = Answers({"Pools": [{"PoolArn": "arn:1"}, {"PoolArn": "arn:2"}]})
    _serve(monkeypatch, client.SERVICE_NAME, describe_pools=answers)
    # WHEN / THEN
    assert client.describe_pools(["arn:1", "arn:2"], budget()) == [{"PoolArn": "arn:1"}, {"PoolArn": "arn:2"}]
    assert answers.calls == [{"PoolIds": ["arn:1", "arn:2"]}]


def test_put_metric_data_sends_the_namespace_and_the_datapoints(monkeypatch: pytest.MonkeyPatch) -> None:
    answers = Answers({})
    _serve(monkeypatch, "cloudwatch", put_metric_data=answers)
    datum = {"MetricName": "SettingsDrifted", "Value": 1.0}
    # WHEN
    client.put_metric_data("SmsPoolSettings", [datum], budget())
    # THEN
    assert answers.calls == [{"Namespace": "SmsPoolSettings", "MetricData": [datum]}]
