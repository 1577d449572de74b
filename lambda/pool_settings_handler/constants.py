"""Names shared by the construct and the handler.

The custom resource's properties are exactly ``UpdatePool``'s parameter names, so the template reads
like the API call it becomes. The construct emits these keys and the handler accepts only these keys;
``tests/cdk/test_contract.py`` holds the two sides together.
"""

from typing import Final

RESOURCE_TYPE: Final = "Custom::SmsPoolSettings"

# --- Properties (CloudFormation keys, PascalCase as in the API) ---------------------------------
PROP_SERVICE_TOKEN: Final = "ServiceToken"  # noqa: S105 (a property name, not a secret)
PROP_POOL_ID: Final = "PoolId"
# Instead of PoolId: the pool found at deploy time by tag, {"TagKey": ..., "TagValue": ...} (lookup.py).
PROP_POOL_SELECTOR: Final = "PoolSelector"
SELECTOR_TAG_KEY: Final = "TagKey"
SELECTOR_TAG_VALUE: Final = "TagValue"
PROP_TWO_WAY_ENABLED: Final = "TwoWayEnabled"
PROP_TWO_WAY_CHANNEL_ARN: Final = "TwoWayChannelArn"
PROP_TWO_WAY_CHANNEL_ROLE: Final = "TwoWayChannelRole"
PROP_SELF_MANAGED_OPT_OUTS_ENABLED: Final = "SelfManagedOptOutsEnabled"
PROP_OPT_OUT_LIST_NAME: Final = "OptOutListName"
PROP_SHARED_ROUTES_ENABLED: Final = "SharedRoutesEnabled"
PROP_DELETION_PROTECTION_ENABLED: Final = "DeletionProtectionEnabled"
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

BOOLEAN_SETTINGS: Final = (
    PROP_TWO_WAY_ENABLED,
    PROP_SELF_MANAGED_OPT_OUTS_ENABLED,
    PROP_SHARED_ROUTES_ENABLED,
    PROP_DELETION_PROTECTION_ENABLED,
)
STRING_SETTINGS: Final = (
    PROP_TWO_WAY_CHANNEL_ARN,
    PROP_TWO_WAY_CHANNEL_ROLE,
    PROP_OPT_OUT_LIST_NAME,
)
# Every setting the resource can manage, in UpdatePool's parameter order.
MANAGED_SETTINGS: Final = (
    PROP_TWO_WAY_ENABLED,
    PROP_TWO_WAY_CHANNEL_ARN,
    PROP_TWO_WAY_CHANNEL_ROLE,
    PROP_SELF_MANAGED_OPT_OUTS_ENABLED,
    PROP_OPT_OUT_LIST_NAME,
    PROP_SHARED_ROUTES_ENABLED,
    PROP_DELETION_PROTECTION_ENABLED,
)
ALL_PROPERTIES: Final = (
    PROP_SERVICE_TOKEN,
    PROP_SERVICE_TIMEOUT,
    PROP_POOL_ID,
    PROP_POOL_SELECTOR,
    *MANAGED_SETTINGS,
    PROP_RECONCILE_TOKEN,
    PROP_REMOVAL_POLICY,
)

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

# --- Service rules, from botocore's model of pinpoint-sms-voice-v2 (2022-03-31) ------------------
POOL_ID_OR_ARN_PATTERN: Final = r"[A-Za-z0-9_:/-]{1,256}"
OPT_OUT_LIST_NAME_OR_ARN_PATTERN: Final = r"[A-Za-z0-9_:/-]{1,256}"
OPT_OUT_LIST_NAME_PATTERN: Final = r"[A-Za-z0-9_-]{1,64}"
ARN_MIN_LENGTH: Final = 20
ARN_MAX_LENGTH: Final = 2048
# ARN parts both sides check: the construct at synth time, the handler at deploy time. One definition, so
# nothing passes synth that the handler would then reject.
ARN_PARTITION_PATTERN: Final = r"aws(?:-[a-z]+)*"
ARN_REGION_PATTERN: Final = r"[a-z]{2}(?:-[a-z]+)+-\d{1,2}"
ARN_ACCOUNT_PATTERN: Final = r"\d{12}"
POOL_ID_IN_ARN_PATTERN: Final = r"[A-Za-z0-9_-]+"
SNS_TOPIC_NAME_PATTERN: Final = r"[A-Za-z0-9_-]{1,256}(?:\.fifo)?"
# IAM: a path of printable ASCII up to 512 characters with its slashes; a name of ASCII letters, digits
# and +=,.@_- (Python's \w would also let non-ASCII letters through).
IAM_ROLE_PATH_PATTERN: Final = r"[\x21-\x7e]{1,510}"
IAM_ROLE_NAME_PATTERN: Final = r"[A-Za-z0-9_+=,.@-]{1,64}"
SERVICE_PRINCIPAL: Final = "sms-voice.amazonaws.com"
IAM_SERVICE_PREFIX: Final = "sms-voice"

# CloudFormation truncates nothing below this; crhelper keeps only the last 240 characters above it.
MAX_REASON_LENGTH: Final = 256
# CloudFormation rejects a custom resource response body larger than this.
MAX_RESPONSE_BYTES: Final = 4096
