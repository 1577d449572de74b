"""The provider role's policy is the same whatever the number of pools, and fits IAM's limits.

The pool and PassRole statements grant account- and region-scoped patterns, not the pools declared: a
policy that lists them changes when an update names another pool, and CloudFormation's rollback then
runs the PoolSettings' rollback while the policy lists only the new pool (see ``_ROLLBACK_ORDER`` in
``_provider.py``). IAM allows 10,240 characters (whitespace excluded) across a role's inline policies;
CDK moves statements above 10,000 into "overflow" managed policies. A stack holds at most 500 resources.
The policy is measured twice: as the template has it (what CDK measures) and with every intrinsic
replaced by the longest value it can take at deploy time (what IAM measures).
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_smsvoice as smsvoice
from aws_cdk.assertions import Annotations, Match, Template
from sms_pool_settings import PoolSettings, PoolSettingsProvider

IAM_INLINE_LIMIT = 10_240
CLOUDFORMATION_RESOURCE_LIMIT = 500
OTHER_ACCOUNT = "210987654321"


def _synth(
    h: SimpleNamespace, count: int, *, context: dict[str, Any] | None = None, first: int = 0, **per_pool: Any
) -> SimpleNamespace:
    """A stack with ``count`` PoolSettings of pools ``first`` to ``first + count - 1``."""
    stack = h.new_stack(context=context)
    for number in range(first, first + count):
        arguments = {key: make(number) for key, make in per_pool.items()}
        PoolSettings(stack, f"S{number}", **{"pool": h.pool_id(number), **arguments})
    template = Template.from_stack(stack)
    data = template.to_json()
    policies = {k: r for k, r in data["Resources"].items() if r["Type"] == "AWS::IAM::Policy"}
    return SimpleNamespace(
        stack=stack,
        template=template,
        data=data,
        policies={k: p["Properties"]["PolicyDocument"] for k, p in policies.items()},
        statements=h.role_statements(data),
        template_size=sum(len(h.compact(p["Properties"]["PolicyDocument"])) for p in policies.values()),
        deployed_size=sum(
            len(h.compact(h.deployed(p["Properties"]["PolicyDocument"]))) for p in policies.values()
        ),
    )


def _pattern(suffix: str) -> dict[str, Any]:
    return {"Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"}, suffix]]}


def _statement(result: SimpleNamespace, action: str) -> dict[str, Any]:
    (statement,) = [s for s in result.statements if action in s["Action"]]
    return statement


@pytest.mark.parametrize("pools", [1, 58, 200, 490])
def test_the_role_policy_grants_the_account_and_region_pattern_for_any_number_of_pools(
    h: SimpleNamespace, pools: int
) -> None:
    # GIVEN / WHEN
    result = _synth(h, pools)
    # THEN: one statement on this account and region's pool/*, however many pools
    assert _statement(result, "sms-voice:UpdatePool") == {
        "Action": ["sms-voice:DescribePools", "sms-voice:UpdatePool"],
        "Effect": "Allow",
        "Resource": _pattern(f":sms-voice:us-east-1:{h.ACCOUNT}:pool/*"),
    }
    # THEN: no overflow managed policy, both measures under IAM's limit, no warning about either
    result.template.resource_count_is("AWS::IAM::ManagedPolicy", 0)
    assert result.template_size < IAM_INLINE_LIMIT
    assert result.deployed_size < IAM_INLINE_LIMIT
    assert len(result.data["Resources"]) <= CLOUDFORMATION_RESOURCE_LIMIT
    Annotations.from_stack(result.stack).has_no_warning("*", Match.string_like_regexp("IAM|inline policy"))


def test_the_policy_is_the_same_for_1_58_and_200_pools_and_for_other_pools(h: SimpleNamespace) -> None:
    # GIVEN / WHEN: stacks that differ only in which pools, and how many, their PoolSettings name
    results = [_synth(h, 1), _synth(h, 58), _synth(h, 200), _synth(h, 1, first=7)]
    # THEN: the same policies, byte for byte, under the same logical IDs: an update that points a
    # PoolSettings at another pool changes nothing in the role, so its rollback is allowed the old pool
    assert all(result.policies == results[0].policies for result in results)


def test_the_policy_is_the_same_whichever_two_way_roles_the_pools_name(h: SimpleNamespace) -> None:
    # GIVEN / WHEN: one role for one pool, another role, and 490 roles for 490 pools
    one = _synth(h, 1, two_way_channel_role=lambda n: f"arn:aws:iam::{h.ACCOUNT}:role/inbound")
    other = _synth(h, 1, two_way_channel_role=lambda n: f"arn:aws:iam::{h.ACCOUNT}:role/other/inbound-2")
    many = _synth(
        h,
        490,
        opt_out_list=lambda n: f"list-{n}",
        two_way_channel_role=lambda n: f"arn:aws:iam::{h.ACCOUNT}:role/inbound-{n}",
    )
    # THEN: the same policies; PassRole on this account's roles, passed to the SMS service only
    assert one.policies == other.policies == many.policies
    assert _statement(many, "iam:PassRole") == {
        "Action": "iam:PassRole",
        "Condition": {"StringEquals": {"iam:PassedToService": "sms-voice.amazonaws.com"}},
        "Effect": "Allow",
        "Resource": _pattern(f":iam::{h.ACCOUNT}:role/*"),
    }
    # THEN: the opt-out lists need no statement (UpdatePool authorizes on the pool only), the policy is tiny
    assert "opt-out-list" not in str(many.statements)
    assert many.deployed_size < 2_000
    many.template.resource_count_is("AWS::IAM::ManagedPolicy", 0)


def test_without_a_two_way_role_nothing_may_be_passed(h: SimpleNamespace) -> None:
    # GIVEN / WHEN
    result = _synth(h, 3)
    # THEN
    assert "iam:PassRole" not in str(result.statements)


def test_a_literal_pool_arn_of_another_account_adds_that_accounts_pattern_for_its_region(
    h: SimpleNamespace,
) -> None:
    # GIVEN: a pool of this account, two pools another account shares (AWS RAM), and a literal ARN of
    # this account (covered by this account's pattern already)
    stack = h.new_stack()
    shared = f"arn:aws:sms-voice:us-east-1:{OTHER_ACCOUNT}:pool/"
    PoolSettings(stack, "Own", pool=h.pool_id(0), deletion_protection_enabled=True)
    PoolSettings(stack, "Shared1", pool=shared + h.pool_id(1), deletion_protection_enabled=True)
    PoolSettings(stack, "Shared2", pool=shared + h.pool_id(2), deletion_protection_enabled=True)
    own_arn = f"arn:aws:sms-voice:us-east-1:{h.ACCOUNT}:pool/{h.pool_id(3)}"
    PoolSettings(stack, "OwnByArn", pool=own_arn, deletion_protection_enabled=True)
    # WHEN
    statements = h.role_statements(Template.from_stack(stack).to_json())
    # THEN: each account's pool/* once, this stack's first; no pool listed
    (statement,) = [s for s in statements if "sms-voice:UpdatePool" in s["Action"]]
    assert statement["Resource"] == [
        _pattern(f":sms-voice:us-east-1:{h.ACCOUNT}:pool/*"),
        f"arn:aws:sms-voice:us-east-1:{OTHER_ACCOUNT}:pool/*",
    ]


def test_245_created_pools_referenced_by_get_att_get_the_same_pattern(h: SimpleNamespace) -> None:
    # GIVEN: pools the stack creates, whose ARNs are Fn::GetAtt
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
    # THEN: no pool's GetAtt in the role's policy (it would change with the pools), this account's pattern
    (statement,) = [s for s in h.role_statements(data) if "sms-voice:UpdatePool" in s["Action"]]
    assert statement["Resource"] == _pattern(f":sms-voice:us-east-1:{h.ACCOUNT}:pool/*")
    # THEN: IAM's limit is on all of the role's inline policies together (the records policy too)
    policies = [r for r in data["Resources"].values() if r["Type"] == "AWS::IAM::Policy"]
    assert len(policies) == 2
    assert (
        sum(len(h.compact(h.deployed(p["Properties"]["PolicyDocument"]))) for p in policies)
        < IAM_INLINE_LIMIT
    )
    assert len(data["Resources"]) <= CLOUDFORMATION_RESOURCE_LIMIT


def test_with_partition_literals_the_pattern_is_literal_too(h: SimpleNamespace) -> None:
    # GIVEN: `@aws-cdk/core:enablePartitionLiterals` (on in every `cdk init` app)
    # WHEN
    few, many = _synth(h, 1, context=h.PARTITION_LITERALS), _synth(h, 110, context=h.PARTITION_LITERALS)
    # THEN
    assert few.policies == many.policies
    assert _statement(many, "sms-voice:UpdatePool")["Resource"] == (
        f"arn:aws:sms-voice:us-east-1:{h.ACCOUNT}:pool/*"
    )


def test_an_environment_agnostic_stack_gets_its_own_account_and_region_pattern(h: SimpleNamespace) -> None:
    # GIVEN / WHEN
    stack = h.new_stack(account=None, region=None)
    PoolSettings(stack, "S", pool=h.pool_id(0), deletion_protection_enabled=True)
    statements = h.role_statements(Template.from_stack(stack).to_json())
    # THEN: the stack's pseudo parameters, not a wider "*"
    (statement,) = [s for s in statements if "sms-voice:UpdatePool" in s["Action"]]
    assert h.compact(statement["Resource"]) == (
        '{"Fn::Join":["",["arn:",{"Ref":"AWS::Partition"},":sms-voice:",{"Ref":"AWS::Region"},":",'
        '{"Ref":"AWS::AccountId"},":pool/*"]]}'
    )


@pytest.mark.parametrize("literals", [False, True], ids=["no feature flags", "partition literals"])
def test_in_a_vpc_every_inline_policy_together_stays_under_iams_limit(
    h: SimpleNamespace, literals: bool
) -> None:
    # GIVEN: the provider in a VPC (its VpcAccessPolicy) with its RecordsPolicy, both on the same role
    stack = h.new_stack(context=h.PARTITION_LITERALS if literals else None)
    PoolSettingsProvider.configure(stack, vpc=ec2.Vpc(stack, "Vpc", max_azs=2, nat_gateways=1))
    # WHEN: more pools than the role could ever have listed
    for number in range(200):
        PoolSettings(stack, f"S{number}", pool=h.pool_id(number), deletion_protection_enabled=True)
    data = Template.from_stack(stack).to_json()
    # THEN: every inline policy of the role together, deployed, stays under IAM's limit
    policies = [r for r in data["Resources"].values() if r["Type"] == "AWS::IAM::Policy"]
    assert len(policies) == 3
    assert (
        sum(len(h.compact(h.deployed(p["Properties"]["PolicyDocument"]))) for p in policies)
        < IAM_INLINE_LIMIT
    )
    (statement,) = [s for s in h.role_statements(data) if "sms-voice:DescribePools" in s["Action"]]
    assert not isinstance(statement["Resource"], list)
