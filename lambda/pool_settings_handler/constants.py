"""Names shared by the construct and the handler.

The custom resource's properties are exactly ``UpdatePool``'s parameter names, so the template reads
like the API call it becomes. The construct emits these keys and the handler accepts only these keys;
``tests/cdk/test_contract.py`` holds the two sides together. Each setting is declared once, as a row of
``SETTINGS`` below, which the handler's parser, the construct's validation and the local driver all read.
"""

import re
from dataclasses import dataclass
from typing import Final

# === The settings table: one row per pool setting, read by the handler, the construct and the driver ===
#
# A row says everything a reader needs about one ``UpdatePool`` parameter: its property key (the API's
# name), the construct's keyword argument, its kind, the service's pattern and lengths for it (botocore's
# model of ``pinpoint-sms-voice-v2`` 2022-03-31, ``UpdatePoolRequest``; ``tests/cdk/test_settings_table.py``
# checks them against the installed botocore), and its ``AWS::SMSVOICE::Pool`` counterpart (CloudFormation
# User Guide, "AWS::SMSVOICE::Pool": ``TwoWay``, ``SelfManagedOptOutsEnabled``, ``OptOutListName``,
# ``SharedRoutesEnabled``, ``DeletionProtectionEnabled``).
#
# Readers: ``properties.parse_properties`` (the handler's deploy-time rules, one per kind), ``diff`` and
# ``records`` (through ``constants.MANAGED_SETTINGS``), the construct's ``_validation.check_settings`` and
# its CfnPool conflict check, and the local driver's ``providers.pool_settings``. Adding a setting of an
# existing kind is one more row (CONTRIBUTING.md, "Adding a setting").

# --- Kinds: each has one rule per reader (the handler's parser, the construct's check) -------------------
BOOLEAN: Final = "boolean"
TWO_WAY_CHANNEL: Final = "two-way channel"  # an SNS topic ARN, or Amazon Connect's endpoint
IAM_ROLE: Final = "IAM role ARN"
OPT_OUT_LIST: Final = "opt-out list name or ARN"
KINDS: Final = (BOOLEAN, TWO_WAY_CHANNEL, IAM_ROLE, OPT_OUT_LIST)

# --- ARN parts both sides check: the construct at synth time, the handler at deploy time ---------------
# One definition, so nothing passes synth that the handler would then reject.
ARN_PARTITION_PATTERN: Final = r"aws(?:-[a-z]+)*"
ARN_REGION_PATTERN: Final = r"[a-z]{2}(?:-[a-z]+)+-\d{1,2}"
ARN_ACCOUNT_PATTERN: Final = r"\d{12}"
POOL_ID_OR_ARN_PATTERN: Final = r"[A-Za-z0-9_:/-]{1,256}"
POOL_ID_IN_ARN_PATTERN: Final = r"[A-Za-z0-9_-]+"
OPT_OUT_LIST_NAME_OR_ARN_PATTERN: Final = r"[A-Za-z0-9_:/-]{1,256}"
OPT_OUT_LIST_NAME_PATTERN: Final = r"[A-Za-z0-9_-]{1,64}"
# SNS: a topic name of 1 to 256 letters, digits, _ and -, with .fifo for a FIFO topic (SNS API Reference,
# CreateTopic, Name).
SNS_TOPIC_NAME_PATTERN: Final = r"[A-Za-z0-9_-]{1,256}(?:\.fifo)?"
# IAM: a path of printable ASCII up to 512 characters with its slashes; a name of ASCII letters, digits
# and +=,.@_- (IAM User Guide, "IAM object quotas" and "IAM identifiers"; Python's \w would also let
# non-ASCII letters through).
IAM_ROLE_PATH_PATTERN: Final = r"[\x21-\x7e]{1,510}"
IAM_ROLE_NAME_PATTERN: Final = r"[A-Za-z0-9_+=,.@-]{1,64}"
# botocore: TwoWayChannelArn and TwoWayChannelRole are 20 to 2048 characters.
ARN_MIN_LENGTH: Final = 20
ARN_MAX_LENGTH: Final = 2048

_PARTITION = rf"(?P<partition>{ARN_PARTITION_PATTERN})"
_REGION = rf"(?P<region>{ARN_REGION_PATTERN})"
_ACCOUNT = rf"(?P<account>{ARN_ACCOUNT_PATTERN})"
POOL_ARN_RE: Final = re.compile(
    rf"arn:{_PARTITION}:sms-voice:{_REGION}:{_ACCOUNT}:pool/(?P<id>{POOL_ID_IN_ARN_PATTERN})"
)
OPT_OUT_LIST_ARN_RE: Final = re.compile(
    rf"arn:{_PARTITION}:sms-voice:{_REGION}:{_ACCOUNT}:opt-out-list/(?P<name>{OPT_OUT_LIST_NAME_PATTERN})"
)
SNS_TOPIC_ARN_RE: Final = re.compile(rf"arn:{_PARTITION}:sns:{_REGION}:{_ACCOUNT}:{SNS_TOPIC_NAME_PATTERN}")
# Amazon Connect as the two-way destination is named by its endpoint, not by an ARN.
CONNECT_CHANNEL_RE: Final = re.compile(rf"connect\.{_REGION}\.amazonaws\.com")
IAM_ROLE_ARN_RE: Final = re.compile(
    rf"arn:{_PARTITION}:iam::{_ACCOUNT}:role/(?:{IAM_ROLE_PATH_PATTERN}/)?{IAM_ROLE_NAME_PATTERN}"
)

# The shapes messages show, one spelling for both sides.
POOL_ARN_SHAPE: Final = "arn:<partition>:sms-voice:<region>:<account>:pool/<pool ID>"
OPT_OUT_LIST_ARN_SHAPE: Final = "arn:<partition>:sms-voice:<region>:<account>:opt-out-list/<name>"
TOPIC_ARN_SHAPE: Final = "arn:<partition>:sns:<region>:<account>:<topic name>"
ROLE_ARN_SHAPE: Final = "arn:<partition>:iam::<account>:role/<name>"
CONNECT_CHANNEL_SHAPE: Final = "connect.<region>.amazonaws.com"


@dataclass(frozen=True)
class SettingRow:
    """One pool setting, as every reader needs it.

    Attributes:
        key: the property key, exactly ``UpdatePool``'s parameter name (PascalCase).
        argument: the ``PoolSettings`` keyword argument (snake_case).
        kind: one of ``KINDS``; it picks the rule each reader applies.
        api_pattern: botocore's pattern for the parameter. Default: - none (booleans)
        api_min: botocore's minimum length. Default: - none
        api_max: botocore's maximum length. Default: - none
        cfn_path: the ``AWS::SMSVOICE::Pool`` property that sets the same thing, as CloudFormation keys
            (``("TwoWay", "Enabled")``).
        cdk_path: the same property as ``aws_smsvoice.CfnPool`` attributes (``("two_way", "enabled")``).
        cfn_default: what the pool has when the CfnPool leaves the property out (the service's default).
            Default: - none: the setting is left out.
    """

    key: str
    argument: str
    kind: str
    cfn_path: tuple[str, ...]
    cdk_path: tuple[str, ...]
    api_pattern: str | None = None
    api_min: int | None = None
    api_max: int | None = None
    cfn_default: bool | str | None = None

    @property
    def cfn_key(self) -> str:
        """The CfnPool property as CloudFormation documents it, dotted: ``TwoWay.Enabled``."""
        return ".".join(self.cfn_path)


# In UpdatePool's parameter order (botocore's model), which is the order of ChangedFields and Data.
SETTINGS: Final = (
    SettingRow("TwoWayEnabled", "two_way_enabled", BOOLEAN, ("TwoWay", "Enabled"), ("two_way", "enabled"),
               cfn_default=False),
    SettingRow("TwoWayChannelArn", "two_way_channel", TWO_WAY_CHANNEL, ("TwoWay", "ChannelArn"),
               ("two_way", "channel_arn"), api_pattern=r"\S+", api_min=ARN_MIN_LENGTH,
               api_max=ARN_MAX_LENGTH),
    SettingRow("TwoWayChannelRole", "two_way_channel_role", IAM_ROLE, ("TwoWay", "ChannelRole"),
               ("two_way", "channel_role"), api_pattern=r"arn:\S+", api_min=ARN_MIN_LENGTH,
               api_max=ARN_MAX_LENGTH),
    SettingRow("SelfManagedOptOutsEnabled", "self_managed_opt_outs_enabled", BOOLEAN,
               ("SelfManagedOptOutsEnabled",), ("self_managed_opt_outs_enabled",), cfn_default=False),
    SettingRow("OptOutListName", "opt_out_list", OPT_OUT_LIST, ("OptOutListName",), ("opt_out_list_name",),
               api_pattern=r"[A-Za-z0-9_:/-]+", api_min=1, api_max=256, cfn_default="Default"),
    SettingRow("SharedRoutesEnabled", "shared_routes_enabled", BOOLEAN, ("SharedRoutesEnabled",),
               ("shared_routes_enabled",), cfn_default=False),
    SettingRow("DeletionProtectionEnabled", "deletion_protection_enabled", BOOLEAN,
               ("DeletionProtectionEnabled",), ("deletion_protection_enabled",), cfn_default=False),
)  # fmt: skip


def by_argument(argument: str, table: tuple[SettingRow, ...] = SETTINGS) -> SettingRow:
    """The row of a construct argument.

    Raises:
        KeyError: no row has that argument.

    Example:
        >>> by_argument("opt_out_list").key
        'OptOutListName'
    """
    for row in table:
        if row.argument == argument:
            return row
    raise KeyError(argument)


def parse_flag(value: object) -> bool:
    """The one rule for a boolean in a template: ``True``/``False``, or exactly ``"true"``/``"false"``.

    CloudFormation hands every scalar to a custom resource as a string, and its resource handlers accept
    the same two strings for a Boolean property; real booleans come from direct invocations.

    Raises:
        ValueError: anything else (``"True"``, ``"yes"``, ``1``).

    Example:
        >>> parse_flag("false"), parse_flag(True)
        (False, True)
    """
    if isinstance(value, bool):
        return value
    if value == "true":
        return True
    if value == "false":
        return False
    raise ValueError(value)


RESOURCE_TYPE: Final = "Custom::SmsPoolSettings"

# --- Properties (CloudFormation keys, PascalCase as in the API) ---------------------------------
PROP_SERVICE_TOKEN: Final = "ServiceToken"  # noqa: S105 (a property name, not a secret)
PROP_POOL_ID: Final = "PoolId"
# Instead of PoolId: the pool found at deploy time by tag, {"TagKey": ..., "TagValue": ...} (lookup.py).
PROP_POOL_SELECTOR: Final = "PoolSelector"
SELECTOR_TAG_KEY: Final = "TagKey"
SELECTOR_TAG_VALUE: Final = "TagValue"
# The settings themselves are rows of ``SETTINGS``; these names are for the code that treats
# one of them apart (a new setting needs none).
PROP_TWO_WAY_ENABLED: Final = by_argument("two_way_enabled").key
PROP_TWO_WAY_CHANNEL_ARN: Final = by_argument("two_way_channel").key
PROP_TWO_WAY_CHANNEL_ROLE: Final = by_argument("two_way_channel_role").key
PROP_SELF_MANAGED_OPT_OUTS_ENABLED: Final = by_argument("self_managed_opt_outs_enabled").key
PROP_OPT_OUT_LIST_NAME: Final = by_argument("opt_out_list").key
PROP_SHARED_ROUTES_ENABLED: Final = by_argument("shared_routes_enabled").key
PROP_DELETION_PROTECTION_ENABLED: Final = by_argument("deletion_protection_enabled").key
# Not an API parameter: any change to it makes CloudFormation send an Update, which re-applies the
# declared settings to the live pool. A pipeline feeds it a build ID to correct drift on demand.
PROP_RECONCILE_TOKEN: Final = "ReconcileToken"  # noqa: S105 (a property name, not a secret)
# CloudFormation's own, like ServiceToken: how long it waits for an answer. CDK's CustomResource emits it
# and CloudFormation passes it on in ResourceProperties, so the handler must accept (and ignore) it.
PROP_SERVICE_TIMEOUT: Final = "ServiceTimeout"
# What a Delete (the resource removed, the stack deleted) and an Update that stops managing a setting do
# with the pool's settings, in CDK's words: "retain" (the default when absent) leaves them, "destroy"
# puts back the values the pool had before this resource first managed them. Never sent to the API.
PROP_REMOVAL_POLICY: Final = "RemovalPolicy"
REMOVAL_RETAIN: Final = "retain"
REMOVAL_DESTROY: Final = "destroy"
REMOVAL_POLICIES: Final = (REMOVAL_RETAIN, REMOVAL_DESTROY)

BOOLEAN_SETTINGS: Final = tuple(row.key for row in SETTINGS if row.kind == BOOLEAN)
STRING_SETTINGS: Final = tuple(row.key for row in SETTINGS if row.kind != BOOLEAN)
# Every setting the resource can manage, in UpdatePool's parameter order.
MANAGED_SETTINGS: Final = tuple(row.key for row in SETTINGS)


def all_properties(table: tuple[SettingRow, ...] = SETTINGS) -> tuple[str, ...]:
    """Every key the resource accepts with the settings of ``table``: its own keys around the settings.

    Example:
        >>> all_properties()[4:6]
        ('TwoWayEnabled', 'TwoWayChannelArn')
    """
    return (
        PROP_SERVICE_TOKEN,
        PROP_SERVICE_TIMEOUT,
        PROP_POOL_ID,
        PROP_POOL_SELECTOR,
        *(row.key for row in table),
        PROP_RECONCILE_TOKEN,
        PROP_REMOVAL_POLICY,
    )


ALL_PROPERTIES: Final = all_properties()

# --- Records: what each resource wrote, in SSM Parameter Store (docs/handler.md, "Records") ---------
# One String parameter per resource: RECORD_PREFIX/<pool ID>/<stack UUID>/<logical ID>. The construct
# grants the ssm: actions on this prefix only.
RECORD_PREFIX: Final = "/sms-pool-settings"
# A Standard-tier parameter's value holds at most 4 KB (Systems Manager User Guide, "Managing parameter
# tiers").
MAX_RECORD_BYTES: Final = 4096
# The stack statuses in which CloudFormation rolls a failed operation back (CloudFormation User Guide,
# "Stack status codes"): the events it sends then undo what the failed operation did.
ROLLBACK_STATUSES: Final = (
    "ROLLBACK_IN_PROGRESS",
    "UPDATE_ROLLBACK_IN_PROGRESS",
    "UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS",
)

# --- Attributes (response Data keys, read with Fn::GetAtt) ---------------------------------------
ATTR_POOL_ARN: Final = "PoolArn"
ATTR_POOL_ID: Final = "PoolId"
ATTR_STATUS: Final = "Status"
ATTR_MESSAGE_TYPE: Final = "MessageType"
ATTR_CHANGED_FIELDS: Final = "ChangedFields"

# --- Service rules: each setting's pattern and the ARN parts are in the settings table above ----------
SERVICE_PRINCIPAL: Final = "sms-voice.amazonaws.com"
IAM_SERVICE_PREFIX: Final = "sms-voice"

# CloudFormation truncates nothing below this; crhelper keeps only the last 240 characters above it.
MAX_REASON_LENGTH: Final = 256
# CloudFormation rejects a custom resource response body larger than this.
MAX_RESPONSE_BYTES: Final = 4096

# The scheduled drift check (drift_check.py), read by the construct that schedules it and alarms on its
# metric (cdk/sms_pool_settings/_drift_check.py): CloudWatch namespace, metric and dimension; the keys of
# the rule's input listing the logical IDs to check and to correct; the function's environment variable
# holding the ID of the stack whose PoolSettings it checks.
DRIFT_NAMESPACE: Final = "SmsPoolSettings"
DRIFT_METRIC_NAME: Final = "SettingsDrifted"
DRIFT_DIMENSION: Final = "PoolId"
DRIFT_CHECK_KEY: Final = "Check"
DRIFT_CORRECT_KEY: Final = "Correct"
DRIFT_STACK_ID_VARIABLE: Final = "SMS_POOL_SETTINGS_STACK_ID"
