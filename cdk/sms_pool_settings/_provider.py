"""The per-stack provider: one Lambda, its role and its log group, shared by every PoolSettings of a stack.

Each PoolSettings registers the ARNs it needs; the role's statements are written once, when CDK
prepares the app, so the decision to list ARNs or fall back to a pattern sees every pool of the stack.
"""

from __future__ import annotations

import weakref
from typing import Any

import jsii
from aws_cdk import (
    Annotations,
    AspectPriority,
    Aspects,
    CfnResource,
    Duration,
    IAspect,
    Stack,
    Token,
)
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk.region_info import RegionInfo
from constructs import Construct, IConstruct
from pool_settings_handler.constants import IAM_SERVICE_PREFIX, SERVICE_PRINCIPAL

from ._asset import stage_asset
from ._validation import StackPlace

PROVIDER_ID = "SmsPoolSettingsProvider"
HANDLER = "pool_settings_handler.handler.handler"
RUNTIME = lambda_.Runtime.PYTHON_3_14  # the newest Python runtime aws-cdk-lib 2.275 offers

# The handler is deadline-aware: it retries throttling with jitter only while the Lambda has time left,
# then answers FAILED itself. At the API's rate limit (1 request/second per operation) a stack that
# updates 200 pools at once needs about 200 s for its DescribePools calls and as long again for its
# UpdatePool calls, overlapping; 10 minutes leaves more than twice that as margin.
LAMBDA_TIMEOUT = Duration.minutes(10)
# CloudFormation waits an hour for a lost answer by default. The handler answers before its own deadline,
# so anything beyond the Lambda timeout plus a few minutes of delivery means the answer was lost.
SERVICE_TIMEOUT = Duration.minutes(15)
MEMORY_MB = 256  # two HTTPS clients and a few KB of JSON; the smallest size that starts quickly
LOG_RETENTION = logs.RetentionDays.THREE_MONTHS

# IAM counts at most 10,240 characters (whitespace excluded) across all of a role's inline policies, and
# CDK moves whole statements into "overflow" managed policies (one more resource each, at most 10 per
# role) once its estimate of the inline policy reaches 10,000. The ARNs listed stay below this budget,
# counted the way CDK estimates them (the rest of the policy, the log statement and the statements' own
# keys, is about 400 more), so the role never overflows.
INLINE_POLICY_BUDGET = 9_000
# CDK's estimate of an ARN that is a token (its context key and default), and a floor for it: the longest
# realistic pool ARN once deployed (arn:aws-iso-b:sms-voice:us-isob-east-1:<account>:pool/pool-<32 hex>).
_ARN_ESTIMATE_CONTEXT_KEY = "@aws-cdk/aws-iam.arnSizeEstimate"
_CDK_ARN_ESTIMATE = 150
_ARN_COST_FLOOR = 100

_POOL_ACTIONS = (f"{IAM_SERVICE_PREFIX}:DescribePools", f"{IAM_SERVICE_PREFIX}:UpdatePool")
_OPT_OUT_LIST_ACTIONS = (f"{IAM_SERVICE_PREFIX}:UpdatePool",)
WILDCARD_WARNING_ID = "sms-pool-settings:iamPatternFallback"


# Every call into aws-cdk-lib is a round trip to its Node.js process (jsii), the main cost of declaring a
# PoolSettings. What is the same for every PoolSettings of a stack (the provider, the stack's partition,
# region and account) is therefore looked up once per stack and kept here, and values that cannot be
# tokens are never sent to Token.is_unresolved.
_UNRESOLVED_MARKER = "Token["  # in every string token; aws-cdk-lib's unresolved() tests for it first


def is_unresolved(value: Any) -> bool:
    """``Token.is_unresolved(value)``, without the round trip to jsii when ``value`` cannot be a token.

    A ``bool`` or ``None`` never is, nor a string without aws-cdk-lib's ``Token[`` marker (its own
    ``unresolved()`` returns False for those before anything else); numbers, lists and objects may be.

    Example:
        >>> is_unresolved("pool-1"), is_unresolved(True)
        (False, False)
    """
    if value is None or isinstance(value, bool):
        return False
    if isinstance(value, str) and _UNRESOLVED_MARKER not in value:
        return False
    return bool(Token.is_unresolved(value))


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


# The provider of each stack, by id(stack). A provider holds its stack, so while an entry exists no other
# object can have that id; an entry gone with its provider only costs a lookup in the construct tree.
_PROVIDERS: weakref.WeakValueDictionary[int, PoolSettingsProvider] = weakref.WeakValueDictionary()


class _Grants:
    """ARNs of one kind, in registration order, without duplicates."""

    def __init__(self, resource_type: str) -> None:
        self.resource_type = resource_type
        self._arns: dict[str, None] = {}  # a dict keeps insertion order and finds a duplicate in O(1)
        self.use_pattern = False

    @property
    def arns(self) -> list[str]:
        return list(self._arns)

    def add(self, arn: str) -> None:
        self._arns.setdefault(arn)


class PoolSettingsProvider(Construct):
    """The stack's single provider Lambda for ``Custom::SmsPoolSettings``.

    Use :meth:`of` rather than the constructor: it returns the stack's provider, creating it once.

    Example:
        >>> provider = PoolSettingsProvider.of(my_construct)  # doctest: +SKIP
        >>> provider.grant_pool("arn:aws:sms-voice:us-east-1:123456789012:pool/pool-1")  # doctest: +SKIP
    """

    @classmethod
    def of(cls, scope: IConstruct, *, stack: Stack | None = None) -> PoolSettingsProvider:
        """The provider of ``scope``'s stack, created on first use.

        Args:
            scope: any construct of the stack.
            stack: ``Stack.of(scope)`` when the caller has it already. Default: - looked up
        """
        stack = Stack.of(scope) if stack is None else stack
        provider = cls.cached(stack)
        if provider is not None:
            return provider
        existing = stack.node.try_find_child(PROVIDER_ID)
        if existing is None:
            provider = cls(stack, PROVIDER_ID)
        elif isinstance(existing, PoolSettingsProvider):
            provider = existing
        else:
            raise TypeError(
                f"construct ID {PROVIDER_ID} is reserved for the PoolSettings provider in stack "
                f"{stack.node.path}, got a {type(existing).__name__}"
            )
        _PROVIDERS[id(stack)] = provider
        return provider

    @staticmethod
    def cached(stack: Stack) -> PoolSettingsProvider | None:
        """The provider :meth:`of` last returned for ``stack``, without looking at the construct tree.

        None means only that :meth:`of` has not been asked yet (or its provider is gone): use :meth:`of`.
        """
        cached = _PROVIDERS.get(id(stack))
        return cached if cached is not None and cached._stack is stack else None

    def __init__(self, scope: Construct, construct_id: str) -> None:
        super().__init__(scope, construct_id)
        self._stack = Stack.of(self)
        # Fixed for the stack's life: its environment is set when it is created, and context (the
        # partition-literals feature flag) cannot change once it has children.
        self._partition = self._stack.partition
        region, account = self._stack.region, self._stack.account
        self._arn_prefix = f"arn:{self._partition}:{IAM_SERVICE_PREFIX}:{region}:{account}:"
        # Whether every ARN built from the prefix is a token, known once here (see arn()).
        self._prefix_unresolved = any(is_unresolved(part) for part in (self._partition, region, account))
        self._token_arns: set[str] = set()
        self.place = stack_place(region, account)
        """The stack's partition, region and account as the synth-time checks need them."""
        self._pools = _Grants("pool")
        self._opt_out_lists = _Grants("opt-out-list")
        self._roles = _Grants("role")
        self._finalized = False

        self.log_group = logs.LogGroup(self, "LogGroup", retention=LOG_RETENTION)
        # An own role rather than the default one: the default attaches AWSLambdaBasicExecutionRole,
        # which may write to every log group of the account; this one writes to its own group only.
        self.role = iam.Role(
            self,
            "Role",
            assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
            description="Applies SMS pool settings declared with PoolSettings (Custom::SmsPoolSettings)",
        )
        self.log_group.grant_write(self.role)
        self.function = lambda_.Function(
            self,
            "Function",
            runtime=RUNTIME,
            architecture=lambda_.Architecture.ARM_64,
            handler=HANDLER,
            code=lambda_.Code.from_asset(stage_asset()),
            timeout=LAMBDA_TIMEOUT,
            memory_size=MEMORY_MB,
            log_group=self.log_group,
            role=self.role,
            description="Custom::SmsPoolSettings provider: applies declared SMS pool settings",
        )
        # Function makes its resource depend on the whole role construct: the role (already implied by the
        # Fn::GetAtt of its ARN, which cfn-lint flags as W3005) and its DefaultPolicy (needed, so the
        # permissions exist before the first invocation). Keep only the DefaultPolicy. The role's policy
        # never overflows into managed policies (see INLINE_POLICY_BUDGET), so nothing else is needed.
        default_policy = self.role.node.find_child("DefaultPolicy").node.default_child
        function_resource = self.function.node.default_child
        assert isinstance(default_policy, CfnResource) and isinstance(function_resource, CfnResource)
        function_resource.add_override("DependsOn", [default_policy.logical_id])
        # The role's statements are written when CDK prepares the app, after every PoolSettings of the
        # stack has registered, and before the role's own aspect decides whether to split its policy.
        Aspects.of(self).add(_WriteGrants(self), priority=AspectPriority.MUTATING)
        self._service_token = self.function.function_arn

    @property
    def service_token(self) -> str:
        """The Lambda's ARN, for ``CustomResource(service_token=...)``."""
        return self._service_token

    def arn(self, resource_type: str, name: str) -> str:
        """The ARN of the SMS resource ``name`` of type ``resource_type`` in this stack's account and region.

        The same string as ``Stack.format_arn(service="sms-voice", resource=resource_type,
        resource_name=name)``, without a round trip to jsii per ARN.

        Example:
            >>> provider.arn("pool", "pool-1")  # doctest: +SKIP
            'arn:${Token[AWS.Partition.9]}:sms-voice:...:pool/pool-1'
        """
        arn = f"{self._arn_prefix}{resource_type}/{name}"
        if self._prefix_unresolved:
            self._token_arns.add(arn)
        return arn

    def grant_pool(self, arn: str) -> None:
        """Allow ``DescribePools`` and ``UpdatePool`` on the pool ``arn`` (an ARN or ARN pattern)."""
        self._pools.add(arn)

    def grant_opt_out_list(self, arn: str) -> None:
        """Allow ``UpdatePool`` to associate the opt-out list ``arn`` (an ARN or ARN pattern)."""
        self._opt_out_lists.add(arn)

    def grant_pass_role(self, arn: str) -> None:
        """Allow passing the role ``arn`` to the SMS service, and to nothing else."""
        self._roles.add(arn)

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
        groups = (self._pools, self._opt_out_lists, self._roles)
        # Fall back one kind at a time, the most numerous first, until the listed ARNs fit.
        for grants in sorted(groups, key=lambda g: len(g.arns), reverse=True):
            if sum(self._cost(g) for g in groups) <= INLINE_POLICY_BUDGET:
                break
            grants.use_pattern = True
            Annotations.of(self).add_warning_v2(
                WILDCARD_WARNING_ID,
                f"{len(grants.arns)} {grants.resource_type} ARNs would take the provider role's inline "
                "policy past IAM's 10,240-character limit; granting "
                f"{self._describe(self.pattern(grants.resource_type))} instead "
                "(this stack's account and region only)",
            )
        if self._pools.arns:
            self.role.add_to_policy(
                iam.PolicyStatement(actions=list(_POOL_ACTIONS), resources=self._resources(self._pools))
            )
        if self._opt_out_lists.arns:
            self.role.add_to_policy(
                iam.PolicyStatement(
                    actions=list(_OPT_OUT_LIST_ACTIONS), resources=self._resources(self._opt_out_lists)
                )
            )
        if self._roles.arns:
            self.role.add_to_policy(
                iam.PolicyStatement(
                    actions=["iam:PassRole"],
                    resources=self._resources(self._roles),
                    conditions={"StringEquals": {"iam:PassedToService": SERVICE_PRINCIPAL}},
                )
            )

    def _resources(self, grants: _Grants) -> list[str]:
        return [self.pattern(grants.resource_type)] if grants.use_pattern else list(grants.arns)

    def _cost(self, grants: _Grants) -> int:
        """Characters the ARNs of ``grants`` take, as CDK estimates them (quotes and comma included);
        an upper bound of what the deployed policy holds too."""
        estimate = self.node.try_get_context(_ARN_ESTIMATE_CONTEXT_KEY)
        token_cost = max(estimate if isinstance(estimate, int) else _CDK_ARN_ESTIMATE, _ARN_COST_FLOOR)
        arns = [self.pattern(grants.resource_type)] if grants.use_pattern else grants.arns
        return sum((token_cost if self._is_token_arn(arn) else len(arn)) + 3 for arn in arns)

    def _is_token_arn(self, arn: str) -> bool:
        # An ARN built by arn() from a token prefix is known to be one; asking jsii costs a round trip.
        return arn in self._token_arns or is_unresolved(arn)

    def _describe(self, arn: str) -> str:
        """``arn`` for a person: the partition as ``<partition>``, other unknowns as their token text."""
        return arn.replace(self._partition, "<partition>")


@jsii.implements(IAspect)
class _WriteGrants:
    """Writes the provider's statements once every PoolSettings of the stack has registered."""

    def __init__(self, provider: PoolSettingsProvider) -> None:
        self._provider = provider

    def visit(self, node: IConstruct) -> None:
        if node is self._provider:
            self._provider._finalize()
