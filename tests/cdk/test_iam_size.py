"""The provider role's policy fits IAM's limits for any number of pools a stack can hold.

IAM allows 10,240 characters (whitespace excluded) across a role's inline policies; CDK moves statements
above 10,000 into "overflow" managed policies (6,144 characters each, at most 10 per role, one more
resource each). A stack holds at most 500 resources. The policy is measured twice: as the template has
it (what CDK measures) and with every intrinsic replaced by the longest value it can take at deploy
time (what IAM measures).
"""

from __future__ import annotations

import json
from types import SimpleNamespace
from typing import Any

import pytest
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_smsvoice as smsvoice
from aws_cdk.assertions import Annotations, Match, Template
from sms_pool_settings import PoolSettings, PoolSettingsProvider
from sms_pool_settings._provider import _deployed_length

IAM_INLINE_LIMIT = 10_240
CLOUDFORMATION_RESOURCE_LIMIT = 500
WARNING = "sms-pool-settings:iamPatternFallback"


def _synth(
    h: SimpleNamespace, count: int, *, context: dict[str, Any] | None = None, **per_pool: Any
) -> SimpleNamespace:
    stack = h.new_stack(context=context)
    for number in range(count):
        arguments = {key: make(number) for key, make in per_pool.items()}
        PoolSettings(stack, f"S{number}", **{"pool": h.pool_id(number), **arguments})
    template = Template.from_stack(stack)
    data = template.to_json()
    policies = [r for r in data["Resources"].values() if r["Type"] == "AWS::IAM::Policy"]
    return SimpleNamespace(
        stack=stack,
        template=template,
        data=data,
        statements=h.role_statements(data),
        template_size=sum(len(h.compact(p["Properties"]["PolicyDocument"])) for p in policies),
        deployed_size=sum(len(h.compact(h.deployed(p["Properties"]["PolicyDocument"]))) for p in policies),
    )


def _pattern(suffix: str) -> dict[str, Any]:
    return {"Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"}, suffix]]}


def _pool_resources(result: SimpleNamespace) -> list[Any]:
    (statement,) = [s for s in result.statements if "sms-voice:DescribePools" in s["Action"]]
    resources = statement["Resource"]
    return resources if isinstance(resources, list) else [resources]


@pytest.mark.parametrize(("pools", "listed"), [(1, True), (50, True), (200, False), (490, False)])
def test_the_role_policy_fits_iams_inline_limit_without_overflow(
    h: SimpleNamespace, pools: int, listed: bool
) -> None:
    # GIVEN / WHEN
    result = _synth(h, pools)
    # THEN: no overflow managed policy, and both measures under IAM's limit
    result.template.resource_count_is("AWS::IAM::ManagedPolicy", 0)
    assert result.template_size < IAM_INLINE_LIMIT
    assert result.deployed_size < IAM_INLINE_LIMIT
    assert len(result.data["Resources"]) <= CLOUDFORMATION_RESOURCE_LIMIT
    # THEN: pools listed one by one while they fit, the account- and region-scoped pattern beyond
    resources = _pool_resources(result)
    if listed:
        assert len(resources) == pools
        Annotations.from_stack(result.stack).has_no_warning("*", Match.string_like_regexp("IAM's 10,240"))
    else:
        assert resources == [_pattern(f":sms-voice:us-east-1:{h.ACCOUNT}:pool/*")]
        Annotations.from_stack(result.stack).has_warning(
            "/TestStack/SmsPoolSettingsProvider",
            f"{pools} pool ARNs would take the provider role's inline policy "
            "past IAM's 10,240-character limit; "
            f"granting arn:<partition>:sms-voice:us-east-1:{h.ACCOUNT}:pool/* instead "
            "(this stack's account and region only) [ack: sms-pool-settings:iamPatternFallback]",
        )


def test_the_fallback_happens_as_late_as_the_budget_allows(h: SimpleNamespace) -> None:
    # GIVEN / WHEN: a budget of 9,000 characters at CDK's estimate of 153 per ARN token lists up to 58
    listed, over = _synth(h, 55), _synth(h, 62)
    # THEN
    assert len(_pool_resources(listed)) == 55
    assert len(_pool_resources(over)) == 1
    for result in (listed, over):
        result.template.resource_count_is("AWS::IAM::ManagedPolicy", 0)
        assert result.deployed_size < IAM_INLINE_LIMIT


def test_490_pools_each_with_its_own_opt_out_list_and_role_still_fit(h: SimpleNamespace) -> None:
    # GIVEN / WHEN
    result = _synth(
        h,
        490,
        opt_out_list=lambda n: f"list-{n}",
        two_way_channel_role=lambda n: f"arn:aws:iam::{h.ACCOUNT}:role/inbound-{n}",
    )
    # THEN: both kinds fell back to their pattern, and the policy is tiny; the opt-out lists need no
    # statement (UpdatePool authorizes on the pool only), so they take no budget
    result.template.resource_count_is("AWS::IAM::ManagedPolicy", 0)
    assert result.deployed_size < 2_000
    assert "opt-out-list" not in str(result.statements)
    assert _pool_resources(result) == [_pattern(f":sms-voice:us-east-1:{h.ACCOUNT}:pool/*")]
    (pass_role,) = [s for s in result.statements if s["Action"] == "iam:PassRole"]
    assert pass_role["Resource"] == _pattern(f":iam::{h.ACCOUNT}:role/*")
    assert pass_role["Condition"] == {"StringEquals": {"iam:PassedToService": "sms-voice.amazonaws.com"}}


def test_245_created_pools_referenced_by_get_att_are_counted_at_deployed_length(h: SimpleNamespace) -> None:
    # GIVEN: Fn::GetAtt is short in the template but a full ARN once deployed
    stack = h.new_stack()
    for number in range(245):
        pool = smsvoice.CfnPool(
            stack,
            f"P{number}",
            origination_identities=[f"arn:aws:sms-voice:us-east-1:{h.ACCOUNT}:phone-number/phone-{number}"],
            mandatory_keywords={"help": {"message": "h"}, "stop": {"message": "s"}},
        )
        PoolSettings(stack, f"S{number}", pool=pool)
    # WHEN
    data = Template.from_stack(stack).to_json()
    # THEN
    # IAM's limit is on all of the role's inline policies together (the records policy too)
    policies = [r for r in data["Resources"].values() if r["Type"] == "AWS::IAM::Policy"]
    assert len(policies) == 2
    assert (
        sum(len(h.compact(h.deployed(p["Properties"]["PolicyDocument"]))) for p in policies)
        < IAM_INLINE_LIMIT
    )
    assert len(data["Resources"]) <= CLOUDFORMATION_RESOURCE_LIMIT


def test_with_partition_literals_pools_are_listed_longer_and_fall_back_later(h: SimpleNamespace) -> None:
    # GIVEN: `@aws-cdk/core:enablePartitionLiterals` (on in every `cdk init` app): the pool ARNs are
    # literal strings (86 characters each with quotes and comma) rather than tokens CDK counts as 153
    # WHEN
    still_listed = _synth(h, 100, context=h.PARTITION_LITERALS)
    over = _synth(h, 110, context=h.PARTITION_LITERALS)
    # THEN: 100 pools (more than the 58 listed without the flag) are still listed, one by one
    assert _pool_resources(still_listed) == [
        f"arn:aws:sms-voice:us-east-1:{h.ACCOUNT}:pool/{h.pool_id(n)}" for n in range(100)
    ]
    Annotations.from_stack(still_listed.stack).has_no_warning("*", Match.string_like_regexp("IAM's"))
    # THEN: past the budget the pattern is literal too
    assert _pool_resources(over) == [f"arn:aws:sms-voice:us-east-1:{h.ACCOUNT}:pool/*"]
    for result in (still_listed, over):
        result.template.resource_count_is("AWS::IAM::ManagedPolicy", 0)
        assert result.deployed_size < IAM_INLINE_LIMIT


@pytest.mark.parametrize(
    ("pools", "literals", "listed"),
    [(58, False, True), (104, True, False)],
    ids=["58 pools, no feature flags", "104 pools, partition literals"],
)
def test_in_a_vpc_the_other_inline_policies_count_against_iams_limit_too(
    h: SimpleNamespace, pools: int, literals: bool, listed: bool
) -> None:
    # GIVEN: the provider in a VPC (its VpcAccessPolicy) with its RecordsPolicy, both on the same role
    stack = h.new_stack(context=h.PARTITION_LITERALS if literals else None)
    PoolSettingsProvider.configure(stack, vpc=ec2.Vpc(stack, "Vpc", max_azs=2, nat_gateways=1))
    # WHEN
    for number in range(pools):
        PoolSettings(stack, f"S{number}", pool=h.pool_id(number), deletion_protection_enabled=True)
    data = Template.from_stack(stack).to_json()
    # THEN: every inline policy of the role together, deployed, stays under IAM's limit; 104 literal pool
    # ARNs (listed without a VPC) no longer fit beside the VPC policy and fall back to the pattern, while
    # 58 token ARNs (about 95 characters each once deployed) still do
    policies = [r for r in data["Resources"].values() if r["Type"] == "AWS::IAM::Policy"]
    assert len(policies) == 3
    assert (
        sum(len(h.compact(h.deployed(p["Properties"]["PolicyDocument"]))) for p in policies)
        < IAM_INLINE_LIMIT
    )
    (statement,) = [s for s in h.role_statements(data) if "sms-voice:DescribePools" in s["Action"]]
    resources = statement["Resource"]
    assert (isinstance(resources, list) and len(resources) == pools) is listed


def test_the_deployed_length_of_a_policy_is_its_compact_json_with_each_intrinsic_at_its_longest() -> None:
    # GIVEN
    literal = {"Version": "2012-10-17", "Statement": [{"Action": ["a:B", "c:D"], "Resource": "*"}], "X": {}}
    joined = {"Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"}, ":ssm:", {"Ref": "AWS::Region"}, ":x"]]}
    # WHEN / THEN: literal JSON is counted exactly, as IAM counts it (whitespace excluded)
    assert _deployed_length(literal) == len(json.dumps(literal, separators=(",", ":")))
    # THEN: pseudo parameters at their longest (aws-iso-b, a 16-character region), a stack ID at 228
    assert _deployed_length(joined) == len('"arn:aws-iso-b:ssm:' + "r" * 16 + ':x"')
    assert _deployed_length({"Ref": "AWS::StackId"}) == 228 + 2
    assert _deployed_length({"Fn::GetAtt": ["Subnet", "Id"]}) == 256 + 2
