"""Resource providers: how each resource type is applied to the emulated account.

- ``AWS::SMSVOICE::Pool`` and ``AWS::SMSVOICE::OptOutList``: through the SMS API (``client.py``).
- ``Custom::SmsPoolSettings`` (any ``Custom::*`` or ``AWS::CloudFormation::CustomResource`` whose
  ServiceToken is a function in the template): the real handler, through ``invoker.py``.
- IAM, the Lambda function, its log group, CDK metadata: recorded with a physical ID and attributes so
  ``Ref``/``Fn::GetAtt`` resolve, but not applied (they only exist to run the handler in AWS).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any

from pool_settings_handler.constants import BOOLEAN, SETTINGS, SettingRow, parse_flag

from sms_pool_settings_local.deploy.client import SmsClient
from sms_pool_settings_local.deploy.engine import Outcome, Provider, Request
from sms_pool_settings_local.deploy.errors import DeployError, TemplateError

POOL_TYPE = "AWS::SMSVOICE::Pool"
OPT_OUT_LIST_TYPE = "AWS::SMSVOICE::OptOutList"
# The emulator has no phone number inventory: CreatePool needs a country and a message type that
# CloudFormation's resource handler takes from the origination identity. These stand in for them.
LOCAL_ISO_COUNTRY_CODE = "US"
LOCAL_MESSAGE_TYPE = "TRANSACTIONAL"

EVENT_INVOKE_CONFIG_TYPE = "AWS::Lambda::EventInvokeConfig"
NOT_APPLIED_TYPES = (
    "AWS::IAM::Role",
    "AWS::IAM::Policy",
    "AWS::IAM::ManagedPolicy",
    "AWS::Lambda::Function",
    EVENT_INVOKE_CONFIG_TYPE,
    "AWS::Logs::LogGroup",
    "AWS::SNS::Topic",
    "AWS::CDK::Metadata",
)


def _is_true(value: Any) -> bool:
    return value is True or value == "true"


def _flag(value: Any, name: str, logical: str) -> bool:
    try:
        return parse_flag(value)
    except ValueError:
        raise DeployError(
            f"Properties validation failed for resource {logical}: {name} expected boolean, got {value!r}"
        ) from None


def pool_settings(
    properties: dict[str, Any], logical: str, table: tuple[SettingRow, ...] = SETTINGS
) -> dict[str, Any]:
    """The UpdatePool settings an ``AWS::SMSVOICE::Pool`` declares, with the service's defaults for the
    absent ones (a property removed from the template goes back to its default, as CloudFormation does).

    Each row of ``table`` (default: the handler's ``constants.SETTINGS``) names its CfnPool property
    and default; a row without a default is left out when the template leaves it out.

    Example:
        >>> pool_settings({"TwoWay": {"Enabled": True}}, "P")["TwoWayEnabled"]
        True
    """
    settings: dict[str, Any] = {}
    for row in table:
        *parents, leaf = row.cfn_path
        container = properties
        for parent in parents:
            container = container.get(parent) or {}
        if leaf in container:
            value = container[leaf]
        elif row.cfn_default is not None:
            value = row.cfn_default
        else:
            continue
        settings[row.key] = _flag(value, row.cfn_key, logical) if row.kind == BOOLEAN else value
    return settings


class PoolProvider:
    """``AWS::SMSVOICE::Pool``: CreatePool, then UpdatePool with only the settings that changed; DeletePool.

    No property of the type is create-only (CloudFormation's resource schema lists none), so a change
    is always an update. Keywords, extra origination identities and tags are recorded, not applied: the
    emulator has no keyword or association API.
    """

    local = True
    attributes = frozenset({"PoolId", "Arn"})  # the resource schema's readOnlyProperties we emulate

    def __init__(self, client: SmsClient) -> None:
        self.client = client

    def create(self, request: Request) -> Outcome:
        props = request.properties
        identities = props.get("OriginationIdentities")
        if not isinstance(identities, list) or not identities:
            raise DeployError(
                f"Properties validation failed for resource {request.logical_id}: "
                f"OriginationIdentities must be a non-empty list, got {identities!r}"
            )
        settings = pool_settings(props, request.logical_id)
        params: dict[str, Any] = {
            "OriginationIdentity": str(identities[0]),
            "IsoCountryCode": LOCAL_ISO_COUNTRY_CODE,
            "MessageType": LOCAL_MESSAGE_TYPE,
            "DeletionProtectionEnabled": settings["DeletionProtectionEnabled"],
        }
        if props.get("Tags"):
            params["Tags"] = props["Tags"]
        pool = self.client.create_pool(**params)
        defaults = pool_settings({}, request.logical_id)
        changed = {
            k: v for k, v in settings.items() if k != "DeletionProtectionEnabled" and defaults.get(k) != v
        }
        if changed:
            try:
                self.client.update_pool(pool["PoolId"], **changed)
            except DeployError as exc:
                exc.physical_id = pool["PoolId"]
                raise
        return Outcome(pool["PoolId"], {"PoolId": pool["PoolId"], "Arn": pool["PoolArn"]})

    def update(self, request: Request) -> Outcome:
        assert request.physical_id is not None and request.old_properties is not None
        new = pool_settings(request.properties, request.logical_id)
        old = pool_settings(request.old_properties, request.logical_id)
        changed = {k: v for k, v in new.items() if old.get(k) != v}
        if changed:
            pool = self.client.update_pool(request.physical_id, **changed)
        else:
            pool = self.client.describe_pool(request.physical_id)
        return Outcome(request.physical_id, {"PoolId": pool["PoolId"], "Arn": pool["PoolArn"]})

    def delete(self, request: Request) -> None:
        assert request.physical_id is not None
        try:
            self.client.delete_pool(request.physical_id)
        except DeployError as exc:
            if not SmsClient.is_not_found(exc):
                raise

    def replacement_properties(self, old: dict[str, Any], new: dict[str, Any]) -> list[str]:
        return []

    def ref(self, physical_id: str, attributes: dict[str, Any]) -> Any:
        return physical_id


class OptOutListProvider:
    """``AWS::SMSVOICE::OptOutList``: CreateOptOutList / DeleteOptOutList; a new name means replacement.

    ``OptOutListName`` is create-only in CloudFormation's schema; without one, a name is generated from
    the stack and logical ID as CloudFormation does. Tags are recorded, not applied.
    """

    local = True
    attributes = frozenset({"Arn"})

    def __init__(self, client: SmsClient, stack_name: str, account: str) -> None:
        self.client = client
        self.stack_name = stack_name
        self.account = account

    def _name(self, request: Request) -> str:
        name = request.properties.get("OptOutListName")
        if name:
            return str(name)
        return physical_name(self.stack_name, request.logical_id, 64)

    def create(self, request: Request) -> Outcome:
        answer = self.client.create_opt_out_list(self._name(request), request.properties.get("Tags"))
        return Outcome(answer["OptOutListName"], {"Arn": answer["OptOutListArn"]})

    def update(self, request: Request) -> Outcome:
        assert request.physical_id is not None
        arn = f"arn:aws:sms-voice:{self.client.region}:{self.account}:opt-out-list/{request.physical_id}"
        return Outcome(request.physical_id, {"Arn": arn})

    def delete(self, request: Request) -> None:
        assert request.physical_id is not None
        try:
            self.client.delete_opt_out_list(request.physical_id)
        except DeployError as exc:
            if not SmsClient.is_not_found(exc):
                raise

    def replacement_properties(self, old: dict[str, Any], new: dict[str, Any]) -> list[str]:
        return ["OptOutListName"] if old.get("OptOutListName") != new.get("OptOutListName") else []

    def ref(self, physical_id: str, attributes: dict[str, Any]) -> Any:
        return physical_id


def physical_name(stack_name: str, logical_id: str, limit: int) -> str:
    """A name like CloudFormation generates (``Stack-Logical-HASH``), deterministic per stack and resource."""
    suffix = hashlib.sha256(f"{stack_name}/{logical_id}".encode()).hexdigest()[:12].upper()
    head = f"{stack_name}-{logical_id}"[: limit - len(suffix) - 1]
    return f"{head}-{suffix}"


class NotAppliedProvider:
    """Types that only exist to run the handler in AWS: recorded (for Ref and Fn::GetAtt), never applied."""

    local = False
    attributes = None  # cfn-lint checks them against the resource schemas; these record a few

    def __init__(self, stack_name: str, region: str, account: str) -> None:
        self.stack_name, self.region, self.account = stack_name, region, account

    def create(self, request: Request) -> Outcome:
        props, rtype = request.properties, request.resource_type
        arn_prefix = f"arn:aws:{{service}}:{self.region}:{self.account}:"
        if rtype == "AWS::Lambda::Function":
            name = props.get("FunctionName") or physical_name(self.stack_name, request.logical_id, 64)
            arn = arn_prefix.format(service="lambda") + f"function:{name}"
            return Outcome(name, {"Arn": arn})
        if rtype == "AWS::IAM::Role":
            name = props.get("RoleName") or physical_name(self.stack_name, request.logical_id, 64)
            arn = f"arn:aws:iam::{self.account}:role{props.get('Path', '/')}{name}"
            return Outcome(name, {"Arn": arn, "RoleId": "AROA" + name[-12:]})
        if rtype == "AWS::SNS::Topic":
            # Ref is the topic's ARN, Fn::GetAtt gives TopicArn and TopicName; a FIFO topic's name ends
            # in .fifo (CloudFormation User Guide, AWS::SNS::Topic, "Return values" and TopicName).
            name = props.get("TopicName") or physical_name(self.stack_name, request.logical_id, 251)
            if _is_true(props.get("FifoTopic")) and not name.endswith(".fifo"):
                name += ".fifo"
            arn = arn_prefix.format(service="sns") + name
            return Outcome(arn, {"TopicArn": arn, "TopicName": name})
        if rtype == "AWS::Logs::LogGroup":
            name = props.get("LogGroupName") or physical_name(self.stack_name, request.logical_id, 512)
            return Outcome(name, {"Arn": arn_prefix.format(service="logs") + f"log-group:{name}:*"})
        return Outcome(physical_name(self.stack_name, request.logical_id, 128), {})

    def update(self, request: Request) -> Outcome:
        return self.create(request)

    def delete(self, request: Request) -> None:
        return None

    def replacement_properties(self, old: dict[str, Any], new: dict[str, Any]) -> list[str]:
        return []

    def ref(self, physical_id: str, attributes: dict[str, Any]) -> Any:
        return physical_id


def provider_lookup(
    *,
    pool: Provider,
    opt_out_list: Provider,
    custom: Callable[[str], Provider | None],
    not_applied: Provider,
) -> Callable[[str, str], Provider]:
    """(type, logical ID) -> provider; a type nothing can emulate is a ``TemplateError`` naming both."""

    def lookup(resource_type: str, logical_id: str) -> Provider:
        if resource_type == POOL_TYPE:
            return pool
        if resource_type == OPT_OUT_LIST_TYPE:
            return opt_out_list
        if resource_type in NOT_APPLIED_TYPES:
            return not_applied
        if resource_type.startswith("Custom::") or resource_type == "AWS::CloudFormation::CustomResource":
            found = custom(resource_type)
            if found is not None:
                return found
        raise TemplateError(
            f"{logical_id}: resource type {resource_type} cannot be emulated locally; the driver applies "
            f"{POOL_TYPE}, {OPT_OUT_LIST_TYPE} and Custom::SmsPoolSettings, and records "
            f"{', '.join(NOT_APPLIED_TYPES)} as not applied"
        )

    return lookup
