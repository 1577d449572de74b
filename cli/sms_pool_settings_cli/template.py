"""The declared properties of a deployed resource, read back from CloudFormation's own answers (pure).

Used only for a ``PoolSettings`` without a record (deployed by a version before records, or its record
deleted out of band). The inputs are what CloudFormation reports for the deployed stack: the template
(GetTemplate), the parameter values as deployed (DescribeStacks; never the template's ``Default``,
which a deploy may have overridden), each resource's physical ID (ListStackResources) and the region's
exports (ListExports). Anything these cannot determine raises ``UndeterminedError`` naming the resource,
the property and the intrinsic: a drift report must never say "in sync" about a value it did not know.

Intrinsics (CloudFormation User Guide, "Intrinsic function reference"; "Pseudo parameters reference"):
``Ref``, ``Fn::GetAtt`` for the attributes below, ``Fn::ImportValue``, ``Fn::Join``, ``Fn::Sub``,
``Fn::Select``, ``Fn::Split``, ``Fn::FindInMap``, ``Fn::If`` with the template's ``Conditions``
(``Fn::Equals``, ``Fn::And``, ``Fn::Or``, ``Fn::Not``, ``Condition``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import pool_settings_handler.constants as c

from sms_pool_settings_cli.errors import UndeterminedError

NO_VALUE = "AWS::NoValue"
# DescribeStacks shows a NoEcho parameter's value as asterisks (CloudFormation User Guide, "Parameters",
# NoEcho): the deployed value cannot be read back.
LIST_PARAMETER_TYPES = ("CommaDelimitedList", "List<")
# The properties a drift check needs: the pool and the settings (ServiceToken, ServiceTimeout and
# ReconcileToken tell nothing about the pool and may use intrinsics this reader does not follow).
READ_PROPERTIES = (c.PROP_POOL_ID, c.PROP_POOL_SELECTOR, *c.MANAGED_SETTINGS, c.PROP_REMOVAL_POLICY)

_SUB_RE = re.compile(r"\$\{([^}]*)\}")


class _NoValue:
    """``Ref AWS::NoValue``: the property or list item is removed."""


_REMOVED = _NoValue()


@dataclass(frozen=True)
class Deployed:
    """What CloudFormation reports about one deployed stack.

    Attributes:
        template: the processed template (GetTemplate).
        parameters: parameter name -> value as deployed (DescribeStacks).
        physical_ids: logical ID -> physical ID (ListStackResources).
        exports: export name -> value (ListExports). Default: - none (any ``Fn::ImportValue`` fails).
    """

    template: Mapping[str, Any]
    stack_name: str
    stack_id: str
    parameters: Mapping[str, str]
    physical_ids: Mapping[str, str]
    exports: Mapping[str, str] = field(default_factory=dict)

    @property
    def partition(self) -> str:
        """The partition of the stack ID ``arn:<partition>:cloudformation:<region>:<account>:stack/...``
        (``AWS::Partition``)."""
        return self.stack_id.split(":")[1]

    @property
    def region(self) -> str:
        """The region of the stack ID (``AWS::Region``)."""
        return self.stack_id.split(":")[3]

    @property
    def account(self) -> str:
        """The account of the stack ID (``AWS::AccountId``)."""
        return self.stack_id.split(":")[4]


def imports_anything(value: Any) -> bool:
    """Whether ``value`` holds an ``Fn::ImportValue`` (then the region's exports are needed).

    Example:
        >>> imports_anything({"A": [{"Fn::ImportValue": "X"}]}), imports_anything({"Ref": "P"})
        (True, False)
    """
    if isinstance(value, Mapping):
        return "Fn::ImportValue" in value or any(imports_anything(v) for v in value.values())
    if isinstance(value, list):
        return any(imports_anything(v) for v in value)
    return False


def declared_properties(deployed: Deployed, logical_id: str) -> dict[str, Any]:
    """The resolved pool and settings properties of resource ``logical_id`` as deployed.

    Raises:
        UndeterminedError: naming the resource, the property and what could not be determined.

    Example:
        >>> stack = "arn:aws:cloudformation:us-east-1:123456789012:stack/S/uuid"
        >>> template = {"Parameters": {"Protect": {"Type": "String", "Default": "true"}},
        ...             "Resources": {"Settings": {"Type": "Custom::SmsPoolSettings", "Properties": {
        ...                 "ServiceToken": {"Fn::GetAtt": ["Provider", "Arn"]}, "PoolId": "pool-1",
        ...                 "DeletionProtectionEnabled": {"Ref": "Protect"}}}}}
        >>> declared_properties(Deployed(template, "S", stack, {"Protect": "false"}, {}), "Settings")
        {'PoolId': 'pool-1', 'DeletionProtectionEnabled': 'false'}
    """
    resources = deployed.template.get("Resources") or {}
    spec = resources.get(logical_id)
    if not isinstance(spec, Mapping):
        raise UndeterminedError(f"{logical_id}: the deployed template has no such resource")
    properties = spec.get("Properties") or {}
    resolved: dict[str, Any] = {}
    for key in READ_PROPERTIES:
        if key in properties:
            value = _Resolver(deployed, f"{logical_id}.{key}").resolve(properties[key])
            if value is not _REMOVED:
                resolved[key] = value
    return resolved


@dataclass
class _Resolver:
    deployed: Deployed
    where: str

    def fail(self, what: str) -> UndeterminedError:
        return UndeterminedError(f"{self.deployed.stack_name} {self.where}: {what}")

    # --- values --------------------------------------------------------------------------------
    def resolve(self, value: Any) -> Any:
        if isinstance(value, list):
            items = [self.resolve(v) for v in value]
            return [v for v in items if v is not _REMOVED]
        if not isinstance(value, Mapping):
            return value
        if len(value) == 1:
            (name, argument), *_ = value.items()
            function = _FUNCTIONS.get(name)
            if function is not None:
                return function(self, argument)
            if name.startswith("Fn::"):
                raise self.fail(f"{name} cannot be read back from CloudFormation's answers")
        members = {k: self.resolve(v) for k, v in value.items()}
        return {k: v for k, v in members.items() if v is not _REMOVED}

    def string(self, value: Any, function: str) -> str:
        resolved = self.resolve(value)
        if isinstance(resolved, bool):
            return "true" if resolved else "false"
        if not isinstance(resolved, str | int | float):
            raise self.fail(f"{function} expects a string, got {resolved!r}")
        return str(resolved)

    def strings(self, value: Any, function: str) -> list[str]:
        resolved = self.resolve(value)
        if not isinstance(resolved, list):
            raise self.fail(f"{function} expects a list, got {resolved!r}")
        return [self.string(v, function) for v in resolved]

    # --- Ref and GetAtt ----------------------------------------------------------------------------
    def ref(self, name: Any) -> Any:
        if not isinstance(name, str):
            raise self.fail(f"Ref expects a name, got {name!r}")
        pseudo = self.pseudo(name)
        if pseudo is not None:
            return pseudo
        parameters = self.deployed.template.get("Parameters") or {}
        if name in parameters:
            return self.parameter(name, parameters[name] or {})
        if name in (self.deployed.template.get("Resources") or {}):
            physical = self.deployed.physical_ids.get(name)
            if not physical:
                raise self.fail(f"Ref {name}: CloudFormation reports no physical ID for it")
            return physical
        raise self.fail(f"Ref {name}: no such parameter, resource or pseudo parameter")

    def pseudo(self, name: str) -> Any:
        deployed = self.deployed
        values: dict[str, Any] = {
            "AWS::AccountId": deployed.account,
            "AWS::Region": deployed.region,
            "AWS::Partition": deployed.partition,
            "AWS::StackName": deployed.stack_name,
            "AWS::StackId": deployed.stack_id,
            "AWS::URLSuffix": "amazonaws.com.cn" if deployed.partition == "aws-cn" else "amazonaws.com",
            NO_VALUE: _REMOVED,
        }
        if name.startswith("AWS::") and name not in values:
            raise self.fail(f"Ref {name}: this pseudo parameter cannot be read back")
        return values.get(name)

    def parameter(self, name: str, spec: Mapping[str, Any]) -> Any:
        if str(spec.get("NoEcho", "false")).lower() == "true":
            raise self.fail(f"Ref {name}: a NoEcho parameter's deployed value cannot be read back")
        if name not in self.deployed.parameters:
            raise self.fail(f"Ref {name}: DescribeStacks reports no value for this parameter")
        value = self.deployed.parameters[name]
        kind = str(spec.get("Type", "String"))
        if kind.startswith(LIST_PARAMETER_TYPES) or kind.startswith("AWS::SSM::Parameter::Value<List<"):
            return value.split(",")
        return value

    def get_att(self, argument: Any) -> Any:
        if isinstance(argument, str):
            argument = argument.split(".", 1)
        if not isinstance(argument, list) or len(argument) != 2:
            raise self.fail(f"Fn::GetAtt expects [resource, attribute], got {argument!r}")
        name, attribute = argument[0], self.string(argument[1], "Fn::GetAtt")
        spec = (self.deployed.template.get("Resources") or {}).get(name)
        if not isinstance(spec, Mapping):
            raise self.fail(f"Fn::GetAtt {name}.{attribute}: the template has no resource {name}")
        derive = ATTRIBUTES.get((str(spec.get("Type")), attribute))
        if derive is None:
            raise self.fail(
                f"Fn::GetAtt {name}.{attribute} ({spec.get('Type')}) cannot be derived from the "
                "physical ID CloudFormation reports"
            )
        physical = self.ref(name)
        return derive(self, physical, spec.get("Properties") or {})

    def arn(self, service: str, resource: str, *, regional: bool = True) -> str:
        d = self.deployed
        return f"arn:{d.partition}:{service}:{d.region if regional else ''}:{d.account}:{resource}"

    # --- the other functions -----------------------------------------------------------------------
    def import_value(self, argument: Any) -> str:
        name = self.string(argument, "Fn::ImportValue")
        if name not in self.deployed.exports:
            raise self.fail(
                f"Fn::ImportValue {name}: ListExports has no such export in {self.deployed.region}"
            )
        return self.deployed.exports[name]

    def join(self, argument: Any) -> str:
        if not isinstance(argument, list) or len(argument) != 2:
            raise self.fail(f"Fn::Join expects [delimiter, list], got {argument!r}")
        return self.string(argument[0], "Fn::Join").join(self.strings(argument[1], "Fn::Join"))

    def sub(self, argument: Any) -> str:
        text, variables = (argument, {}) if isinstance(argument, str) else [*argument, None][:2]
        if not isinstance(text, str) or not isinstance(variables, Mapping):
            raise self.fail(f"Fn::Sub expects a string or [string, variables], got {argument!r}")

        def one(match: re.Match[str]) -> str:
            name = match.group(1)
            if name.startswith("!"):  # ${!Literal} is the text ${Literal}
                return "${" + name[1:] + "}"
            if name in variables:
                return self.string(variables[name], "Fn::Sub")
            if "." in name and not name.startswith("AWS::"):
                return self.string({"Fn::GetAtt": name.split(".", 1)}, "Fn::Sub")
            return self.string({"Ref": name}, "Fn::Sub")

        return _SUB_RE.sub(one, text)

    def select(self, argument: Any) -> Any:
        if not isinstance(argument, list) or len(argument) != 2:
            raise self.fail(f"Fn::Select expects [index, list], got {argument!r}")
        index, items = self.string(argument[0], "Fn::Select"), self.resolve(argument[1])
        if not isinstance(items, list) or not index.isdigit() or int(index) >= len(items):
            raise self.fail(f"Fn::Select index {index} is not in {items!r}")
        return items[int(index)]

    def split(self, argument: Any) -> list[str]:
        if not isinstance(argument, list) or len(argument) != 2:
            raise self.fail(f"Fn::Split expects [delimiter, string], got {argument!r}")
        return self.string(argument[1], "Fn::Split").split(self.string(argument[0], "Fn::Split"))

    def find_in_map(self, argument: Any) -> Any:
        if not isinstance(argument, list) or len(argument) != 3:
            raise self.fail(f"Fn::FindInMap expects [map, top key, second key], got {argument!r}")
        keys = [self.string(a, "Fn::FindInMap") for a in argument]
        found: Any = self.deployed.template.get("Mappings") or {}
        for key in keys:
            if not isinstance(found, Mapping) or key not in found:
                raise self.fail(f"Fn::FindInMap {'.'.join(keys)}: no such entry in Mappings")
            found = found[key]
        return found

    def if_(self, argument: Any) -> Any:
        if not isinstance(argument, list) or len(argument) != 3 or not isinstance(argument[0], str):
            raise self.fail(f"Fn::If expects [condition, if true, if false], got {argument!r}")
        return self.resolve(argument[1] if self.condition(argument[0]) else argument[2])

    def condition(self, name: str) -> bool:
        conditions = self.deployed.template.get("Conditions") or {}
        if name not in conditions:
            raise self.fail(f"Condition {name}: no such condition in the template")
        return self.truth(conditions[name])

    def truth(self, value: Any) -> bool:
        if isinstance(value, Mapping) and len(value) == 1:
            (name, argument), *_ = value.items()
            if name == "Condition" and isinstance(argument, str):
                return self.condition(argument)
            if name == "Fn::Equals" and isinstance(argument, list) and len(argument) == 2:
                return self.string(argument[0], name) == self.string(argument[1], name)
            if name == "Fn::Not" and isinstance(argument, list) and len(argument) == 1:
                return not self.truth(argument[0])
            if name in ("Fn::And", "Fn::Or") and isinstance(argument, list):
                results = [self.truth(a) for a in argument]
                return all(results) if name == "Fn::And" else any(results)
        raise self.fail(f"condition {value!r} cannot be evaluated")


def _role_arn(resolver: _Resolver, name: str, properties: Mapping[str, Any]) -> str:
    # The role's ARN is arn:<partition>:iam::<account>:role<path><name>, the path "/" unless the
    # template's Path says otherwise (CloudFormation User Guide, AWS::IAM::Role: Ref returns the name;
    # IAM User Guide, "IAM identifiers").
    path = resolver.string(properties.get("Path", "/"), "Path")
    return resolver.arn("iam", f"role{path}{name}", regional=False)


# (resource type, attribute) -> the attribute from the resource's physical ID (what Ref returns).
# CloudFormation User Guide: AWS::SNS::Topic (Ref returns the ARN), AWS::SMSVOICE::Pool (Ref returns the
# PoolId), AWS::SMSVOICE::OptOutList (Ref returns the name), AWS::Lambda::Function (Ref returns the name).
ATTRIBUTES: Mapping[tuple[str, str], Callable[[_Resolver, str, Mapping[str, Any]], Any]] = {
    ("AWS::IAM::Role", "Arn"): _role_arn,
    ("AWS::SNS::Topic", "TopicArn"): lambda r, physical, p: physical,
    ("AWS::SNS::Topic", "TopicName"): lambda r, physical, p: physical.rsplit(":", 1)[-1],
    ("AWS::SMSVOICE::Pool", "PoolId"): lambda r, physical, p: physical,
    ("AWS::SMSVOICE::Pool", "Arn"): lambda r, physical, p: r.arn("sms-voice", f"pool/{physical}"),
    ("AWS::SMSVOICE::OptOutList", "Arn"): lambda r, physical, p: r.arn(
        "sms-voice", f"opt-out-list/{physical}"
    ),
    ("AWS::Lambda::Function", "Arn"): lambda r, physical, p: r.arn("lambda", f"function:{physical}"),
}

_FUNCTIONS: dict[str, Callable[[_Resolver, Any], Any]] = {
    "Ref": _Resolver.ref,
    "Fn::GetAtt": _Resolver.get_att,
    "Fn::ImportValue": _Resolver.import_value,
    "Fn::Join": _Resolver.join,
    "Fn::Sub": _Resolver.sub,
    "Fn::Select": _Resolver.select,
    "Fn::Split": _Resolver.split,
    "Fn::FindInMap": _Resolver.find_in_map,
    "Fn::If": _Resolver.if_,
}
