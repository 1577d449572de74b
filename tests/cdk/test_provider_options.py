"""PoolSettingsProvider.configure: the stack's one provider in a VPC, with the user's role, memory and logs.

Each option is a Template assertion; cdk-nag's AwsSolutions checks run on a stack that uses every
option at once; a second, different configuration fails naming both.
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest
from aws_cdk import Stack
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_logs as logs
from aws_cdk.assertions import Annotations, Match, Template
from cdk_nag import AwsSolutionsChecks
from sms_pool_settings import PoolSettings, PoolSettingsProvider

POOL = "pool-0123456789abcdef0123456789abcdef"
PROVIDER = "SmsPoolSettingsProvider"
# The records policy's actions (tests/cdk/test_provider.py asserts its statements whole).
RECORDS_ACTIONS = [
    ["ssm:GetParametersByPath", "ssm:GetParameter", "ssm:PutParameter", "ssm:DeleteParameter"],
    "cloudformation:DescribeStacks",
    "cloudformation:DescribeStackResource",
]


def _vpc(stack: Stack) -> ec2.Vpc:
    """A VPC cdk-nag has nothing to say about: two AZs, private subnets with egress, flow logs."""
    vpc = ec2.Vpc(stack, "Vpc", max_azs=2, nat_gateways=1)
    vpc.add_flow_log("FlowLog")
    return vpc


def _in_a_vpc(h: SimpleNamespace) -> tuple[Stack, PoolSettingsProvider]:
    """A stack whose provider is in a VPC (its own role and security group), with one PoolSettings."""
    stack = h.new_stack()
    provider = PoolSettingsProvider.configure(stack, vpc=_vpc(stack))
    PoolSettings(stack, "Settings", pool=POOL, deletion_protection_enabled=True)
    return stack, provider


def _violations(stack: Stack) -> list[tuple[str, list[str]]]:
    app = stack.node.root
    report = AwsSolutionsChecks(app).validate_scope(app)
    return [(v.rule_name, [r.construct_path for r in v.violating_resources]) for v in report.violations]


def _only(template: Template, resource_type: str) -> dict[str, Any]:
    (resource,) = template.find_resources(resource_type).values()
    return resource


def test_memory_log_retention_and_log_key_are_the_configured_ones(h: SimpleNamespace) -> None:
    # GIVEN
    stack = h.new_stack()
    key = kms.Key(stack, "LogKey", enable_key_rotation=True)
    # WHEN
    PoolSettingsProvider.configure(
        stack, memory_size=512, log_retention=logs.RetentionDays.ONE_YEAR, log_encryption_key=key
    )
    PoolSettings(stack, "Settings", pool=POOL, deletion_protection_enabled=True)
    # THEN
    template = Template.from_stack(stack)
    template.has_resource_properties("AWS::Lambda::Function", {"MemorySize": 512})
    template.has_resource_properties(
        "AWS::Logs::LogGroup",
        {"RetentionInDays": 365, "KmsKeyId": {"Fn::GetAtt": [Match.string_like_regexp("^LogKey"), "Arn"]}},
    )


def test_a_log_key_of_the_app_lets_cloudwatch_logs_use_it_for_this_accounts_log_groups(
    h: SimpleNamespace,
) -> None:
    # GIVEN
    stack = h.new_stack()
    key = kms.Key(stack, "LogKey", enable_key_rotation=True)
    # WHEN
    PoolSettingsProvider.configure(stack, log_encryption_key=key)
    PoolSettings(stack, "Settings", pool=POOL, deletion_protection_enabled=True)
    # THEN: the key policy statement of the CloudWatch Logs User Guide, scoped to this account and region
    (key_resource,) = Template.from_stack(stack).find_resources("AWS::KMS::Key").values()
    statements = key_resource["Properties"]["KeyPolicy"]["Statement"]
    assert statements[1:] == [
        {
            "Action": [
                "kms:Encrypt*",
                "kms:Decrypt*",
                "kms:ReEncrypt*",
                "kms:GenerateDataKey*",
                "kms:Describe*",
            ],
            "Condition": {
                "ArnLike": {
                    "kms:EncryptionContext:aws:logs:arn": {
                        "Fn::Join": [
                            "",
                            ["arn:", {"Ref": "AWS::Partition"}, f":logs:us-east-1:{h.ACCOUNT}:log-group:*"],
                        ]
                    }
                }
            },
            "Effect": "Allow",
            "Principal": {"Service": {"Fn::Join": ["", ["logs.us-east-1.", {"Ref": "AWS::URLSuffix"}]]}},
            "Resource": "*",
        }
    ]


def test_an_imported_log_key_is_left_as_it_is_with_a_warning(h: SimpleNamespace) -> None:
    # GIVEN
    stack = h.new_stack()
    key_arn = f"arn:aws:kms:us-east-1:{h.ACCOUNT}:key/0000-1111"
    # WHEN
    PoolSettingsProvider.configure(stack, log_encryption_key=kms.Key.from_key_arn(stack, "LogKey", key_arn))
    PoolSettings(stack, "Settings", pool=POOL, deletion_protection_enabled=True)
    # THEN
    template = Template.from_stack(stack)
    template.resource_count_is("AWS::KMS::Key", 0)
    template.has_resource_properties("AWS::Logs::LogGroup", {"KmsKeyId": key_arn})
    (warning,) = Annotations.from_stack(stack).find_warning(f"/TestStack/{PROVIDER}", Match.any_value())
    assert warning.entry.data.startswith(
        f"log_encryption_key {key_arn} is imported, so its key policy was not changed; it must allow "
        "logs.<region>.amazonaws.com kms:Encrypt*, kms:Decrypt*, kms:ReEncrypt*, kms:GenerateDataKey*, "
        "kms:Describe* for this account and region's log groups"
    )
    assert warning.entry.data.endswith("[ack: sms-pool-settings:logKeyPolicyNotModified]")


def test_the_defaults_apply_without_configure(h: SimpleNamespace) -> None:
    # GIVEN / WHEN
    stack = h.new_stack()
    PoolSettings(stack, "Settings", pool=POOL, deletion_protection_enabled=True)
    # THEN
    template = Template.from_stack(stack)
    function = _only(template, "AWS::Lambda::Function")["Properties"]
    assert function["MemorySize"] == 256
    assert "VpcConfig" not in function
    log_group = _only(template, "AWS::Logs::LogGroup")["Properties"]
    assert log_group == {"RetentionInDays": 90}


def test_in_a_vpc_the_lambda_gets_exactly_the_network_interface_permissions_it_needs(
    h: SimpleNamespace,
) -> None:
    # GIVEN
    stack = h.new_stack()
    vpc = _vpc(stack)
    group = ec2.SecurityGroup(stack, "ProviderGroup", vpc=vpc, allow_all_outbound=True)
    # WHEN
    provider = PoolSettingsProvider.configure(
        stack,
        vpc=vpc,
        vpc_subnets=ec2.SubnetSelection(subnet_type=ec2.SubnetType.PRIVATE_WITH_EGRESS),
        security_groups=[group],
    )
    PoolSettings(stack, "Settings", pool=POOL, deletion_protection_enabled=True)
    # THEN: the function runs in the private subnets with the given group
    template = Template.from_stack(stack)
    subnets = [stack.resolve(s.subnet_id) for s in vpc.private_subnets]
    function = _only(template, "AWS::Lambda::Function")
    assert function["Properties"]["VpcConfig"] == {
        "SecurityGroupIds": [stack.resolve(group.security_group_id)],
        "SubnetIds": subnets,
    }

    # THEN: a policy of its own, scoped as the Service Authorization Reference allows
    def arn(resource: str) -> dict[str, Any]:
        return {
            "Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"}, f":ec2:us-east-1:{h.ACCOUNT}:{resource}"]]
        }

    def arn_of(resource: str, token: dict[str, Any]) -> dict[str, Any]:
        return {
            "Fn::Join": [
                "",
                ["arn:", {"Ref": "AWS::Partition"}, f":ec2:us-east-1:{h.ACCOUNT}:{resource}/", token],
            ]
        }

    policies = template.find_resources(
        "AWS::IAM::Policy", {"Properties": {"PolicyName": Match.string_like_regexp("VpcAccessPolicy")}}
    )
    ((policy_id, policy),) = policies.items()
    assert policy["Properties"]["PolicyDocument"]["Statement"] == [
        {
            "Action": "ec2:CreateNetworkInterface",
            "Effect": "Allow",
            "Resource": [
                arn("network-interface/*"),
                *[arn_of("subnet", subnet) for subnet in subnets],
                arn_of("security-group", stack.resolve(group.security_group_id)),
            ],
        },
        {
            "Action": [
                "ec2:DeleteNetworkInterface",
                "ec2:AssignPrivateIpAddresses",
                "ec2:UnassignPrivateIpAddresses",
            ],
            "Effect": "Allow",
            "Resource": arn("network-interface/*"),
        },
        {
            "Action": ["ec2:DescribeNetworkInterfaces", "ec2:DescribeSubnets"],
            "Effect": "Allow",
            "Resource": "*",
        },
    ]
    assert policy["Properties"]["Roles"] == [stack.resolve(provider.role.role_name)]
    # THEN: the function waits for both policies, so its network interfaces can be created at once, and
    # for the private subnets' routes (as CDK has any Lambda in a VPC wait), but not for the role itself
    (default_policy_id, records_policy_id) = [
        logical_id
        for prefix in ("SmsPoolSettingsProviderRoleDefaultPolicy", h.RECORDS_POLICY)
        for logical_id in template.find_resources("AWS::IAM::Policy")
        if logical_id.startswith(prefix)
    ]
    routes = [
        logical_id
        for logical_id, resource in template.to_json()["Resources"].items()
        if logical_id.startswith("VpcPrivateSubnet")
        and resource["Type"] in ("AWS::EC2::Route", "AWS::EC2::SubnetRouteTableAssociation")
    ]
    assert len(routes) == 4
    assert function["DependsOn"] == sorted([default_policy_id, policy_id, records_policy_id, *routes])
    # THEN: no AWS managed policy (AWSLambdaVPCAccessExecutionRole would allow all of it on "*")
    (role,) = template.find_resources(
        "AWS::IAM::Role", {"Properties": {"Description": Match.string_like_regexp("PoolSettings")}}
    ).values()
    assert "ManagedPolicyArns" not in role["Properties"]


def test_in_a_vpc_without_security_groups_the_functions_own_group_is_the_one_granted(
    h: SimpleNamespace,
) -> None:
    # GIVEN / WHEN
    stack, provider = _in_a_vpc(h)
    # THEN
    template = Template.from_stack(stack)
    (group,) = provider.function.connections.security_groups
    assert group.node.path == f"TestStack/{PROVIDER}/Function/SecurityGroup"
    text = str(template.find_resources("AWS::IAM::Policy"))
    assert str(stack.resolve(group.security_group_id)) in text


def test_with_the_users_role_the_statements_go_to_it_and_no_role_is_created(h: SimpleNamespace) -> None:
    # GIVEN: a role under the platform team's permissions boundary
    stack = h.new_stack()
    boundary = iam.ManagedPolicy.from_managed_policy_name(stack, "Boundary", "platform-boundary")
    role = iam.Role(
        stack,
        "PlatformRole",
        assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
        permissions_boundary=boundary,
    )
    # WHEN
    PoolSettingsProvider.configure(stack, role=role)
    PoolSettings(
        stack,
        "Settings",
        pool=POOL,
        two_way_channel_role=f"arn:aws:iam::{h.ACCOUNT}:role/inbound",
    )
    # THEN
    template = Template.from_stack(stack)
    template.resource_count_is("AWS::IAM::Role", 1)
    assert stack.node.find_child(PROVIDER).node.try_find_child("Role") is None
    function = _only(template, "AWS::Lambda::Function")
    assert function["Properties"]["Role"] == stack.resolve(role.role_arn)
    policies = template.find_resources("AWS::IAM::Policy")
    assert all(p["Properties"]["Roles"] == [stack.resolve(role.role_name)] for p in policies.values())
    actions = _actions_records_last(policies, h.RECORDS_POLICY)
    assert actions == [
        ["logs:CreateLogStream", "logs:PutLogEvents"],
        ["sms-voice:DescribePools", "sms-voice:UpdatePool"],
        "iam:PassRole",
        *RECORDS_ACTIONS,
    ]


def _actions_records_last(policies: dict[str, Any], records_policy: str) -> list[Any]:
    """Each statement's Action, policy by policy, the records policy last."""
    return [
        s["Action"]
        for logical_id in sorted(policies, key=lambda k: k.startswith(records_policy))
        for s in policies[logical_id]["Properties"]["PolicyDocument"]["Statement"]
    ]


def test_an_imported_immutable_role_gets_nothing_and_synth_warns_with_what_it_must_allow(
    h: SimpleNamespace,
) -> None:
    # GIVEN: a role the platform team owns, imported so that CDK never changes it
    stack = h.new_stack()
    role_arn = f"arn:aws:iam::{h.ACCOUNT}:role/platform/sms-provider"
    role = iam.Role.from_role_arn(stack, "PlatformRole", role_arn, mutable=False)
    # WHEN
    PoolSettingsProvider.configure(stack, role=role)
    PoolSettings(stack, "Settings", pool=POOL, deletion_protection_enabled=True)
    # THEN: no role, no policy: the function uses the role as it is
    template = Template.from_stack(stack)
    template.resource_count_is("AWS::IAM::Role", 0)
    template.resource_count_is("AWS::IAM::Policy", 0)
    assert _only(template, "AWS::Lambda::Function")["Properties"]["Role"] == role_arn
    # THEN: an acknowledgeable warning lists every statement the role must already have
    (warning,) = Annotations.from_stack(stack).find_warning(f"/TestStack/{PROVIDER}", Match.any_value())
    message = warning.entry.data
    assert message.startswith(
        f"the provider's role {role_arn} was imported as immutable, so none of the provider's statements "
        "were added to it; it must already allow: logs:CreateLogStream, logs:PutLogEvents on "
    )
    assert (
        f"sms-voice:DescribePools, sms-voice:UpdatePool on arn:<partition>:sms-voice:us-east-1:{h.ACCOUNT}:"
        "pool/* [ack:"
    ) in message
    assert (
        "ssm:GetParametersByPath, ssm:GetParameter, ssm:PutParameter, ssm:DeleteParameter on "
        f"arn:<partition>:ssm:us-east-1:{h.ACCOUNT}:parameter/sms-pool-settings/*; "
        "cloudformation:DescribeStacks on <this stack's ID>; cloudformation:DescribeStackResource on "
        f"arn:<partition>:cloudformation:us-east-1:{h.ACCOUNT}:stack/*/*"
    ) in message
    assert message.endswith("[ack: sms-pool-settings:providerRoleNotModified]")


def test_an_imported_mutable_role_gets_the_statements_in_a_policy_of_its_own(h: SimpleNamespace) -> None:
    # GIVEN
    stack = h.new_stack()
    role = iam.Role.from_role_arn(stack, "PlatformRole", f"arn:aws:iam::{h.ACCOUNT}:role/sms-provider")
    # WHEN
    PoolSettingsProvider.configure(stack, role=role)
    PoolSettings(stack, "Settings", pool=POOL, deletion_protection_enabled=True)
    # THEN
    template = Template.from_stack(stack)
    policies = template.find_resources("AWS::IAM::Policy")
    assert all(p["Properties"]["Roles"] == ["sms-provider"] for p in policies.values())
    actions = _actions_records_last(policies, h.RECORDS_POLICY)
    assert actions == [
        ["logs:CreateLogStream", "logs:PutLogEvents"],
        ["sms-voice:DescribePools", "sms-voice:UpdatePool"],
        *RECORDS_ACTIONS,
    ]
    Annotations.from_stack(stack).has_no_warning("*", Match.string_like_regexp("immutable"))


def test_a_stack_using_every_option_has_no_cdk_nag_findings(h: SimpleNamespace) -> None:
    # GIVEN
    stack = h.new_stack(context=h.CDK_INIT_CONTEXT)
    vpc = _vpc(stack)
    role = iam.Role(stack, "PlatformRole", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"))
    key = kms.Key(stack, "LogKey", enable_key_rotation=True)
    group = ec2.SecurityGroup(stack, "ProviderGroup", vpc=vpc)
    # WHEN
    PoolSettingsProvider.configure(
        stack,
        vpc=vpc,
        vpc_subnets=ec2.SubnetSelection(subnet_type=ec2.SubnetType.PRIVATE_WITH_EGRESS),
        security_groups=[group],
        role=role,
        memory_size=1024,
        log_retention=logs.RetentionDays.ONE_YEAR,
        log_encryption_key=key,
    )
    PoolSettings(stack, "Settings", pool=POOL, opt_out_list="customers", two_way_channel_role=role)
    Template.from_stack(stack)
    # THEN
    assert _violations(stack) == []


def test_an_imported_mutable_role_gets_the_pattern_acknowledgements_on_its_policy_only(
    h: SimpleNamespace,
) -> None:
    # GIVEN: the provider's statements on an imported (mutable) role, which CDK writes to a Policy of its own
    stack = h.new_stack(context=h.CDK_INIT_CONTEXT)
    role = iam.Role.from_role_arn(stack, "PlatformRole", f"arn:aws:iam::{h.ACCOUNT}:role/platform/provider")
    PoolSettingsProvider.configure(stack, role=role)
    PoolSettings(stack, "Settings", pool=POOL, two_way_channel_role=f"arn:aws:iam::{h.ACCOUNT}:role/inbound")
    # WHEN
    template = Template.from_stack(stack)
    # THEN: the pool and PassRole patterns are on that policy, and cdk-nag has nothing to report
    (policy,) = [
        p
        for k, p in template.find_resources("AWS::IAM::Policy").items()
        if k.startswith("PlatformRolePolicy")
    ]
    resources = [s["Resource"] for s in policy["Properties"]["PolicyDocument"]["Statement"]]
    assert f"arn:aws:sms-voice:us-east-1:{h.ACCOUNT}:pool/*" in resources
    assert f"arn:aws:iam::{h.ACCOUNT}:role/*" in resources
    assert _violations(stack) == []


def test_cdk_nag_sees_the_vpc_policy_wildcards_without_the_providers_acknowledgement(
    h: SimpleNamespace,
) -> None:
    # GIVEN: the same VPC statements in a policy of the test's, which nobody acknowledged
    stack, provider = _in_a_vpc(h)
    own = provider.node.find_child("VpcAccessPolicy")
    assert isinstance(own, iam.Policy)
    copy = iam.Policy(stack, "Copy", document=own.document, roles=[provider.role])
    Template.from_stack(stack)
    # WHEN
    violations = _violations(stack)
    # THEN: the two findings the provider acknowledges, reported on the copy only (so they are real)
    assert sorted(violations) == [
        ("AwsSolutions-IAM5[Resource::*]", [f"{copy.node.path}/Resource"]),
        (
            f"AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ec2:us-east-1:{h.ACCOUNT}:network-interface/*]",
            [f"{copy.node.path}/Resource"],
        ),
    ]


# --- One configuration per stack ---------------------------------------------------------------------


def test_configuring_twice_alike_returns_the_same_provider(h: SimpleNamespace) -> None:
    # GIVEN
    stack = h.new_stack()
    vpc = _vpc(stack)
    # WHEN
    first = PoolSettingsProvider.configure(stack, vpc=vpc, memory_size=512)
    second = PoolSettingsProvider.configure(stack, vpc=vpc, memory_size=512)
    PoolSettings(stack, "Settings", pool=POOL, deletion_protection_enabled=True)
    # THEN
    assert first is second is PoolSettingsProvider.of(stack)
    Template.from_stack(stack).resource_count_is("AWS::Lambda::Function", 1)


def test_a_second_different_configuration_fails_naming_both(h: SimpleNamespace) -> None:
    # GIVEN
    stack = h.new_stack()
    team = ec2.Vpc(stack, "TeamVpc", max_azs=1)
    PoolSettingsProvider.configure(stack, memory_size=512)
    # WHEN / THEN
    with pytest.raises(ValueError) as raised:
        PoolSettingsProvider.configure(team, memory_size=1024, log_retention=logs.RetentionDays.ONE_WEEK)
    assert str(raised.value) == (
        "the PoolSettings provider of stack TestStack is configured once: PoolSettingsProvider.configure() "
        "from TestStack/TeamVpc asks memory_size=1024 vs 512, log_retention=ONE_WEEK vs default "
        "(asked vs existing), but PoolSettingsProvider.configure() from TestStack already created it; "
        "configure it once, before the stack's first PoolSettings"
    )


def test_configuring_after_a_pool_settings_created_the_default_provider_fails_naming_it(
    h: SimpleNamespace,
) -> None:
    # GIVEN
    stack = h.new_stack()
    PoolSettings(stack, "First", pool=POOL, deletion_protection_enabled=True)
    # WHEN / THEN
    with pytest.raises(
        ValueError, match=r"asks memory_size=512 vs default .* but PoolSettings TestStack/First "
    ):
        PoolSettingsProvider.configure(stack, memory_size=512)


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"memory_size": 64}, "PoolSettingsProvider memory_size must be a whole number of MB from 128 to "
         "10240, got 64"),
        ({"memory_size": 10_241}, "PoolSettingsProvider memory_size must be a whole number of MB from 128 "
         "to 10240, got 10241"),
        ({"memory_size": True}, "PoolSettingsProvider memory_size must be a whole number of MB from 128 to "
         "10240, got True"),
        ({"vpc_subnets": ec2.SubnetSelection(subnet_type=ec2.SubnetType.PRIVATE_ISOLATED)},
         "PoolSettingsProvider vpc_subnets needs vpc: it is ignored without one"),
    ],
)  # fmt: skip
def test_options_lambda_would_refuse_are_rejected_and_create_nothing(
    h: SimpleNamespace, options: dict[str, Any], message: str
) -> None:
    # GIVEN
    stack = h.new_stack()
    # WHEN / THEN
    with pytest.raises(ValueError) as raised:
        PoolSettingsProvider.configure(stack, **options)
    assert str(raised.value) == message
    assert stack.node.try_find_child(PROVIDER) is None


def test_the_provider_is_at_the_documented_path(h: SimpleNamespace) -> None:
    # GIVEN / WHEN
    stack = h.new_stack()
    provider = PoolSettingsProvider.configure(stack)
    PoolSettings(stack, "Settings", pool=POOL, deletion_protection_enabled=True)
    Template.from_stack(stack)
    # THEN: the paths docs/construct.md gives for cdk-nag acknowledgements
    assert provider.node.path == f"TestStack/{PROVIDER}"
    assert provider.function.node.path == f"TestStack/{PROVIDER}/Function"
    assert provider.role.node.path == f"TestStack/{PROVIDER}/Role"
    assert (
        provider.role.node.find_child("DefaultPolicy").node.path == f"TestStack/{PROVIDER}/Role/DefaultPolicy"
    )
    assert provider.log_group.node.path == f"TestStack/{PROVIDER}/LogGroup"
