"""The stack's drift check (``PoolSettings(drift_check=...)``): one scheduled Lambda per stack, its role
and log group, one EventBridge rule, and per pool an alarm on the metric the Lambda publishes.

CloudFormation never checks a custom resource for drift (cloudformation-coverage-roadmap#557), so a
setting changed in the console stays changed until the next deploy. The drift check compares, on the
schedule, each managed setting's ``Applied`` value in the resource's record (SSM Parameter Store) with
the live pool, and publishes ``SettingsDrifted`` (namespace ``SmsPoolSettings``, dimension ``PoolId``)
per pool. Like the provider, it is shared by every ``PoolSettings`` of the stack and lives at
``<stack>/SmsPoolSettingsDriftCheck`` (the construct ID is reserved); its statements and the rule's
targets are written once, when CDK prepares the app (an aspect), after every ``PoolSettings`` has
registered. docs/drift-alarms.md is the user's page.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

import jsii
from aws_cdk import (
    AspectPriority,
    Aspects,
    CfnResource,
    Duration,
    Fn,
    IAspect,
    Stack,
)
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as cloudwatch_actions
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_sns as sns
from constructs import Construct, IConstruct
from pool_settings_handler.constants import (
    DRIFT_CHECK_KEY,
    DRIFT_CORRECT_KEY,
    DRIFT_DIMENSION,
    DRIFT_METRIC_NAME,
    DRIFT_NAMESPACE,
    DRIFT_STACK_ID_VARIABLE,
    IAM_SERVICE_PREFIX,
    RECORD_PREFIX,
    SERVICE_PRINCIPAL,
)

from ._function import LOG_RETENTION, asset_function
from ._nag import acknowledge_wildcards
from ._provider import foreign_pool_pattern, is_unresolved
from ._validation import StackPlace, invalid

DRIFT_CHECK_ID = "SmsPoolSettingsDriftCheck"
HANDLER = "pool_settings_handler.drift_check.handler"
# A check reads every pool it watches (DescribePools, 5 per call, at the SMS API's default quota of one
# control call per second shared with deploys), so 245 pools (a stack's 500 resources, two per watched
# PoolSettings) take about a minute; five leave room for throttling.
FUNCTION_TIMEOUT = Duration.minutes(5)
# The shortest rate: a run ends (FUNCTION_TIMEOUT) before the next one starts, so runs never overlap.
MIN_RATE_MINUTES = 5
# The alarm: the period is the schedule's rate, so each period holds one datapoint; it looks at the last
# two periods and goes to ALARM on one breaching datapoint. Two periods, because a run that starts a little
# late leaves one period empty now and then (EventBridge's rate schedules are not exact): one empty
# period neither raises ALARM nor drops to INSUFFICIENT_DATA. Missing data is treated as missing
# (CloudWatch User Guide, "Configuring how CloudWatch alarms treat missing data": when every datapoint of
# the range is missing the alarm goes to INSUFFICIENT_DATA): two periods without a report mean the check
# is not running or failing, which is neither "in sync" (notBreaching would hide it) nor "drifted"
# (breaching would report a drift nobody saw, e.g. right after the first deploy).
ALARM_THRESHOLD = 1
ALARM_EVALUATION_PERIODS = 2
ALARM_DATAPOINTS_TO_ALARM = 1
ALARM_ID = "DriftAlarm"
# PutMetricAlarm (CloudWatch API Reference): Period x EvaluationPeriods is at most 604,800 s (7 days).
MAX_EVALUATION_SECONDS = 604_800
MAX_RATE_SECONDS = MAX_EVALUATION_SECONDS // ALARM_EVALUATION_PERIODS
# EventBridge (PutTargets, Target.Input): at most 8,192 characters per target's input, 5 targets per rule
# (EventBridge User Guide, quotas). A logical ID is at most 255 characters.
MAX_INPUT_CHARACTERS = 8192
MAX_TARGETS = 5

_RATE = re.compile(r"rate\((\d+) (minute|hour|day)s?\)")
_UNIT_SECONDS = {"minute": 60, "hour": 3600, "day": 86_400}
_RATE_RULE = (
    f"an aws_events.Schedule.rate(...) of {MIN_RATE_MINUTES} minutes to {MAX_RATE_SECONDS // 3600} hours "
    f"(the alarm's period is the rate, and CloudWatch evaluates at most {ALARM_EVALUATION_PERIODS} x the "
    "period within 7 days)"
)

# Service Authorization Reference: sms-voice DescribePools and UpdatePool authorize on the pool resource
# type (UpdatePool's dependent action is iam:PassRole); ssm:GetParameters on the parameter resource type;
# cloudformation:DescribeStacks and ListStackResources on the stack resource type; cloudwatch:PutMetricData
# supports no resource type ("*") and has the condition key cloudwatch:namespace (CloudWatch User Guide,
# "Using condition keys to limit access to CloudWatch namespaces").
_DESCRIBE = f"{IAM_SERVICE_PREFIX}:DescribePools"
_UPDATE = f"{IAM_SERVICE_PREFIX}:UpdatePool"
_RECORD_ACTIONS = ("ssm:GetParameters",)
_STACK_ACTIONS = ("cloudformation:DescribeStacks", "cloudformation:ListStackResources")
_METRIC_ACTION = "cloudwatch:PutMetricData"
_LOG_ACTIONS = ("logs:CreateLogStream", "logs:PutLogEvents")
_PATTERN_REASON = (
    "the drift check reads (and with drift_auto_correct writes) the pools of the stack's PoolSettings; a "
    "pattern of their account and region keeps the policy the same size for 1 or 245 pools, far below "
    "IAM's 10,240 characters, where their ARNs would not fit"
)
_ROLE_REASON = (
    "drift_auto_correct writes back a two-way role the stack manages; any role of the account, but passed "
    "to sms-voice.amazonaws.com only"
)
_RECORDS_REASON = (
    f"the records of this stack's PoolSettings only: {RECORD_PREFIX}/<pool ID>/<this stack's UUID>/<logical "
    "ID>, whose pool IDs are known at deploy time"
)
_METRIC_REASON = "PutMetricData has no resource type; the statement allows the drift check's namespace only"


def rate_seconds(schedule: events.Schedule) -> int:
    """The interval of ``schedule`` in seconds.

    Raises:
        ValueError: not a rate, or a rate outside 5 minutes to 84 hours (naming the expression).
        TypeError: not an ``aws_events.Schedule``.

    Example:
        >>> from aws_cdk import aws_events as events
        >>> rate_seconds(events.Schedule.rate(Duration.hours(1)))  # doctest: +SKIP
        3600
    """
    expression = getattr(schedule, "expression_string", None)
    if not isinstance(expression, str):
        raise TypeError(f"drift_check must be an aws_events.Schedule, got {schedule!r}")
    match = _RATE.fullmatch(expression)
    if match is None or is_unresolved(expression):
        raise invalid("drift_check", _RATE_RULE, expression)
    seconds = int(match.group(1)) * _UNIT_SECONDS[match.group(2)]
    if not MIN_RATE_MINUTES * 60 <= seconds <= MAX_RATE_SECONDS:
        raise invalid("drift_check", _RATE_RULE, expression)
    return seconds


def pool_pattern(arn: str, stack: Stack, place: StackPlace) -> str:
    """Every pool of the account and region of ``arn`` (a pool's ARN, a pattern or a token): the stack's
    own unless ``arn`` is a literal ARN of another account, region or partition (a shared pool)."""
    foreign = foreign_pool_pattern(arn, place)
    if foreign is not None:
        return foreign
    return stack.format_arn(service=IAM_SERVICE_PREFIX, resource="pool", resource_name="*")


@dataclass(frozen=True)
class _Watched:
    resource: CfnResource
    correct: bool


@jsii.implements(IAspect)
class DriftCheck(Construct):
    """The stack's drift check: a scheduled Lambda (``.function``), its role and log group, the rule.

    Created by the stack's first ``PoolSettings`` with ``drift_check``; every later one with the same
    schedule joins it (:meth:`watch`). Use ``PoolSettings(drift_check=...)``, never the constructor.
    It is its own aspect: visited when CDK prepares the app, it writes its pool statements and the rule's
    targets, once every PoolSettings of the stack has registered.
    """

    @staticmethod
    def find(stack: Stack) -> DriftCheck | None:
        """The stack's drift check, None when no PoolSettings asked for one yet.

        Raises:
            TypeError: the construct ID ``SmsPoolSettingsDriftCheck`` is taken by another construct.
        """
        existing = stack.node.try_find_child(DRIFT_CHECK_ID)
        if existing is None or isinstance(existing, DriftCheck):
            return existing
        raise TypeError(
            f"construct ID {DRIFT_CHECK_ID} is reserved for the PoolSettings drift check in stack "
            f"{stack.node.path}, got a {type(existing).__name__}"
        )

    @staticmethod
    def check(stack: Stack, schedule: events.Schedule, requester: str) -> int:
        """Validate ``schedule`` for the stack without creating anything; its rate in seconds.

        Raises:
            ValueError: not a rate from 5 minutes to 84 hours, or another schedule than the one the
                stack's drift check already has (naming both PoolSettings and both schedules).
        """
        seconds = rate_seconds(schedule)
        existing = DriftCheck.find(stack)
        if existing is not None and existing.seconds != seconds:  # rate(60 minutes) is rate(1 hour)
            raise ValueError(
                f"drift_check of PoolSettings {requester} is {schedule.expression_string}, but PoolSettings "
                f"{existing.created_by} set the drift check of stack {stack.node.path} to "
                f"{existing.expression}: every PoolSettings of a stack shares one drift check; give them "
                "the same schedule"
            )
        return seconds

    @classmethod
    def of(cls, stack: Stack, schedule: events.Schedule, requester: str) -> DriftCheck:
        """The stack's drift check, created with ``schedule`` when there is none (``check`` it first)."""
        return cls.find(stack) or cls(stack, DRIFT_CHECK_ID, schedule=schedule, requester=requester)

    def __init__(self, scope: Stack, construct_id: str, *, schedule: events.Schedule, requester: str) -> None:
        """Create the drift check; use :meth:`of`, which keeps it one per stack.

        Args:
            scope: the stack.
            construct_id: ``SmsPoolSettingsDriftCheck``.
            schedule: a rate (see :meth:`check`).
            requester: the path of the PoolSettings that asked for it, for messages.
        """
        super().__init__(scope, construct_id)
        self._stack = scope
        self.expression: str = schedule.expression_string
        """The schedule's expression, e.g. ``rate(1 hour)``."""
        self.seconds = rate_seconds(schedule)
        """The schedule's rate in seconds: the alarms' period."""
        self.period = Duration.seconds(self.seconds)
        self.created_by = requester
        self._watched: list[_Watched] = []
        self._pool_patterns: dict[str, None] = {}  # in registration order, written once
        self._correct_patterns: dict[str, None] = {}
        self._passes_roles = False
        self._alarms: dict[object, cloudwatch.Alarm] = {}
        self._topics: dict[int, set[str]] = {}  # id(alarm) -> the ARNs (tokens) of the topics it notifies
        self._finalized = False
        stack = scope

        self.log_group = logs.LogGroup(self, "LogGroup", retention=LOG_RETENTION)
        # An own role: the default one attaches AWSLambdaBasicExecutionRole (every log group of the account).
        self.role = iam.Role(
            self,
            "Role",
            assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
            description="Compares SMS pool settings declared with PoolSettings with the live pools",
        )
        records = stack.format_arn(
            service="ssm",
            resource="parameter",
            # The record's name is RECORD_PREFIX/<pool ID>/<stack UUID>/<logical ID> (records.record_name);
            # the UUID is the last part of the stack ID.
            resource_name=f"{RECORD_PREFIX.lstrip('/')}/*/{Fn.select(2, Fn.split('/', stack.stack_id))}/*",
        )
        for statement in (
            iam.PolicyStatement(actions=list(_LOG_ACTIONS), resources=[self.log_group.log_group_arn]),
            iam.PolicyStatement(actions=list(_STACK_ACTIONS), resources=[stack.stack_id]),
            iam.PolicyStatement(actions=list(_RECORD_ACTIONS), resources=[records]),
            iam.PolicyStatement(
                actions=[_METRIC_ACTION],
                resources=["*"],  # PutMetricData has no resource type: the condition is the scope
                conditions={"StringEquals": {"cloudwatch:namespace": DRIFT_NAMESPACE}},
            ),
        ):
            self.role.add_to_principal_policy(statement)
        self._acknowledged = {records: _RECORDS_REASON, "*": _METRIC_REASON}
        self.function: lambda_.Function = asset_function(
            self,
            handler=HANDLER,
            timeout=FUNCTION_TIMEOUT,
            log_group=self.log_group,
            role=self.role,
            environment={DRIFT_STACK_ID_VARIABLE: stack.stack_id},
            description="SmsPoolSettings drift check: compares managed settings with the live pools",
        )
        self.rule = events.Rule(
            self,
            "Schedule",
            schedule=schedule,
            description=f"Runs the SmsPoolSettings drift check of this stack, {self.expression}",
        )
        Aspects.of(self).add(self, priority=AspectPriority.MUTATING)

    def watch(
        self,
        settings: Construct,
        *,
        resource: CfnResource,
        pool_id: str,
        pool_arn: str,
        place: StackPlace,
        correct: bool,
        passes_role: bool,
        topic: sns.ITopic | None,
        identity: object | None,
    ) -> cloudwatch.Alarm:
        """Check ``resource`` on the schedule; return the alarm on its pool's metric.

        Args:
            settings: the PoolSettings (the alarm's parent).
            resource: its ``Custom::SmsPoolSettings`` resource.
            pool_id: the pool's ID as the resource reports it (the metric's dimension).
            pool_arn: the ARN (or pattern, or token) the provider is granted for the pool.
            place: the stack's partition, region and account.
            correct: write the applied values back when they drifted.
            passes_role: the resource manages a two-way role (a correction may pass it).
            topic: notified when the alarm goes to ALARM. Default: - none
            identity: the pool as synth knows it (``_owners.pool_identity``); PoolSettings of one pool
                share one alarm. None: the pool is known at deploy time only, the alarm is its own.
        """
        self._watched.append(_Watched(resource, correct))
        pattern = pool_pattern(pool_arn, self._stack, place)
        self._pool_patterns.setdefault(pattern)
        if correct:
            self._correct_patterns.setdefault(pattern)
            self._passes_roles = self._passes_roles or passes_role
        key = identity if identity is not None else settings
        alarm = self._alarms.get(key)
        if alarm is None:
            metric = cloudwatch.Metric(
                namespace=DRIFT_NAMESPACE,
                metric_name=DRIFT_METRIC_NAME,
                dimensions_map={DRIFT_DIMENSION: pool_id},
                statistic=cloudwatch.Stats.MAXIMUM,
                period=self.period,
            )
            alarm = metric.create_alarm(
                settings,
                ALARM_ID,
                threshold=ALARM_THRESHOLD,
                comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
                evaluation_periods=ALARM_EVALUATION_PERIODS,
                datapoints_to_alarm=ALARM_DATAPOINTS_TO_ALARM,
                treat_missing_data=cloudwatch.TreatMissingData.MISSING,
                alarm_description=(
                    f"Settings of the SMS pool managed by PoolSettings {settings.node.path} differ from what "
                    f"the stack applied (value: how many; checked {self.expression}). "
                    "INSUFFICIENT_DATA: no check reported for two periods. See docs/drift-alarms.md"
                ),
            )
            self._alarms[key] = alarm
        notified = self._topics.setdefault(id(alarm), set())
        if topic is not None and topic.topic_arn not in notified:  # one action per topic
            notified.add(topic.topic_arn)
            alarm.add_alarm_action(cloudwatch_actions.SnsAction(topic))
        return alarm

    # --- Called when CDK prepares the app ----------------------------------------------------------

    def visit(self, node: IConstruct) -> None:
        """The aspect: write the statements and targets when the visit reaches this construct (once)."""
        if node is not self or self._finalized:
            return
        self._finalized = True
        stack = self._stack
        describe = list(self._pool_patterns)
        self.role.add_to_principal_policy(iam.PolicyStatement(actions=[_DESCRIBE], resources=describe))
        acknowledged = dict(self._acknowledged)
        acknowledged.update(dict.fromkeys(describe, _PATTERN_REASON))
        if self._correct_patterns:
            update = list(self._correct_patterns)
            self.role.add_to_principal_policy(iam.PolicyStatement(actions=[_UPDATE], resources=update))
        if self._passes_roles:
            roles = stack.format_arn(service="iam", region="", resource="role", resource_name="*")
            self.role.add_to_principal_policy(
                iam.PolicyStatement(
                    actions=["iam:PassRole"],
                    resources=[roles],
                    conditions={"StringEquals": {"iam:PassedToService": SERVICE_PRINCIPAL}},
                )
            )
            acknowledged[roles] = _ROLE_REASON
        policy = self.role.node.find_child("DefaultPolicy")
        acknowledge_wildcards(stack, policy, acknowledged)
        # The function waits for its role's policy (its first run needs the permissions), not for the role
        # itself as CDK writes it: the Fn::GetAtt of the role's ARN already orders them (cfn-lint W3005).
        function_resource, policy_resource = self.function.node.default_child, policy.node.default_child
        assert isinstance(function_resource, CfnResource) and isinstance(policy_resource, CfnResource)
        function_resource.add_override("DependsOn", [stack.resolve(policy_resource.logical_id)])
        for payload in self._inputs():
            self.rule.add_target(
                targets.LambdaFunction(self.function, event=events.RuleTargetInput.from_object(payload))
            )

    def _inputs(self) -> list[dict[str, list[str]]]:
        """The rule's target inputs: the watched logical IDs, packed into inputs of at most 8,192 characters.

        Raises:
            ValueError: more than 5 inputs needed (about 1,000 PoolSettings: more than a stack holds).
        """
        payloads: list[dict[str, list[str]]] = []
        current: dict[str, list[str]] = {DRIFT_CHECK_KEY: [], DRIFT_CORRECT_KEY: []}
        for watched in self._watched:
            logical_id = str(self._stack.resolve(watched.resource.logical_id))
            key = DRIFT_CORRECT_KEY if watched.correct else DRIFT_CHECK_KEY
            trial = {**current, key: [*current[key], logical_id]}
            if len(json.dumps(trial, separators=(",", ":"))) > MAX_INPUT_CHARACTERS:
                payloads.append(current)
                trial = {DRIFT_CHECK_KEY: [], DRIFT_CORRECT_KEY: [], key: [logical_id]}
            current = trial
        payloads.append(current)
        if len(payloads) > MAX_TARGETS:
            raise ValueError(
                f"the drift check of stack {self._stack.node.path} watches {len(self._watched)} "
                f"PoolSettings, whose logical IDs need {len(payloads)} EventBridge inputs of at most "
                f"{MAX_INPUT_CHARACTERS} characters, over the {MAX_TARGETS} targets of a rule; shorten the "
                "construct IDs"
            )
        return [{k: v for k, v in payload.items() if v} for payload in payloads]
