"""The per-stack provider: one Lambda, its role and its log group, shared by every PoolSettings of a stack.

Each PoolSettings registers the pool (and two-way role) it needs; the role's statements are written
once, when CDK prepares the app, as account- and region-scoped patterns that do not change when pools
are added, removed or swapped (see ``_ROLLBACK_ORDER``).
A stack's provider is configured at most once (:meth:`PoolSettingsProvider.configure`), before or
instead of its first PoolSettings; without that it has the defaults below.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass, fields
from typing import TYPE_CHECKING, Any

import jsii
from aws_cdk import (
    Annotations,
    ArnFormat,
    AspectPriority,
    Aspects,
    CfnResource,
    Duration,
    IAspect,
    Stack,
    Token,
)
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk.region_info import RegionInfo
from constructs import Construct, IConstruct
from pool_settings_handler.constants import IAM_SERVICE_PREFIX, RECORD_PREFIX, SERVICE_PRINCIPAL

from ._function import LOG_RETENTION, asset_function, invoke_config_of
from ._nag import acknowledge_wildcards
from ._validation import StackPlace

if TYPE_CHECKING:
    from ._owners import OneOwnerPerSetting

PROVIDER_ID = "SmsPoolSettingsProvider"
HANDLER = "pool_settings_handler.handler.handler"

# The handler is deadline-aware: it retries throttling with jitter only while the Lambda has time left,
# then answers FAILED itself. At the API's rate limit (1 request/second per operation) a stack that
# updates 200 pools at once needs about 200 s for its DescribePools calls and as long again for its
# UpdatePool calls, overlapping; 10 minutes leaves more than twice that as margin.
LAMBDA_TIMEOUT = Duration.minutes(10)
# CloudFormation waits an hour for a lost answer by default. The handler answers before its own deadline,
# so anything beyond the Lambda timeout plus a few minutes of delivery means the answer was lost.
SERVICE_TIMEOUT = Duration.minutes(15)
# Lambda's memory range, in MB (Lambda Developer Guide, "Configure Lambda function memory").
MEMORY_MB_RANGE = (128, 10_240)

# Why the role grants every pool of an account and region (and every role of the account), not the ones
# declared: CloudFormation updates a resource after the resources it references (CloudFormation Template
# Reference, "DependsOn attribute": "Resource B is updated before resource A"), and the provider's role
# policy is a dependency of the Function, hence of every Custom::SmsPoolSettings. A rollback undoes the
# update in reverse: the custom resource's rollback Update (old and new properties swapped, back to the
# old pool) and the clean-up Delete of a replaced resource run while the policy is still, or again, the
# other deployment's document (CloudFormation User Guide, "Continue rolling back an update": a rollback
# that cannot finish leaves the stack UPDATE_ROLLBACK_FAILED). A policy that lists the declared pools
# would deny the old pool there; one whose statements do not depend on which pools are declared cannot.
# The statements are then a few patterns whatever the number of pools: far below IAM's 10,240 characters
# for a role's inline policies and CDK's 10,000 before it splits off "overflow" managed policies.
_ROLLBACK_ORDER = (
    "CloudFormation's rollback order: the role's policy is updated before, and rolled back after, the "
    "PoolSettings, so a pool or role swapped by an update must stay granted in both policy documents; "
    "a pattern that does not change with the declared pools is the only such grant"
)

# Service Authorization Reference, "Actions, resources, and condition keys for AWS End User Messaging SMS
# and Voice V2": DescribePools and UpdatePool authorize on the pool resource type only (UpdatePool's
# dependent action is iam:PassRole). An opt-out list named in UpdatePool needs no statement of its own.
_POOL_ACTIONS = (f"{IAM_SERVICE_PREFIX}:DescribePools", f"{IAM_SERVICE_PREFIX}:UpdatePool")
_LOG_ACTIONS = ("logs:CreateLogStream", "logs:PutLogEvents")
# A pool chosen by tag (PoolSelector), per the same reference: DescribePools without PoolIds names no pool,
# so it authorizes on "*" only; ListTagsForResource authorizes on the pool (one of its resource types);
# UpdatePool on the pool, whose resource type has the condition key aws:ResourceTag/${TagKey}.
_LOOKUP_LIST_ACTION = f"{IAM_SERVICE_PREFIX}:DescribePools"
_LOOKUP_TAGS_ACTION = f"{IAM_SERVICE_PREFIX}:ListTagsForResource"
_LOOKUP_UPDATE_ACTION = f"{IAM_SERVICE_PREFIX}:UpdatePool"
# Lambda Developer Guide, "Giving Lambda functions access to resources in an Amazon VPC" (execution role
# permissions): the function's role creates, describes and deletes its network interfaces. Per the
# Service Authorization Reference (Amazon EC2): CreateNetworkInterface authorizes on the network
# interface, the subnet and the security groups; DeleteNetworkInterface, AssignPrivateIpAddresses and
# UnassignPrivateIpAddresses on the network interface; DescribeNetworkInterfaces and DescribeSubnets
# support no resource-level permissions (Resource "*" only).
_ENI_CREATE_ACTIONS = ("ec2:CreateNetworkInterface",)
_ENI_MANAGE_ACTIONS = (
    "ec2:DeleteNetworkInterface",
    "ec2:AssignPrivateIpAddresses",
    "ec2:UnassignPrivateIpAddresses",
)
_ENI_DESCRIBE_ACTIONS = ("ec2:DescribeNetworkInterfaces", "ec2:DescribeSubnets")
VPC_POLICY_ID = "VpcAccessPolicy"
# The handler's records (issue 9) and its two CloudFormation reads, in a policy of their own so that the
# cdk-nag acknowledgements of its two patterns apply to these statements only. Per the Service
# Authorization Reference: the four SSM actions client.py calls (GetParametersByPath, GetParameter,
# PutParameter, DeleteParameter; ``Type: String``, no Tags, no KMS key: nothing else) authorize on the
# parameter resource type, arn:<partition>:ssm:<region>:<account>:parameter/<name without its leading
# slash>, so RECORD_PREFIX/* becomes parameter/sms-pool-settings/* (Systems Manager User Guide,
# "Restricting access to Systems Manager parameters using IAM policies": access to a path is access to
# every level below it, which is what GetParametersByPath on RECORD_PREFIX/<pool ID> needs).
# cloudformation:DescribeStacks and DescribeStackResource authorize on the stack resource type,
# arn:<partition>:cloudformation:<region>:<account>:stack/<name>/<id>.
RECORDS_POLICY_ID = "RecordsPolicy"
_RECORD_ACTIONS = ("ssm:GetParametersByPath", "ssm:GetParameter", "ssm:PutParameter", "ssm:DeleteParameter")
# client.stack_status: DescribeStacks on the event's own StackId only (is this event part of a rollback?).
_ROLLBACK_ACTIONS = ("cloudformation:DescribeStacks",)
# client.resource_exists: DescribeStackResource on the stack of another record's owner (is that owner
# still live, or stale?). Its stack is known only at deploy time, from the record; the records are in
# this account and region's Parameter Store, written by providers of this account and region, so their
# owners' stacks are this account and region's: stack/*/* of them and nothing wider.
_OWNER_ACTIONS = ("cloudformation:DescribeStackResource",)
IMMUTABLE_ROLE_WARNING_ID = "sms-pool-settings:providerRoleNotModified"
LOG_KEY_WARNING_ID = "sms-pool-settings:logKeyPolicyNotModified"
# CloudWatch Logs User Guide, "Encrypt log data in CloudWatch Logs using AWS KMS": the key policy must allow
# the regional logs service principal these actions, conditioned on the log group's encryption context.
_LOG_KEY_ACTIONS = ("kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*")


# Every call into aws-cdk-lib is a round trip to its Node.js process (jsii); the construct asks through
# aws-cdk-lib's public API only (Token.is_unresolved, Stack.format_arn, the construct tree), so that an
# aws-cdk-lib or jsii upgrade cannot change what it decides. benchmarks/synth.py measures what it costs.


def is_unresolved(value: Any) -> bool:
    """``Token.is_unresolved(value)``, asked of aws-cdk-lib at most once per string.

    ``Token.isUnresolved``'s documented contract (aws-cdk-lib ``core/lib/token.ts``): true only when the
    value is an ``IResolvable``, a string containing an encoded token, or an encoded number or list.
    So a Python ``bool`` (a JSON boolean to jsii) or ``None`` never is, and for a string the answer is a
    property of its characters (it contains an encoded token or not), the same every time it is asked:
    each string is asked once (a bounded memo by value). Numbers, lists and objects are always asked.

    Example:
        >>> is_unresolved(True), is_unresolved(None)
        (False, False)
    """
    if value is None or isinstance(value, bool):
        return False
    if isinstance(value, str):
        return _string_is_unresolved(value)
    return bool(Token.is_unresolved(value))


@functools.lru_cache(maxsize=8192)
def _string_is_unresolved(value: str) -> bool:
    return bool(Token.is_unresolved(value))


def foreign_pool_pattern(arn: str, place: StackPlace) -> str | None:
    """Every pool of the account and region of ``arn`` when it is a literal ARN of another partition,
    region or account than ``place`` (a pool shared through AWS RAM); None for this stack's own pools
    (a pool ID's ARN, a CfnPool's or a parameter's token).

    Example:
        >>> place = StackPlace(partition="aws", region="us-east-1", account="111111111111")
        >>> foreign_pool_pattern("arn:aws:sms-voice:us-east-1:222222222222:pool/pool-1", place)
        'arn:aws:sms-voice:us-east-1:222222222222:pool/*'
        >>> foreign_pool_pattern("arn:aws:sms-voice:us-east-1:111111111111:pool/pool-1", place) is None
        True
    """
    if is_unresolved(arn):
        return None
    parts = arn.split(":", 5)
    if len(parts) == 6 and (parts[1], parts[3], parts[4]) != (place.partition, place.region, place.account):
        return ":".join([*parts[:5], "pool/*"])
    return None


def stack_place(region: str, account: str) -> StackPlace:
    """The stack's partition, region and account for the synth-time checks, None where a token.

    Args:
        region: ``Stack.region``, a literal or a token.
        account: ``Stack.account``, a literal or a token.
    """
    known_region = None if is_unresolved(region) else region
    known_account = None if is_unresolved(account) else account
    partition = RegionInfo.get(known_region).partition if known_region else None
    return StackPlace(partition=partition, region=known_region, account=known_account)


@dataclass(frozen=True)
class ProviderOptions:
    """How the stack's provider Lambda is set up; every field None means the default.

    See :meth:`PoolSettingsProvider.configure` for what each field does.
    """

    vpc: ec2.IVpc | None = None
    vpc_subnets: ec2.SubnetSelection | None = None
    security_groups: Sequence[ec2.ISecurityGroup] | None = None
    role: iam.IRole | None = None
    memory_size: int | None = None
    log_retention: logs.RetentionDays | None = None
    log_encryption_key: kms.IKey | None = None

    def check(self) -> None:
        """Reject combinations and values Lambda would refuse.

        Raises:
            ValueError: ``vpc_subnets`` or ``security_groups`` without ``vpc``, or a ``memory_size``
                outside Lambda's 128 to 10,240 MB.
        """
        if self.vpc is None:
            for name in ("vpc_subnets", "security_groups"):
                if getattr(self, name) is not None:
                    raise ValueError(f"PoolSettingsProvider {name} needs vpc: it is ignored without one")
        if self.memory_size is not None:
            low, high = MEMORY_MB_RANGE
            if (
                isinstance(self.memory_size, bool)
                or not isinstance(self.memory_size, int)
                or not low <= self.memory_size <= high
            ):
                raise ValueError(
                    f"PoolSettingsProvider memory_size must be a whole number of MB from {low} to {high}, "
                    f"got {self.memory_size!r}"
                )

    def differences(self, other: ProviderOptions) -> list[str]:
        """Each option that differs, as ``name=<this value> vs <other value>``."""
        return [
            f"{field.name}={describe_option(getattr(self, field.name))} vs "
            f"{describe_option(getattr(other, field.name))}"
            for field in fields(self)
            if not _same_option(getattr(self, field.name), getattr(other, field.name))
        ]


def _same_option(first: Any, second: Any) -> bool:
    """Constructs are the same when they are the same object; values when they are equal."""
    if first is second:
        return True
    if isinstance(first, (list, tuple)) and isinstance(second, (list, tuple)):
        return len(first) == len(second) and all(
            _same_option(a, b) for a, b in zip(first, second, strict=True)
        )
    if hasattr(first, "node") or hasattr(second, "node"):  # jsii interfaces do not support isinstance()
        return False
    return bool(first == second)


def describe_option(value: Any) -> str:
    """An option's value for a message: a construct by its path, the default as ``default``."""
    if value is None:
        return "default"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(describe_option(v) for v in value) + "]"
    node = getattr(value, "node", None)
    if node is not None:
        return str(node.path)
    name = getattr(value, "name", None)  # an enum member, e.g. RetentionDays.ONE_YEAR
    return str(name) if isinstance(name, str) else repr(value)


class PoolSettingsProvider(Construct):
    """The stack's single provider Lambda for ``Custom::SmsPoolSettings``, its role and its log group.

    Every ``PoolSettings`` of a stack shares it. It lives at ``<stack path>/SmsPoolSettingsProvider``
    (the construct ID is reserved): its Lambda at ``.../Function``, its role at ``.../Role`` and the
    role's policy at ``.../Role/DefaultPolicy`` (the paths cdk-nag acknowledgements name), its log group
    at ``.../LogGroup``. Use :meth:`configure` to set it up (VPC, role, memory, logs) and :meth:`of` to
    get it; never the constructor.

    Example:
        >>> PoolSettingsProvider.configure(stack, memory_size=512)  # doctest: +SKIP
        >>> PoolSettings(stack, "Settings", pool="pool-0123456789abcdef0123456789abcdef")  # doctest: +SKIP
    """

    @classmethod
    def configure(
        cls,
        scope: IConstruct,
        *,
        vpc: ec2.IVpc | None = None,
        vpc_subnets: ec2.SubnetSelection | None = None,
        security_groups: Sequence[ec2.ISecurityGroup] | None = None,
        role: iam.IRole | None = None,
        memory_size: int | None = None,
        log_retention: logs.RetentionDays | None = None,
        log_encryption_key: kms.IKey | None = None,
    ) -> PoolSettingsProvider:
        """Set up the provider of ``scope``'s stack; call it before the stack's first ``PoolSettings``.

        A stack has one provider, so it is configured once: calling this again with the same options
        returns the same provider, and with other options (or after a ``PoolSettings`` has created the
        provider with the defaults) raises, naming both configurations.

        Args:
            scope: any construct of the stack.
            vpc: run the Lambda in this VPC (it then needs a route to the SMS and CloudFormation
                endpoints: a NAT gateway or interface endpoints). The provider's role gets the network
                interface permissions Lambda needs, scoped to the subnets and security groups.
                Default: - not in a VPC
            vpc_subnets: the subnets of ``vpc``. Default: - the VPC's private subnets (CDK's default)
            security_groups: the Lambda's security groups. Default: - one new group allowing all egress
            role: the Lambda's execution role, e.g. one created under your permissions boundary; it must
                trust ``lambda.amazonaws.com``. The provider's statements are added to it; an imported
                immutable role (``mutable=False``) gets none, and synth warns with what it must allow.
                Default: - a new role with exactly the provider's statements
            memory_size: the Lambda's memory in MB (128 to 10,240). Default: 256
            log_retention: how long the Lambda's log group keeps its logs.
                Default: ``RetentionDays.THREE_MONTHS``
            log_encryption_key: a KMS key for the log group. A key of this app gets the key policy
                statement CloudWatch Logs needs (``logs.<region>.amazonaws.com``, for this account and
                region's log groups); an imported key is left as it is, with a synth warning.
                Default: - CloudWatch Logs' own encryption

        Returns:
            The stack's provider.

        Raises:
            ValueError: the stack's provider exists with other options, ``vpc_subnets`` or
                ``security_groups`` without ``vpc``, or a ``memory_size`` Lambda does not offer.
            TypeError: the construct ID ``SmsPoolSettingsProvider`` of the stack is taken by another
                construct.

        Example:
            >>> PoolSettingsProvider.configure(stack, vpc=vpc, memory_size=512)  # doctest: +SKIP
        """
        options = ProviderOptions(
            vpc=vpc,
            vpc_subnets=vpc_subnets,
            security_groups=list(security_groups) if security_groups is not None else None,
            role=role,
            memory_size=memory_size,
            log_retention=log_retention,
            log_encryption_key=log_encryption_key,
        )
        options.check()
        origin = f"PoolSettingsProvider.configure() from {scope.node.path}"
        return cls._get(Stack.of(scope), options, origin, require_same=True)

    @classmethod
    def of(cls, scope: IConstruct, *, stack: Stack | None = None) -> PoolSettingsProvider:
        """The provider of ``scope``'s stack: the configured one, or one with the defaults created now.

        Args:
            scope: any construct of the stack.
            stack: ``Stack.of(scope)`` when the caller has it already. Default: - looked up
        """
        stack = Stack.of(scope) if stack is None else stack
        provider = cls.cached(stack)
        if provider is not None:
            return provider
        return cls._get(stack, ProviderOptions(), f"PoolSettings {scope.node.path}", require_same=False)

    @classmethod
    def _get(
        cls, stack: Stack, options: ProviderOptions, origin: str, *, require_same: bool
    ) -> PoolSettingsProvider:
        # The stack's one provider is the construct at its reserved ID (the construct tree is the registry).
        existing = stack.node.try_find_child(PROVIDER_ID)
        if existing is None:
            provider = cls(stack, PROVIDER_ID, options=options, origin=origin)
        elif isinstance(existing, PoolSettingsProvider):
            provider = existing
        else:
            raise TypeError(
                f"construct ID {PROVIDER_ID} is reserved for the PoolSettings provider in stack "
                f"{stack.node.path}, got a {type(existing).__name__}"
            )
        if require_same and provider.options is not options:
            differences = options.differences(provider.options)
            if differences:
                raise ValueError(
                    f"the PoolSettings provider of stack {stack.node.path} is configured once: {origin} "
                    f"asks {', '.join(differences)} (asked vs existing), but {provider.configured_by} "
                    "already created it; configure it once, before the stack's first PoolSettings"
                )
        return provider

    @staticmethod
    def cached(stack: Stack) -> PoolSettingsProvider | None:
        """The provider ``stack`` has already: the construct at ``<stack>/SmsPoolSettingsProvider``.

        None when the stack has none yet (nothing is created), or when something else holds that
        construct ID (:meth:`of` and :meth:`configure` then raise ``TypeError``).
        """
        existing = stack.node.try_find_child(PROVIDER_ID)
        return existing if isinstance(existing, PoolSettingsProvider) else None

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        options: ProviderOptions | None = None,
        origin: str = "PoolSettingsProvider()",
    ) -> None:
        """Create the provider; use :meth:`configure` or :meth:`of` instead, which keep it one per stack.

        Args:
            scope: the stack.
            construct_id: ``SmsPoolSettingsProvider``.
            options: how to set up the Lambda. Default: - the defaults
            origin: who asked for it, for the message of a conflicting configuration.
                Default: "PoolSettingsProvider()"
        """
        super().__init__(scope, construct_id)
        self.options = ProviderOptions() if options is None else options
        """The options the provider was created with."""
        self.configured_by = origin
        """Who created the provider (a ``configure()`` call or the first ``PoolSettings``)."""
        self._stack = Stack.of(self)
        # Fixed for the stack's life: its environment is set when it is created, and context (the
        # partition-literals feature flag) cannot change once it has children.
        self._partition = self._stack.partition
        self.place = stack_place(self._stack.region, self._stack.account)
        """The stack's partition, region and account as the synth-time checks need them."""
        self.owner_check: OneOwnerPerSetting | None = None
        """The app's one-owner check (``_owners.check_of``), kept here once a PoolSettings of the stack
        has found it at the app's root."""
        # (resource type, name) -> this stack's format_arn of it, and the set of those ARNs (this stack's).
        self._arns: dict[tuple[str, str], str] = {}
        self._own_arns: set[str] = set()
        # Other accounts whose pools (shared through AWS RAM) a PoolSettings names by literal ARN: the
        # pattern of each, "arn:<partition>:sms-voice:<region>:<account>:pool/*", in a set (sorted when
        # written, so the policy does not depend on the order of the PoolSettings).
        self._grants_own_pools = False
        self._other_pool_patterns: set[str] = set()
        self._passes_roles = False
        self._lookups: dict[str, dict[str, None]] = {}  # tag key -> tag values, in registration order
        self._finalized = False
        self._statements_not_added: list[iam.PolicyStatement] = []
        """Statements the role keeps none of (an immutable role): the warning lists them."""
        options = self.options

        self.log_group = logs.LogGroup(
            self,
            "LogGroup",
            retention=options.log_retention or LOG_RETENTION,
            encryption_key=options.log_encryption_key,
        )
        if options.log_encryption_key is not None:
            self._allow_logs_to_use(options.log_encryption_key)
        # An own role rather than the default one: the default attaches AWSLambdaBasicExecutionRole,
        # which may write to every log group of the account; this one writes to its own group only.
        self.owns_role = options.role is None
        """Whether the role is the provider's own (False: the one given to :meth:`configure`)."""
        self.role: iam.IRole = options.role or iam.Role(
            self,
            "Role",
            assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
            description="Applies SMS pool settings declared with PoolSettings (Custom::SmsPoolSettings)",
        )
        log_statement = iam.PolicyStatement(
            actions=list(_LOG_ACTIONS), resources=[self.log_group.log_group_arn]
        )
        self.role.add_to_principal_policy(log_statement)
        # Known from the first statement: every later one of an immutable role goes to the warning.
        self._role_is_immutable = _keeps_no_statements(self.role)
        if self._role_is_immutable:
            self._statements_not_added.append(log_statement)
        self.function: lambda_.Function = asset_function(
            self,
            handler=HANDLER,
            timeout=LAMBDA_TIMEOUT,
            memory_size=options.memory_size,
            log_group=self.log_group,
            role=self.role,
            vpc=options.vpc,
            vpc_subnets=options.vpc_subnets,
            security_groups=options.security_groups,
            description="Custom::SmsPoolSettings provider: applies declared SMS pool settings",
        )
        # Its AWS::Lambda::EventInvokeConfig (no retries by Lambda): see wait_for_invoke_config.
        self._invoke_config = invoke_config_of(self.function)
        if options.vpc is not None:
            self._grant_network_interfaces()
        self._grant_records()
        # The role's statements are written when CDK prepares the app, after every PoolSettings of the
        # stack has registered, and before the role's own aspect decides whether to split its policy.
        Aspects.of(self).add(_WriteGrants(self), priority=AspectPriority.MUTATING)
        self._service_token = self.function.function_arn

    def _depend_on_all_but_the_role(self) -> None:
        """The Function waits for everything CDK makes it wait for except the role resource itself.

        Function makes its resource depend on the whole role construct: the role (already implied by the
        Fn::GetAtt of its ARN, which cfn-lint flags as W3005) and its DefaultPolicy (needed, so the
        permissions exist before the first invocation). Everything else it depends on stays: the VPC
        policy, and in a VPC the subnets' routes CDK adds so the Lambda can reach the endpoints. Called
        when the app is prepared, so dependencies added after the constructor count too. The role's
        policy is a few patterns whatever the number of pools, so it never overflows into managed
        policies (see ``_ROLLBACK_ORDER``).
        """
        function_resource = self.function.node.default_child
        role_resource = self.role.node.default_child
        assert isinstance(function_resource, CfnResource) and isinstance(role_resource, CfnResource)
        role_path = role_resource.node.path  # jsii may hand back another proxy of the same construct
        logical_ids = set()
        for dependency in (*self.function.node.dependencies, *function_resource.node.dependencies):
            for construct in dependency.node.find_all():
                if isinstance(construct, CfnResource) and construct.node.path != role_path:
                    logical_ids.add(self._stack.resolve(construct.logical_id))
        function_resource.add_override("DependsOn", sorted(logical_ids))

    def _grant_network_interfaces(self) -> iam.Policy | None:
        """The network interface permissions a Lambda in a VPC needs, in a policy of their own.

        A policy of its own, so that the two acknowledgements for cdk-nag (the Describe actions on "*"
        and the network interfaces Lambda names at run time) apply to these statements only. None when
        the role is immutable: its statements are then in the warning the aspect writes.
        """
        stack = self._stack
        assert self.options.vpc is not None
        selection = self.options.vpc_subnets or ec2.SubnetSelection()
        subnet_ids = self.options.vpc.select_subnets(
            availability_zones=selection.availability_zones,
            one_per_az=selection.one_per_az,
            subnet_filters=selection.subnet_filters,
            subnet_group_name=selection.subnet_group_name,
            subnets=selection.subnets,
            subnet_type=selection.subnet_type,
        ).subnet_ids
        interfaces = stack.format_arn(service="ec2", resource="network-interface", resource_name="*")
        create_resources = [interfaces]
        create_resources += [
            stack.format_arn(service="ec2", resource="subnet", resource_name=subnet) for subnet in subnet_ids
        ]
        create_resources += [
            stack.format_arn(service="ec2", resource="security-group", resource_name=group.security_group_id)
            for group in self.function.connections.security_groups
        ]
        statements = [
            iam.PolicyStatement(actions=list(_ENI_CREATE_ACTIONS), resources=create_resources),
            iam.PolicyStatement(actions=list(_ENI_MANAGE_ACTIONS), resources=[interfaces]),
            iam.PolicyStatement(actions=list(_ENI_DESCRIBE_ACTIONS), resources=["*"]),
        ]
        reason = (
            "Lambda Developer Guide (VPC execution role permissions): DescribeNetworkInterfaces and "
            "DescribeSubnets allow only Resource '*'; the network interfaces Lambda creates get their IDs "
            "at run time, so they are named by this stack's account and region only"
        )
        return self._own_policy(VPC_POLICY_ID, statements, {"*": reason, interfaces: reason})

    def _own_policy(
        self, policy_id: str, statements: list[iam.PolicyStatement], acknowledged: dict[str, str]
    ) -> iam.Policy | None:
        """A policy of the provider's own on the role, which the Function's resource waits for, with the
        cdk-nag wildcard findings of ``acknowledged`` (resource ARN -> reason) acknowledged on it only.

        None when the role is immutable: the statements are then in the warning the aspect writes.
        """
        if self._role_is_immutable:
            self._statements_not_added += statements
            return None
        policy = iam.Policy(self, policy_id, statements=statements)
        self.role.attach_inline_policy(policy)
        # The function's resource only: a VPC's security group must not wait for a policy that names it.
        function_resource = self.function.node.default_child
        assert isinstance(function_resource, CfnResource)
        function_resource.node.add_dependency(policy)
        acknowledge_wildcards(self._stack, policy, acknowledged)
        return policy

    def _grant_records(self) -> iam.Policy | None:
        """The records' parameters and the two CloudFormation reads (see ``RECORDS_POLICY_ID``).

        None when the role is immutable: its statements are then in the warning the aspect writes.
        """
        stack = self._stack
        parameters = stack.format_arn(
            service="ssm", resource="parameter", resource_name=f"{RECORD_PREFIX.lstrip('/')}/*"
        )
        stacks = stack.format_arn(service="cloudformation", resource="stack", resource_name="*/*")
        statements = [
            iam.PolicyStatement(actions=list(_RECORD_ACTIONS), resources=[parameters]),
            iam.PolicyStatement(actions=list(_ROLLBACK_ACTIONS), resources=[stack.stack_id]),
            iam.PolicyStatement(actions=list(_OWNER_ACTIONS), resources=[stacks]),
        ]
        # The first event reads its records, so the Function waits for this policy too.
        reasons = {
            parameters: "the handler's records are one parameter per resource, named at deploy time "
            f"under {RECORD_PREFIX}/ (pool ID, stack, logical ID); the role may use that prefix only",
            stacks: "DescribeStackResource of the owner a record names, known only at deploy time; "
            "records are this account and region's, so their owners' stacks are too",
        }
        return self._own_policy(RECORDS_POLICY_ID, statements, reasons)

    def _allow_logs_to_use(self, key: kms.IKey) -> None:
        """Let CloudWatch Logs use ``key`` for this stack's log groups (the user guide's key policy).

        The condition names this account and region's log groups rather than the provider's own: the log
        group's ARN would make the key depend on the log group that depends on the key. A key imported
        into the app keeps its policy as it is: synth then warns with the statement it needs.
        """
        stack = self._stack
        statement = iam.PolicyStatement(
            principals=[iam.ServicePrincipal(f"logs.{stack.region}.{stack.url_suffix}")],
            actions=list(_LOG_KEY_ACTIONS),
            resources=["*"],  # in a key policy, "*" is the key itself
            conditions={
                "ArnLike": {
                    "kms:EncryptionContext:aws:logs:arn": stack.format_arn(
                        service="logs",
                        resource="log-group",
                        resource_name="*",
                        arn_format=ArnFormat.COLON_RESOURCE_NAME,
                    )
                }
            },
        )
        if not key.add_to_resource_policy(statement).statement_added:
            Annotations.of(self).add_warning_v2(
                LOG_KEY_WARNING_ID,
                f"log_encryption_key {self._describe(key.key_arn)} is imported, so its key policy was not "
                f"changed; it must allow logs.<region>.amazonaws.com {', '.join(_LOG_KEY_ACTIONS)} for "
                "this account and region's log groups (CloudWatch Logs User Guide, encrypt log data "
                "with AWS KMS), or the log group cannot be created",
            )

    def _add_statement(self, statement: iam.PolicyStatement) -> None:
        """Add ``statement`` to the role; remember it when the role (imported, immutable) keeps none."""
        if self._role_is_immutable:
            self._statements_not_added.append(statement)
        else:
            self.role.add_to_principal_policy(statement)

    def wait_for_invoke_config(self, resource: IConstruct) -> None:
        """Make ``resource`` (a ``Custom::SmsPoolSettings``) wait for the function's EventInvokeConfig.

        The ServiceToken's ``Fn::GetAtt`` orders the resource after the function only; the
        ``EventInvokeConfig`` that turns Lambda's own retries off (``MaximumRetryAttempts: 0``) is a
        resource of its own, which CloudFormation could otherwise create after the first invocation, leaving
        that invocation with Lambda's default of two retries (issue 11). ``DependsOn`` is a resource
        attribute, not a property (CloudFormation Template Reference, "Resource attribute reference"):
        CloudFormation sends a custom resource an Update only when its properties change (User Guide,
        "Update request for CloudFormation custom resources"; ``ResourceTargetDefinition.Attribute`` of a
        change set lists Properties, Metadata and the policies, never DependsOn), so a stack deployed
        without it gets no Update when it is added.
        """
        resource.node.add_dependency(self._invoke_config)

    @property
    def service_token(self) -> str:
        """The Lambda's ARN, for ``CustomResource(service_token=...)``."""
        return self._service_token

    def arn(self, resource_type: str, name: str) -> str:
        """The ARN of the SMS resource ``name`` of type ``resource_type`` in this stack's account and region.

        ``Stack.format_arn(service="sms-voice", resource=resource_type, resource_name=name)``: tokens
        for whatever of the partition, region and account the stack does not know literally.

        Example:
            >>> provider.arn("pool", "pool-1")  # doctest: +SKIP
            'arn:${Token[AWS.Partition.9]}:sms-voice:...:pool/pool-1'
        """
        known = self._arns.get((resource_type, name))
        if known is None:
            known = self._stack.format_arn(
                service=IAM_SERVICE_PREFIX, resource=resource_type, resource_name=name
            )
            self._arns[(resource_type, name)] = known
            self._own_arns.add(known)
        return known

    def grant_pool(self, arn: str) -> None:
        """Allow ``DescribePools`` and ``UpdatePool`` on the pool ``arn`` (an ARN or ARN pattern).

        What is granted is every pool of the account and region ``arn`` is in (see ``_ROLLBACK_ORDER``):
        this stack's for a pool ID, a CfnPool or a token (a parameter, an import), the ARN's own for a
        literal ARN of another account (a pool shared through AWS RAM; in an environment-agnostic stack,
        any literal ARN)."""
        # An ARN this provider built (arn()) or a token (a CfnPool's, a parameter) is this stack's pool.
        foreign = None if arn in self._own_arns else foreign_pool_pattern(arn, self.place)
        if foreign is not None:
            self._other_pool_patterns.add(foreign)
        else:
            self._grants_own_pools = True

    def grant_pool_lookup(self, key: str, value: str) -> None:
        """Allow finding the pool tagged ``key`` = ``value`` in this stack's account and region, and
        updating only a pool that carries that tag."""
        self._lookups.setdefault(key, {}).setdefault(value)

    def grant_pass_role(self, arn: str) -> None:
        """Allow passing a role to the SMS service, and to nothing else.

        What is granted is every role of this stack's account (see ``_ROLLBACK_ORDER``); ``arn`` is in it
        (construct validation rejects another account's: iam:PassRole cannot pass one).
        """
        del arn  # the grant does not depend on which role: that is the point
        self._passes_roles = True

    def pattern(self, resource_type: str) -> str:
        """The narrowest ARN pattern for every ``resource_type`` of this stack's account and region."""
        # A role is IAM's, which is global: its ARNs have no region.
        if resource_type == "role":
            return self._stack.format_arn(service="iam", region="", resource="role", resource_name="*")
        return self._stack.format_arn(service=IAM_SERVICE_PREFIX, resource=resource_type, resource_name="*")

    # --- Called once, by the aspect ----------------------------------------------------------------

    def _finalize(self) -> None:
        if self._finalized:
            return
        self._finalized = True
        if self.owns_role:
            self._depend_on_all_but_the_role()
        pool_patterns = [self.pattern("pool")] if self._grants_own_pools else []
        pool_patterns += sorted(self._other_pool_patterns)
        if pool_patterns:
            # Every pool of each account and region a PoolSettings names, not the pools named: see
            # _ROLLBACK_ORDER (the role's policy must not change when a PoolSettings names another pool).
            self._add_statement(iam.PolicyStatement(actions=list(_POOL_ACTIONS), resources=pool_patterns))
        if self._lookups:
            self._add_lookup_statements()
        role_patterns = [self.pattern("role")] if self._passes_roles else []
        if role_patterns:
            # Every role of this account, but passed to the SMS service only: see _ROLLBACK_ORDER (the
            # policy must not change when a PoolSettings names another two-way role).
            self._add_statement(
                iam.PolicyStatement(
                    actions=["iam:PassRole"],
                    resources=role_patterns,
                    conditions={"StringEquals": {"iam:PassedToService": SERVICE_PRINCIPAL}},
                )
            )
        self._acknowledge_patterns([*pool_patterns, *role_patterns])
        if self._statements_not_added:
            needed = "; ".join(
                f"{', '.join(s.actions)} on {', '.join(self._describe(r) for r in s.resources)}"
                for s in self._statements_not_added
            )
            Annotations.of(self).add_warning_v2(
                IMMUTABLE_ROLE_WARNING_ID,
                f"the provider's role {self._describe(self.role.role_arn)} was imported as immutable, so "
                f"none of the provider's statements were added to it; it must already allow: {needed}",
            )

    def _add_lookup_statements(self) -> None:
        """The statements a PoolSelector needs (see ``_LOOKUP_*``): list every pool, read the tags of this
        account and region's pools, update a pool only while it carries a selector's tag."""
        pools = self.pattern("pool")
        # "*": DescribePools without PoolIds authorizes on no narrower resource (Service Authorization
        # Reference); it only lists pools, and the handler must see them all to find the one tagged.
        self._add_statement(iam.PolicyStatement(actions=[_LOOKUP_LIST_ACTION], resources=["*"]))
        # Every pool's tags must be read to know which one carries the tag: pool/* of this account and
        # region, no wider.
        self._add_statement(iam.PolicyStatement(actions=[_LOOKUP_TAGS_ACTION], resources=[pools]))
        for key, values in self._lookups.items():
            # Any pool of this account and region, but only while it carries the tag (ABAC: the Pool
            # resource type's aws:ResourceTag/${TagKey}).
            tag_values: Any = list(values) if len(values) > 1 else next(iter(values))
            self._add_statement(
                iam.PolicyStatement(
                    actions=[_LOOKUP_UPDATE_ACTION],
                    resources=[pools],
                    conditions={"StringEquals": {f"aws:ResourceTag/{key}": tag_values}},
                )
            )

    def _acknowledge_patterns(self, patterns: list[str]) -> None:
        """Acknowledge cdk-nag's wildcard finding (AwsSolutions-IAM5) of each of ``patterns`` on the policy
        of the role that holds the pool and PassRole statements, and nowhere else."""
        if self._role_is_immutable or not patterns:
            return
        # Where CDK puts add_to_principal_policy's statements: a Role's DefaultPolicy, an imported mutable
        # role's "Policy" ("Policy<unique ID>" with @aws-cdk/aws-iam:importedRoleStackSafeDefaultPolicyName).
        policies = [child for child in self.role.node.children if isinstance(child, iam.Policy)]
        holder = next((p for p in policies if p.node.id == "DefaultPolicy"), None) or next(
            (p for p in policies if p.node.id.startswith("Policy")), None
        )
        assert holder is not None, f"no policy of role {self.role.node.path} holds the provider's statements"
        acknowledge_wildcards(self._stack, holder, dict.fromkeys(patterns, _ROLLBACK_ORDER))

    def _describe(self, arn: str) -> str:
        """``arn`` for a person: the partition as ``<partition>``, this stack's ID as ``<this stack's ID>``,
        other unknowns as their token text."""
        return arn.replace(self._partition, "<partition>").replace(self._stack.stack_id, "<this stack's ID>")


def _keeps_no_statements(role: iam.IRole) -> bool:
    """Whether ``role``, given a statement already, kept none: ``Role.from_role_arn(..., mutable=False)``.

    Such a role answers ``add_to_principal_policy`` with ``statement_added=True`` all the same (CDK's
    immutable role pretends, for the code that grants), so it is told apart by what it holds: a
    ``Role`` of this app writes statements to its DefaultPolicy, an imported mutable role to an
    ``iam.Policy`` child it creates on the first statement; an immutable one creates nothing.
    """
    if isinstance(role, iam.Role):
        return False
    return not any(isinstance(child, iam.Policy) for child in role.node.children)


@jsii.implements(IAspect)
class _WriteGrants:
    """Writes the provider's statements once every PoolSettings of the stack has registered."""

    def __init__(self, provider: PoolSettingsProvider) -> None:
        self._provider = provider

    def visit(self, node: IConstruct) -> None:
        if node is self._provider:
            self._provider._finalize()
