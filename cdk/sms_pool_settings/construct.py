"""``PoolSettings``: declare an AWS End User Messaging SMS pool's settings in a CDK stack."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import jsii
from aws_cdk import Annotations, CfnResource, CustomResource, IResolvable, RemovalPolicy, Stack
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_events as events
from aws_cdk import aws_iam as iam
from aws_cdk import aws_smsvoice as smsvoice
from aws_cdk import aws_sns as sns
from constructs import Construct, IValidation
from pool_settings_handler.constants import (
    ATTR_CHANGED_FIELDS,
    ATTR_MESSAGE_TYPE,
    ATTR_POOL_ARN,
    ATTR_POOL_ID,
    ATTR_STATUS,
    BOOLEAN,
    IAM_ROLE,
    OPT_OUT_LIST,
    PROP_POOL_ID,
    PROP_POOL_SELECTOR,
    PROP_RECONCILE_TOKEN,
    PROP_REMOVAL_POLICY,
    REMOVAL_DESTROY,
    RESOURCE_TYPE,
    SETTINGS,
    TWO_WAY_CHANNEL,
)

from . import _validation as check
from ._drift_check import DriftCheck
from ._owners import check_of, pool_identity
from ._provider import SERVICE_TIMEOUT, PoolSettingsProvider, is_unresolved, stack_place
from .selector import PoolSelector

BoolArgument = bool | IResolvable | str
"""A boolean setting: ``True``/``False``, or a token that becomes one at deploy time.

A ``str`` must be a token, e.g. ``CfnParameter(..., allowed_values=["true", "false"]).value_as_string``;
a literal string (``"true"``) is rejected at synth.
"""
WARNING_ID = "sms-pool-settings:crossAccountArn"
MANAGES_NOTHING_WARNING_ID = "sms-pool-settings:managesNothing"
TWO_WAY_WITHOUT_CHANNEL_WARNING_ID = "sms-pool-settings:twoWayWithoutChannel"


class PoolSettings(Construct):
    """Declares settings of an SMS pool; every deploy puts the live pool back to them.

    Backed by one ``Custom::SmsPoolSettings`` resource and a Lambda shared by every PoolSettings of the
    stack. An argument left out (None) is not managed: its property is absent from the template and the
    pool keeps whatever it has. What deleting the construct (or the stack), or removing an argument
    later, does to the pool is ``removal_policy``: by default the settings stay as they are.
    Two PoolSettings of one app that manage the same setting of the same pool fail at synth.

    Args:
        scope: the parent construct.
        id: the construct ID.
        pool: the pool, as a pool ID (``pool-...``), a pool ARN (required for a pool shared from another
            account), an ``aws_smsvoice.CfnPool`` of this app, or a ``PoolSelector`` (the one pool of the
            account and region with a tag, found at deploy time).
        two_way_enabled: whether the pool receives inbound messages. Default: - left as it is on the pool
        two_way_channel: where inbound messages go: an SNS topic (``sns.ITopic`` or its ARN) or
            ``connect.<region>.amazonaws.com`` for Amazon Connect. Default: - left as it is on the pool
        two_way_channel_role: the IAM role (``iam.IRole`` or its ARN) the service assumes to deliver
            inbound messages; the provider may pass it to ``sms-voice.amazonaws.com`` only.
            Default: - left as it is on the pool
        self_managed_opt_outs_enabled: whether you, not the service, answer HELP and STOP.
            Default: - left as it is on the pool
        opt_out_list: the opt-out list, as a name, an ARN or an ``aws_smsvoice.CfnOptOutList``.
            Default: - left as it is on the pool
        shared_routes_enabled: whether the pool may use shared routes. Default: - left as it is on the pool
        deletion_protection_enabled: whether the pool is protected from deletion.
            Default: - left as it is on the pool
        reconcile_token: any string; a new value forces an Update that re-applies every declared setting
            to the live pool (a pipeline passes a build ID to correct drift).
            Default: - no token; the settings are re-applied only when the template changes
        removal_policy: what deleting the resource (or destroying the stack), and removing an argument
            later, does to the settings it managed: ``RemovalPolicy.RETAIN`` leaves them as they are;
            ``RemovalPolicy.DESTROY`` puts back the values the pool had before this PoolSettings first
            managed them. Either way a failed deploy's rollback puts them back.
            Default: ``RemovalPolicy.RETAIN``
        drift_check: check the pool on this schedule, an ``aws_events.Schedule.rate(...)`` of 5 minutes
            to 84 hours, shared by every PoolSettings of the stack: each check publishes the number of
            managed settings whose live value differs from the one applied (CloudWatch metric
            ``SmsPoolSettings`` / ``SettingsDrifted``, dimension ``PoolId``) and ``drift_alarm`` goes to
            ALARM on 1 or more (docs/drift-alarms.md). Default: - no drift check
        drift_alarm_topic: an SNS topic the drift alarm notifies when it goes to ALARM (needs
            ``drift_check``). Default: - no notification
        drift_auto_correct: the check also writes the applied values back to the pool with UpdatePool
            (needs ``drift_check``; the stack stays the source of truth). Default: False

    Raises:
        ValueError: a literal argument the SMS service would reject, a ``CfnPool`` that declares a
            setting this construct also manages, a ``removal_policy`` other than RETAIN or DESTROY, a
            ``drift_check`` that is not an allowed rate or differs from the stack's, or a drift option
            without ``drift_check``.
        TypeError: an argument of the wrong kind.

    Example:
        >>> PoolSettings(stack, "Settings", pool="pool-0123456789abcdef0123456789abcdef",
        ...              deletion_protection_enabled=True)  # doctest: +SKIP
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        pool: str | smsvoice.CfnPool | PoolSelector,
        two_way_enabled: BoolArgument | None = None,
        two_way_channel: str | sns.ITopic | None = None,
        two_way_channel_role: str | iam.IRole | None = None,
        self_managed_opt_outs_enabled: BoolArgument | None = None,
        opt_out_list: str | smsvoice.CfnOptOutList | None = None,
        shared_routes_enabled: BoolArgument | None = None,
        deletion_protection_enabled: BoolArgument | None = None,
        reconcile_token: str | None = None,
        removal_policy: RemovalPolicy = RemovalPolicy.RETAIN,
        drift_check: events.Schedule | None = None,
        drift_alarm_topic: sns.ITopic | None = None,
        drift_auto_correct: bool = False,
    ) -> None:
        """Declare the settings of ``pool``; every argument after ``id`` is keyword-only.

        An argument left out (None) is not managed: the pool keeps whatever value it has. The four
        booleans take ``True``/``False`` or a token (a ``CfnParameter``'s ``value_as_string`` with
        allowed values ``true``/``false``). ``reconcile_token=""`` is the same as no token.

        Args:
            scope: the parent construct.
            id: the construct ID.
            pool: a pool ID, a pool ARN, an ``aws_smsvoice.CfnPool`` of this app or a ``PoolSelector``.
            two_way_enabled: whether the pool receives inbound messages. Default: - left as it is
            two_way_channel: an SNS topic (``sns.ITopic`` or its ARN) or ``connect.<region>.amazonaws.com``.
                Default: - left as it is
            two_way_channel_role: the IAM role (``iam.IRole`` or its ARN) the service assumes to deliver
                inbound messages. Default: - left as it is
            self_managed_opt_outs_enabled: whether you answer HELP and STOP. Default: - left as it is
            opt_out_list: an opt-out list name, ARN or ``aws_smsvoice.CfnOptOutList``.
                Default: - left as it is
            shared_routes_enabled: whether the pool may use shared routes. Default: - left as it is
            deletion_protection_enabled: whether the pool is protected from deletion.
                Default: - left as it is
            reconcile_token: a new value forces an Update that re-applies every declared setting.
                Default: - no token
            removal_policy: ``RemovalPolicy.RETAIN`` leaves the settings when the resource is deleted
                or an argument removed; ``RemovalPolicy.DESTROY`` puts back the prior values.
                Default: ``RemovalPolicy.RETAIN``
            drift_check: an ``aws_events.Schedule.rate(...)`` (5 minutes to 84 hours), the same for every
                PoolSettings of the stack, on which the pool is compared with the applied values.
                Default: - no drift check
            drift_alarm_topic: an SNS topic the drift alarm notifies (needs ``drift_check``).
                Default: - no notification
            drift_auto_correct: the check writes the applied values back (needs ``drift_check``).
                Default: False

        Raises:
            ValueError: a literal argument the SMS service would reject, a ``CfnPool`` that declares
                a setting this construct also manages, a ``removal_policy`` other than RETAIN or
                DESTROY, a ``drift_check`` that is not an allowed rate or differs from the stack's, or a
                drift option without ``drift_check``.
            TypeError: an argument of the wrong kind.
        """
        arguments = locals()  # the settings' arguments, read by name from the table below
        super().__init__(scope, id)
        if reconcile_token == "":  # an unset CI variable: no token, as the README's snippets assume
            reconcile_token = None
        # Stack.of(self) is scope when scope is a stack, the usual case: no round trip to jsii for it.
        stack = scope if isinstance(scope, Stack) else Stack.of(self)
        # The stack's place is worked out once, by its provider. Validation must not create the provider
        # (a rejected PoolSettings leaves the stack as it was): the first PoolSettings reads it itself.
        known = PoolSettingsProvider.cached(stack)
        place = known.place if known is not None else stack_place(stack.region, stack.account)
        managed = {row.argument: arguments[row.argument] for row in SETTINGS}

        # --- Combinations first -----------------------------------------------------------------------
        managed_names = {name for name, value in managed.items() if value is not None}
        if isinstance(pool, smsvoice.CfnPool):
            _check_no_conflict(pool, managed_names)
        _check_drift_options(drift_check, drift_alarm_topic, drift_auto_correct)
        if drift_check is not None and not managed_names:
            raise check.invalid(
                "drift_check",
                "given with at least one managed setting (a PoolSettings that manages none keeps no record "
                "to compare with)",
                getattr(drift_check, "expression_string", drift_check),
            )

        # --- Then values, each literal only --------------------------------------------------------
        warnings: list[str] = []
        if isinstance(pool, str):
            if not is_unresolved(pool):
                warnings += check.check_pool(pool, place)
        elif not isinstance(pool, (smsvoice.CfnPool, PoolSelector)):
            raise TypeError(
                f"pool must be a pool ID, a pool ARN, an aws_smsvoice.CfnPool or a PoolSelector, got {pool!r}"
            )
        # Each setting as its property value: a topic, a role or an opt-out list construct becomes a string.
        values = {
            row.argument: _PROPERTY_VALUE[row.kind](managed[row.argument])
            for row in SETTINGS
            if managed[row.argument] is not None
        }
        warnings += check.check_settings(
            {argument: value for argument, value in values.items() if not is_unresolved(value)}, place
        )
        if reconcile_token is not None and not is_unresolved(reconcile_token):
            check.check_reconcile_token(reconcile_token)
        removal_property = _removal_property(removal_policy)
        if drift_check is not None:
            DriftCheck.check(stack, drift_check, self.node.path)
        for warning in warnings:
            Annotations.of(self).add_warning_v2(WARNING_ID, warning)
        if not managed_names:
            Annotations.of(self).add_warning_v2(
                MANAGES_NOTHING_WARNING_ID,
                "PoolSettings manages no setting: every argument after pool is None, so deploying it "
                "changes nothing on the pool; declare at least one setting or remove it",
            )
        # A CfnPool cannot hold the channel instead: its TwoWay needs Enabled, which would conflict above.
        # The service's ValidationExceptionReason TWO_WAY_CHANNEL_NOT_PRESENT (API reference, botocore's
        # pinpoint-sms-voice-v2 model) is its answer to two-way without a channel.
        if two_way_enabled is True and two_way_channel is None:
            Annotations.of(self).add_warning_v2(
                TWO_WAY_WITHOUT_CHANNEL_WARNING_ID,
                "two_way_enabled=True without two_way_channel: a pool with no channel cannot enable two-way "
                "messaging (ValidationException TWO_WAY_CHANNEL_NOT_PRESENT); give two_way_channel unless "
                "the pool already has one",
            )

        # --- Children -------------------------------------------------------------------------------
        # The provider found for validation is the one: asking the construct tree again costs round trips.
        provider = known if known is not None else PoolSettingsProvider.of(self, stack=stack)
        properties: dict[str, Any]
        if isinstance(pool, PoolSelector):
            properties = {PROP_POOL_SELECTOR: pool.to_property()}
            provider.grant_pool_lookup(pool.key, pool.value)
            pool_grant = None  # the drift check's is the stack's pattern: a pool found by tag is the stack's
        else:
            properties = {PROP_POOL_ID: _pool_value(pool)}
            pool_grant = _grant_arn(pool, provider)
            provider.grant_pool(pool_grant)
        passes_role = False
        for row in SETTINGS:
            if row.argument in values:
                properties[row.key] = values[row.argument]
                if row.kind == IAM_ROLE:
                    provider.grant_pass_role(values[row.argument])
                    passes_role = True
        # UpdatePool authorizes on the pool only: the opt-out list it names needs no statement.
        if reconcile_token is not None:
            properties[PROP_RECONCILE_TOKEN] = reconcile_token
        if removal_property is not None:  # absent means retain: templates without it stay as they were
            properties[PROP_REMOVAL_POLICY] = removal_property

        self._resource = CustomResource(
            self,
            "Resource",
            service_token=provider.service_token,
            resource_type=RESOURCE_TYPE,
            properties=properties,
            service_timeout=SERVICE_TIMEOUT,
            # The resource's own DeletionPolicy stays Delete (CustomResource's default), whatever
            # removal_policy says: the Delete event must reach the handler, which then restores or
            # leaves the settings and always removes its record.
        )
        provider.wait_for_invoke_config(self._resource)
        identity = None
        if not isinstance(pool, PoolSelector):  # a pool found by tag at deploy time cannot be compared
            identity = pool_identity(pool, place, stack)
            if identity is not None:
                check_of(stack).claim(identity, managed_names, self)
        self._drift_alarm: cloudwatch.Alarm | None = None
        if drift_check is not None:
            resource = self._resource.node.default_child
            assert isinstance(resource, CfnResource)
            self._drift_alarm = DriftCheck.of(stack, drift_check, self.node.path).watch(
                self,
                resource=resource,
                pool_id=self.attr_pool_id,
                pool_arn=pool_grant if pool_grant is not None else provider.pattern("pool"),
                place=place,
                correct=drift_auto_correct,
                passes_role=passes_role,
                topic=drift_alarm_topic,
                identity=identity.key if identity is not None else None,
            )
        # No explicit dependency on the role: the ServiceToken's Fn::GetAtt waits for the function, which
        # waits for the role's policy (see _provider.py).
        if isinstance(pool, smsvoice.CfnPool):
            # Again at synth: a property assigned to the CfnPool after this constructor conflicts too.
            # (add_property_override cannot be seen: CDK keeps raw overrides internal until it writes
            # the template, after validation.)
            self.node.add_validation(_NoConflictAtSynth(pool, managed_names))

    @property
    def drift_alarm(self) -> cloudwatch.Alarm | None:
        """The alarm on this pool's ``SettingsDrifted`` metric (shared by the PoolSettings of one pool);
        None without ``drift_check``. Add actions to it: ``drift_alarm.add_ok_action(...)``."""
        return self._drift_alarm

    @property
    def attr_pool_arn(self) -> str:
        """The pool's ARN, as the service reports it (also the resource's physical ID)."""
        return self._resource.get_att_string(ATTR_POOL_ARN)

    @property
    def attr_pool_id(self) -> str:
        """The pool's ID (``pool-...``), even when ``pool`` was given as an ARN."""
        return self._resource.get_att_string(ATTR_POOL_ID)

    @property
    def attr_status(self) -> str:
        """The pool's status after the settings were applied, e.g. ``ACTIVE``."""
        return self._resource.get_att_string(ATTR_STATUS)

    @property
    def attr_message_type(self) -> str:
        """The pool's message type, ``TRANSACTIONAL`` or ``PROMOTIONAL``."""
        return self._resource.get_att_string(ATTR_MESSAGE_TYPE)

    @property
    def attr_changed_fields(self) -> str:
        """Comma-separated property names the last Create or Update wrote; empty when none differed."""
        return self._resource.get_att_string(ATTR_CHANGED_FIELDS)


_REMOVAL_PROPERTIES = {RemovalPolicy.RETAIN: None, RemovalPolicy.DESTROY: REMOVAL_DESTROY}


def _check_drift_options(schedule: object, topic: object, auto_correct: object) -> None:
    """The drift options' combinations and kinds (the schedule's value is ``DriftCheck.check``'s).

    Raises:
        ValueError: ``drift_alarm_topic`` or ``drift_auto_correct=True`` without ``drift_check``.
        TypeError: ``drift_auto_correct`` not a bool, ``drift_alarm_topic`` not an ``sns.ITopic``.
    """
    if not isinstance(auto_correct, bool):
        raise TypeError(f"drift_auto_correct must be True or False, got {auto_correct!r}")
    if topic is not None and not isinstance(getattr(topic, "topic_arn", None), str):
        raise TypeError(f"drift_alarm_topic must be an sns.ITopic, got {topic!r}")
    if schedule is None:
        given = {"drift_alarm_topic": topic is not None, "drift_auto_correct": auto_correct}
        for argument in (name for name, present in given.items() if present):
            raise ValueError(
                f"{argument} needs drift_check: it belongs to the drift check, which is off without a "
                "schedule; give drift_check=aws_events.Schedule.rate(...) too"
            )


def _removal_property(removal_policy: RemovalPolicy) -> str | None:
    """The ``RemovalPolicy`` property for ``removal_policy``: None (absent, retain) or ``destroy``.

    Raises:
        ValueError: another ``RemovalPolicy`` (SNAPSHOT, RETAIN_ON_UPDATE_OR_DELETE).
        TypeError: not a ``RemovalPolicy``.
    """
    rule = (
        "removal_policy must be RemovalPolicy.RETAIN (leave the settings) or RemovalPolicy.DESTROY "
        "(put the prior values back)"
    )
    if not isinstance(removal_policy, RemovalPolicy):
        raise TypeError(f"{rule}, got {removal_policy!r}")
    if removal_policy not in _REMOVAL_PROPERTIES:
        raise ValueError(f"{rule}, got RemovalPolicy.{removal_policy.name}")
    return _REMOVAL_PROPERTIES[removal_policy]


def _check_no_conflict(pool: smsvoice.CfnPool, managed: set[str]) -> None:
    """Raise when the CfnPool declares a setting PoolSettings also manages: they would fight forever."""
    message = _conflict(pool, managed)
    if message:
        raise ValueError(message)


@jsii.implements(IValidation)
class _NoConflictAtSynth:
    """The CfnPool conflict check, run again when the app is synthesized."""

    def __init__(self, pool: smsvoice.CfnPool, managed: set[str]) -> None:
        self._pool = pool
        self._managed = managed

    def validate(self) -> list[str]:
        message = _conflict(self._pool, self._managed)
        return [message] if message else []


def _conflict(pool: smsvoice.CfnPool, managed: set[str]) -> str | None:
    """The message for a CfnPool that declares a setting PoolSettings also manages, or None."""
    conflicts = []
    for row in SETTINGS:
        if row.argument not in managed:
            continue
        attribute, *members = row.cdk_path
        declared = getattr(pool, attribute)
        for member in members:
            if declared is None or is_unresolved(declared):
                break
            declared = _member(declared, member)
        if declared is not None:
            conflicts.append(f"{row.cfn_key} and PoolSettings argument {row.argument}")
    if not conflicts:
        return None
    return (
        f"pool CfnPool {pool.node.path} declares {'; '.join(conflicts)}: the two would fight over the "
        "setting on every deploy; keep it on one of them"
    )


def _member(struct: Any, member: str) -> Any:
    """A member of a CDK struct, given as the struct class or as a dict (snake_case or camelCase keys)."""
    if isinstance(struct, dict):
        camel = re.sub(r"_([a-z])", lambda m: m.group(1).upper(), member)
        return struct.get(member, struct.get(camel))
    return getattr(struct, member, None)


def _channel_arn(channel: str | sns.ITopic | None) -> str | None:
    if channel is None or isinstance(channel, str):
        return channel
    topic_arn = getattr(channel, "topic_arn", None)  # jsii interfaces do not support isinstance()
    if isinstance(topic_arn, str):
        return topic_arn
    raise TypeError(
        f"two_way_channel must be an SNS topic ARN, an sns.ITopic or a Connect endpoint, got {channel!r}"
    )


def _role_arn(role: str | iam.IRole | None) -> str | None:
    if role is None or isinstance(role, str):
        return role
    role_arn = getattr(role, "role_arn", None)
    if isinstance(role_arn, str):
        return role_arn
    raise TypeError(f"two_way_channel_role must be an IAM role ARN or an iam.IRole, got {role!r}")


def _pool_value(pool: str | smsvoice.CfnPool) -> str:
    return pool.attr_pool_id if isinstance(pool, smsvoice.CfnPool) else pool


def _grant_arn(pool: str | smsvoice.CfnPool, provider: PoolSettingsProvider) -> str:
    """The ARN the role needs for ``pool``: its own, or the stack's pattern when it is a token."""
    if isinstance(pool, smsvoice.CfnPool):
        return pool.attr_arn
    if is_unresolved(pool):
        # A token may become an ID or an ARN at deploy time; only the pattern covers both.
        return provider.pattern("pool")
    if pool.startswith("arn:"):
        return pool
    return provider.arn("pool", pool)


def _opt_out_list_value(given: Any) -> str:
    # Ref of an AWS::SMSVOICE::OptOutList is its name, which is what DescribePools reports back.
    if isinstance(given, smsvoice.CfnOptOutList):
        return given.ref
    if isinstance(given, str):
        return given
    raise TypeError(
        f"opt_out_list must be an opt-out list name, an ARN or an aws_smsvoice.CfnOptOutList, got {given!r}"
    )


def _as_given(value: Any) -> Any:
    """A boolean argument goes into the template as given (True/False or a token)."""
    return value


# Per kind of setting (constants.KINDS): the argument as the construct takes it -> its property value.
_PROPERTY_VALUE: dict[str, Callable[[Any], Any]] = {
    BOOLEAN: _as_given,
    TWO_WAY_CHANNEL: _channel_arn,
    IAM_ROLE: _role_arn,
    OPT_OUT_LIST: _opt_out_list_value,
}
