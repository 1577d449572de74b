"""Synth cost: round trips to jsii per PoolSettings, and the shortcuts that avoid them behave like CDK.

Every call into aws-cdk-lib is a round trip to its Node.js process; declaring a PoolSettings costs about
as much as the round trips it makes. These tests count them (not time) and check that each shortcut
gives exactly what the call it replaces would.
"""

from __future__ import annotations

from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

import jsii
import pytest
from aws_cdk import App, CfnParameter, Environment, Fn, IStringProducer, Lazy, Stack, Token
from constructs import Construct
from jsii._kernel.providers import process as jsii_process
from sms_pool_settings import PoolSettings
from sms_pool_settings._provider import PROVIDER_ID, PoolSettingsProvider, is_unresolved

# The two round trips no PoolSettings can avoid: creating itself and creating its CustomResource.
UNAVOIDABLE = 2
# AwsCustomResource, what a user would write instead, makes 4 per pool (benchmarks/synth_app.py's
# add_acr: PhysicalResourceId.from_response, Stack.format_arn, AwsCustomResourcePolicy.from_sdk_calls,
# the construct itself). A PoolSettings must stay below that.
AWS_CUSTOM_RESOURCE = 4


class RoundTrips:
    """Counts requests sent to jsii's Node.js process while ``counting`` is True."""

    def __init__(self) -> None:
        self.count = 0
        self.counting = False

    def during(self, action: Any) -> int:
        """The round trips ``action()`` makes."""
        self.count, self.counting = 0, True
        try:
            action()
        finally:
            self.counting = False
        return self.count


@pytest.fixture
def round_trips(monkeypatch: pytest.MonkeyPatch) -> Iterator[RoundTrips]:
    """Wraps the one method every jsii request goes through (kernel calls, callbacks' answers)."""
    counter = RoundTrips()
    send = jsii_process._NodeProcess.send

    def counting_send(process: Any, request: Any, response_type: Any) -> Any:
        if counter.counting:
            counter.count += 1
        return send(process, request, response_type)

    monkeypatch.setattr(jsii_process._NodeProcess, "send", counting_send)
    yield counter


def _declare(scope: Construct, first: int, count: int, **arguments: Any) -> None:
    for number in range(first, first + count):
        PoolSettings(
            scope,
            f"Settings{number}",
            pool=f"pool-{number:032x}",
            deletion_protection_enabled=True,
            self_managed_opt_outs_enabled=True,
            shared_routes_enabled=False,
            two_way_enabled=False,
            **arguments,
        )


@pytest.mark.parametrize(
    "env",
    [None, Environment(account="123456789012", region="us-east-1")],
    ids=["environment-agnostic", "concrete-environment"],
)
def test_each_further_pool_settings_costs_only_the_two_unavoidable_round_trips(
    round_trips: RoundTrips, env: Environment | None
) -> None:
    # GIVEN: a stack whose provider exists already
    stack = Stack(App(), "Stack", env=env)
    _declare(stack, 0, 1)

    # WHEN: ten more pools' settings are declared, with every literal argument form
    trips = round_trips.during(
        lambda: _declare(
            stack,
            1,
            10,
            two_way_channel="arn:aws:sns:us-east-1:123456789012:inbound",
            two_way_channel_role="arn:aws:iam::123456789012:role/sms-inbound",
            opt_out_list="my-opt-outs",
            reconcile_token="build-42",
        )
    )

    # THEN: the two creations each (so the counter works) and nothing else: the bound is the floor
    assert trips == 10 * UNAVOIDABLE


def test_a_nested_scope_costs_one_more_round_trip_and_stays_below_aws_custom_resource(
    round_trips: RoundTrips,
) -> None:
    # GIVEN: a construct between the stack and the PoolSettings (Stack.of is then asked once each)
    stack = Stack(App(), "Stack")
    group = Construct(stack, "Group")
    _declare(group, 0, 1)

    # WHEN
    trips = round_trips.during(lambda: _declare(group, 1, 10))

    # THEN
    assert trips == 10 * (UNAVOIDABLE + 1)
    assert UNAVOIDABLE + 1 < AWS_CUSTOM_RESOURCE


def test_synthesis_makes_no_round_trip_per_pool(round_trips: RoundTrips) -> None:
    # GIVEN: two environment-agnostic stacks (every pool ARN a token), 10 pools apart, whose role lists
    # each pool's ARN (the provider weighs every ARN against its policy budget)
    def synth_trips(pools: int) -> int:
        app = App()
        stack = Stack(app, "Stack")
        _declare(stack, 0, pools)
        return round_trips.during(app.synth)

    # WHEN
    fewer, more = synth_trips(5), synth_trips(15)

    # THEN: the provider's policy decision asks jsii nothing per ARN (the synth itself is a fixed cost)
    assert fewer > 0
    assert more - fewer == 0


@pytest.mark.parametrize(
    ("env", "context"),
    [
        (None, {}),
        (Environment(account="123456789012", region="eu-west-1"), {}),
        (Environment(region="cn-north-1"), {"@aws-cdk/core:enablePartitionLiterals": True}),
        (Environment(account="123456789012", region="us-gov-west-1"), {}),
    ],
    ids=["environment-agnostic", "concrete", "partition-literal", "account-and-gov-region"],
)
@pytest.mark.parametrize(("resource", "name"), [("pool", "pool-1"), ("opt-out-list", "my-list")])
def test_the_provider_builds_the_same_arn_as_format_arn(
    env: Environment | None, context: dict[str, Any], resource: str, name: str
) -> None:
    # GIVEN
    stack = Stack(App(context=context), "Stack", env=env)
    provider = PoolSettingsProvider.of(stack)

    # WHEN
    built = provider.arn(resource, name)

    # THEN
    assert built == stack.format_arn(service="sms-voice", resource=resource, resource_name=name)


def _values(stack: Stack) -> list[Any]:
    parameter = CfnParameter(stack, "Param")
    number = CfnParameter(stack, "Count", type="Number")
    names = CfnParameter(stack, "Names", type="CommaDelimitedList")
    return [
        "pool-1",
        "",
        "Token[ but no token",
        "${Token[nothing]}",
        True,
        False,
        None,
        0,
        1.5,
        stack.region,
        stack.partition,
        parameter.value_as_string,
        number.value_as_number,
        Token.as_number(Fn.ref("Param")),
        Lazy.string(producer=_Producer()),
        Fn.ref("Param"),
        ["x"],
        names.value_as_list,
    ]


@jsii.implements(IStringProducer)
class _Producer:
    def produce(self, context: Any) -> str:
        return "produced"


def test_is_unresolved_answers_as_token_is_unresolved_for_every_kind_of_value() -> None:
    # GIVEN
    stack = Stack(App(), "Stack")

    # WHEN / THEN
    for value in _values(stack):
        assert is_unresolved(value) == Token.is_unresolved(value), value


def test_the_reserved_provider_id_is_still_refused_before_the_first_pool_settings(
    h: SimpleNamespace,
) -> None:
    # GIVEN: something else at the provider's construct ID
    stack = h.new_stack()
    Construct(stack, PROVIDER_ID)

    # WHEN / THEN
    with pytest.raises(TypeError, match=f"construct ID {PROVIDER_ID} is reserved"):
        PoolSettings(stack, "Settings", pool=h.pool_id(1))


def test_a_provider_remembered_for_one_stack_is_not_used_for_another(h: SimpleNamespace) -> None:
    # GIVEN: one stack's provider is remembered
    first = h.new_stack("First")
    PoolSettings(first, "Settings", pool=h.pool_id(1))

    # WHEN: a second stack of another app gets its own PoolSettings
    second = h.new_stack("Second")
    PoolSettings(second, "Settings", pool=h.pool_id(2))

    # THEN
    assert PoolSettingsProvider.cached(first) is first.node.find_child(PROVIDER_ID)
    assert PoolSettingsProvider.cached(second) is second.node.find_child(PROVIDER_ID)
    assert PoolSettingsProvider.cached(first) is not PoolSettingsProvider.cached(second)
