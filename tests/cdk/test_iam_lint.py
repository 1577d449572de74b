"""parliament (an IAM policy linter built on the Service Authorization Reference) over every policy the
construct can synthesize: zero findings.

Each case synthesizes a stack with one combination of arguments and provider options; every identity
policy of the template (the provider role's DefaultPolicy, the VPC policy, a user's role's policy) is
given to parliament with CloudFormation's intrinsics replaced by realistic deployed values (a pool's
``Fn::GetAtt Arn`` becomes a pool ARN, ``Ref AWS::Partition`` becomes ``aws``, and so on), because
parliament checks each ARN against the resource types the action authorizes (``RESOURCE_MISMATCH``),
each action and condition key against the service's definition (``UNKNOWN_ACTION``,
``UNKNOWN_CONDITION_FOR_ACTION``), and the policy's grammar.

Zero means zero findings of every severity parliament reports with its default auditors (HIGH,
MEDIUM, LOW and INFO alike): none of them is expected from a least-privilege policy, so none is
filtered out. Trust policies (``AssumeRolePolicyDocument``) are not identity policies and are not
given to it.
"""

from __future__ import annotations

import json
import warnings
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

import pytest
from aws_cdk import CfnParameter, Duration, Stack
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_events as events
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_logs as logs
from aws_cdk import aws_smsvoice as smsvoice
from aws_cdk import aws_sns as sns
from aws_cdk.assertions import Template
from sms_pool_settings import PoolSelector, PoolSettings, PoolSettingsProvider

with warnings.catch_warnings():
    # parliament 1.6.4 imports pkg_resources, which setuptools 81 deprecates (hence the pin to 81.0.0).
    warnings.simplefilter("ignore", UserWarning)
    from parliament import analyze_policy_string

POOL = "pool-0123456789abcdef0123456789abcdef"
OTHER_POOL = "pool-1123456789abcdef0123456789abcdef"  # one owner per setting of a pool in an app
ACCOUNT = "123456789012"
REGION = "us-east-1"
PSEUDO = {
    "AWS::Partition": "aws",
    "AWS::Region": REGION,
    "AWS::AccountId": ACCOUNT,
    "AWS::URLSuffix": "amazonaws.com",
    "AWS::StackId": f"arn:aws:cloudformation:{REGION}:{ACCOUNT}:stack/TestStack/5f6a3c10-aa2b-11ef",
}
# What Fn::GetAtt <resource> Arn is once deployed, by resource type (the ARN formats of the Service
# Authorization Reference), and what a Ref or another attribute is.
ARN_OF_TYPE = {
    "AWS::SMSVOICE::Pool": f"arn:aws:sms-voice:{REGION}:{ACCOUNT}:pool/pool-00000000000000000000000000000001",
    "AWS::SMSVOICE::OptOutList": f"arn:aws:sms-voice:{REGION}:{ACCOUNT}:opt-out-list/created-list",
    "AWS::Logs::LogGroup": f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:provider-logs:*",
    "AWS::IAM::Role": f"arn:aws:iam::{ACCOUNT}:role/created-role",
    "AWS::SNS::Topic": f"arn:aws:sns:{REGION}:{ACCOUNT}:created-topic",
    "AWS::KMS::Key": f"arn:aws:kms:{REGION}:{ACCOUNT}:key/0000-1111",
    "AWS::Lambda::Function": f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:provider",
}
REF_OF_TYPE = {
    "AWS::EC2::Subnet": "subnet-0123456789abcdef0",
    "AWS::IAM::Role": "created-role",
    "AWS::SMSVOICE::OptOutList": "created-list",
    "AWS::SNS::Topic": ARN_OF_TYPE["AWS::SNS::Topic"],
}
ATTRIBUTE = {
    ("AWS::EC2::SecurityGroup", "GroupId"): "sg-0123456789abcdef0",
    ("AWS::SMSVOICE::Pool", "PoolId"): POOL,
}


def realize(value: Any, resources: dict[str, Any], parameters: dict[str, str]) -> Any:
    """``value`` with every intrinsic replaced by the value it has once deployed."""
    if isinstance(value, list):
        return [realize(v, resources, parameters) for v in value]
    if not isinstance(value, dict):
        return value
    if set(value) == {"Ref"}:
        name = value["Ref"]
        if name in PSEUDO:
            return PSEUDO[name]
        if name in parameters:
            return parameters[name]
        return REF_OF_TYPE[resources[name]["Type"]]
    if set(value) == {"Fn::GetAtt"}:
        logical_id, attribute = value["Fn::GetAtt"]
        resource_type = resources[logical_id]["Type"]
        return ARN_OF_TYPE[resource_type] if attribute == "Arn" else ATTRIBUTE[(resource_type, attribute)]
    if set(value) == {"Fn::Join"}:
        separator, parts = value["Fn::Join"]
        return separator.join(realize(p, resources, parameters) for p in parts)
    if set(value) == {"Fn::Split"}:  # the drift check's records: the stack's UUID out of AWS::StackId
        separator, text = value["Fn::Split"]
        return realize(text, resources, parameters).split(separator)
    if set(value) == {"Fn::Select"}:
        index, items = value["Fn::Select"]
        return realize(items, resources, parameters)[int(index)]
    return {k: realize(v, resources, parameters) for k, v in value.items()}


def identity_policies(template: dict[str, Any], parameters: dict[str, str]) -> dict[str, dict[str, Any]]:
    """Every identity policy of the template, deployed, by logical ID (and policy name)."""
    resources = template["Resources"]
    found: dict[str, dict[str, Any]] = {}
    for logical_id, resource in resources.items():
        if resource["Type"] == "AWS::IAM::Policy":
            found[logical_id] = resource["Properties"]["PolicyDocument"]
        if resource["Type"] == "AWS::IAM::Role":
            for policy in resource["Properties"].get("Policies", []):
                found[f"{logical_id}/{policy['PolicyName']}"] = policy["PolicyDocument"]
    return {name: realize(document, resources, parameters) for name, document in found.items()}


def findings(stack: Stack, parameters: dict[str, str] | None = None) -> list[str]:
    """parliament's findings over every identity policy of ``stack``, one line each."""
    template = Template.from_stack(stack).to_json()
    policies = identity_policies(template, parameters or {})
    assert policies, "the stack has no identity policy"
    lines = []
    for name, document in policies.items():
        text = json.dumps(document)
        assert "Fn::" not in text and '"Ref"' not in text, f"{name} still holds an intrinsic: {text}"
        for finding in analyze_policy_string(text).findings:
            lines.append(f"{name}: {finding.issue} {finding.severity} {finding.detail}")
    return lines


def _cfn_pool(stack: Stack, construct_id: str = "Pool") -> smsvoice.CfnPool:
    return smsvoice.CfnPool(
        stack,
        construct_id,
        origination_identities=[f"arn:aws:sms-voice:{REGION}:{ACCOUNT}:phone-number/phone-1"],
        mandatory_keywords={"help": {"message": "h"}, "stop": {"message": "s"}},
    )


def _vpc(stack: Stack) -> ec2.Vpc:
    return ec2.Vpc(stack, "Vpc", max_azs=2, nat_gateways=1)


def _every_argument_form(stack: Stack) -> None:
    """Each form of every argument at least once, in one stack."""
    role = iam.Role(stack, "Inbound", assumed_by=iam.ServicePrincipal("sms-voice.amazonaws.com"))
    topic = sns.Topic(stack, "Topic")
    token = CfnParameter(stack, "Token").value_as_string
    PoolSettings(stack, "ById", pool=POOL, opt_out_list="customers", two_way_channel_role=role)
    PoolSettings(
        stack,
        "ByArn",
        pool=f"arn:aws:sms-voice:{REGION}:{ACCOUNT}:pool/{OTHER_POOL}",
        opt_out_list=f"arn:aws:sms-voice:{REGION}:{ACCOUNT}:opt-out-list/customers",
        two_way_enabled=True,
        two_way_channel=f"arn:aws:sns:{REGION}:{ACCOUNT}:inbound",
        two_way_channel_role=f"arn:aws:iam::{ACCOUNT}:role/inbound",
    )
    PoolSettings(
        stack,
        "ByCfn",
        pool=_cfn_pool(stack),
        opt_out_list=smsvoice.CfnOptOutList(stack, "OptOutList"),
        two_way_channel=topic,
        two_way_channel_role=role,
    )
    PoolSettings(
        stack,
        "ByToken",
        pool=token,
        opt_out_list=token,
        two_way_channel="connect.us-east-1.amazonaws.com",
        two_way_channel_role=CfnParameter(stack, "RoleArn").value_as_string,
        deletion_protection_enabled=CfnParameter(
            stack, "Protect", allowed_values=["true", "false"]
        ).value_as_string,
    )


TOKENS = {"Token": POOL, "RoleArn": f"arn:aws:iam::{ACCOUNT}:role/inbound", "Protect": "true"}


def _many_pools_and_roles(stack: Stack) -> None:
    """Past the listed-ARN budget for pools and roles: both fall back to their patterns."""
    for number in range(300):
        PoolSettings(
            stack,
            f"S{number}",
            pool=f"pool-{number:032x}",
            two_way_channel_role=f"arn:aws:iam::{ACCOUNT}:role/inbound-{number}",
        )


def _every_provider_option(stack: Stack) -> None:
    vpc = _vpc(stack)
    PoolSettingsProvider.configure(
        stack,
        vpc=vpc,
        vpc_subnets=ec2.SubnetSelection(subnet_type=ec2.SubnetType.PRIVATE_WITH_EGRESS),
        security_groups=[ec2.SecurityGroup(stack, "Group", vpc=vpc)],
        role=iam.Role(stack, "PlatformRole", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com")),
        memory_size=512,
        log_retention=logs.RetentionDays.ONE_YEAR,
        log_encryption_key=kms.Key(stack, "Key", enable_key_rotation=True),
    )
    _every_argument_form(stack)


def _vpc_with_own_role_and_group(stack: Stack) -> None:
    PoolSettingsProvider.configure(stack, vpc=_vpc(stack))
    PoolSettings(stack, "Settings", pool=POOL, deletion_protection_enabled=True)


def _imported_mutable_role(stack: Stack) -> None:
    role = iam.Role.from_role_arn(stack, "Imported", f"arn:aws:iam::{ACCOUNT}:role/platform/provider")
    PoolSettingsProvider.configure(stack, role=role, vpc=_vpc(stack))
    _every_argument_form(stack)


def _pool_selectors(stack: Stack) -> None:
    """Pools found by tag (the lookup's DescribePools, ListTagsForResource and the tag-conditioned
    UpdatePool), beside a pool given by ID."""
    PoolSettings(stack, "ByTag", pool=PoolSelector.tag("team", "alerts"), deletion_protection_enabled=True)
    PoolSettings(stack, "OtherValue", pool=PoolSelector.tag("team", "billing"), shared_routes_enabled=True)
    PoolSettings(stack, "OtherKey", pool=PoolSelector.tag("env", "prod"), two_way_enabled=False)
    PoolSettings(stack, "ById", pool=POOL, deletion_protection_enabled=True)


def _drift_checks(stack: Stack) -> None:
    """The drift check (issue 10): corrected pools by ID, by token and by CfnPool with two-way roles, and a
    pool shared from another account that is only checked; so every statement of the drift role."""
    role = iam.Role(stack, "Inbound", assumed_by=iam.ServicePrincipal("sms-voice.amazonaws.com"))
    hourly = events.Schedule.rate(Duration.hours(1))
    drift: dict[str, Any] = {"drift_check": hourly, "drift_alarm_topic": sns.Topic(stack, "Alerts")}
    PoolSettings(stack, "ById", pool=POOL, two_way_channel_role=role, drift_auto_correct=True, **drift)
    PoolSettings(stack, "ByToken", pool=CfnParameter(stack, "Token").value_as_string,
                 deletion_protection_enabled=True, drift_auto_correct=True, **drift)  # fmt: skip
    PoolSettings(stack, "ByCfn", pool=_cfn_pool(stack), shared_routes_enabled=False, drift_check=hourly)
    PoolSettings(stack, "Shared", pool=f"arn:aws:sms-voice:{REGION}:210987654321:pool/{OTHER_POOL}",
                 shared_routes_enabled=False, drift_check=hourly)  # fmt: skip


CASES: dict[str, tuple[Callable[[Stack], None], dict[str, Any]]] = {
    "every argument form": (_every_argument_form, {}),
    "every argument form, partition literals": (_every_argument_form, {"partition_literals": True}),
    "every argument form, environment-agnostic": (_every_argument_form, {"agnostic": True}),
    "ARN-pattern fallback (300 pools and roles)": (_many_pools_and_roles, {}),
    "ARN-pattern fallback, partition literals": (_many_pools_and_roles, {"partition_literals": True}),
    "every provider option": (_every_provider_option, {}),
    "VPC with the provider's own role and group": (_vpc_with_own_role_and_group, {}),
    "imported mutable role in a VPC": (_imported_mutable_role, {}),
    "pool selectors": (_pool_selectors, {}),
    "pool selectors, environment-agnostic": (_pool_selectors, {"agnostic": True}),
    "drift checks": (_drift_checks, {}),
    "drift checks, partition literals": (_drift_checks, {"partition_literals": True}),
    "drift checks, environment-agnostic": (_drift_checks, {"agnostic": True}),
}


@pytest.mark.parametrize("case", list(CASES))
def test_parliament_finds_nothing_in_any_policy_the_construct_synthesizes(
    h: SimpleNamespace, case: str
) -> None:
    # GIVEN
    declare, options = CASES[case]
    context = h.PARTITION_LITERALS if options.get("partition_literals") else None
    if options.get("agnostic"):
        stack = h.new_stack(account=None, region=None, context=context)
    else:
        stack = h.new_stack(context=context)
    # WHEN
    declare(stack)
    # THEN
    assert findings(stack, TOKENS) == []


def test_parliament_does_report_the_opt_out_list_statement_this_release_removed(h: SimpleNamespace) -> None:
    # GIVEN: the statement 0.1.0 wrote for an opt-out list (proves the check above can fail)
    stack = h.new_stack()
    PoolSettings(stack, "Settings", pool=POOL, deletion_protection_enabled=True)
    role = PoolSettingsProvider.of(stack).role
    role.add_to_principal_policy(
        iam.PolicyStatement(
            actions=["sms-voice:UpdatePool"],
            resources=[
                stack.format_arn(service="sms-voice", resource="opt-out-list", resource_name="customers")
            ],
        )
    )
    # WHEN
    found = findings(stack)
    # THEN
    assert len(found) == 1
    assert "RESOURCE_MISMATCH" in found[0]
    assert "'action': 'sms-voice:UpdatePool', 'required_format': 'arn:*:sms-voice:*:*:pool/*'" in found[0]
