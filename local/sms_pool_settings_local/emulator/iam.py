"""IAM identity-based policy evaluation, as AWS documents it. Pure: no HTTP, no emulator state.

``evaluate(policies, action, resource, context)`` decides one request the way IAM decides it for a
principal whose only policies are ``policies`` (identity-based, already resolved to literal ARNs):

- A statement applies when its ``Action`` matches the action (or its ``NotAction`` does not), its
  ``Resource`` matches the resource (or its ``NotResource`` does not), and every condition holds.
- An applying ``Deny`` wins over any ``Allow``; with no applying ``Allow`` the request is implicitly
  denied ("Policy evaluation logic", IAM User Guide, reference_policies_evaluation-logic.html).
- Actions match case-insensitively, resources case-sensitively; ``*`` matches any run of characters
  and ``?`` one character, in both ("IAM JSON policy elements: Action / Resource").
- Conditions: operators are ANDed, keys of one operator are ANDed, the values of one key are ORed
  (NORed for a negated operator). A key absent from the request context makes the condition false,
  except for negated operators (true), ``...IfExists`` (true) and ``Null`` ("IAM JSON policy
  elements: Condition operators"; "Conditions with multiple context keys or values"). ``ArnLike`` /
  ``ArnEquals`` compare each of the six colon-separated parts separately, with wildcards. Condition
  key names are case-insensitive, values case-sensitive (``StringEquals``) unless ``IgnoreCase``.

``check_policies`` refuses, naming the statement and the value, what IAM itself would refuse or what
this module cannot decide (an operator it does not implement, a policy variable, an unresolved
CloudFormation intrinsic), so a policy is never silently misread.

Example:
    >>> policy = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
    ...     "Action": "sms-voice:UpdatePool", "Resource": "arn:aws:sms-voice:*:123456789012:pool/*"}]}
    >>> evaluate([policy], "sms-voice:UpdatePool", "arn:aws:sms-voice:us-east-1:123456789012:pool/p", {})
    'Allow'
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

ALLOW = "Allow"
EXPLICIT_DENY = "ExplicitDeny"
IMPLICIT_DENY = "ImplicitDeny"

Context = Mapping[str, "str | Sequence[str]"]

# Operator name -> (how one context value is compared with one policy value, negated?).
_STRING_OPERATORS: dict[str, tuple[str, bool]] = {
    "StringEquals": ("equals", False),
    "StringNotEquals": ("equals", True),
    "StringEqualsIgnoreCase": ("equals_ignore_case", False),
    "StringNotEqualsIgnoreCase": ("equals_ignore_case", True),
    "StringLike": ("like", False),
    "StringNotLike": ("like", True),
    "ArnEquals": ("arn_like", False),
    "ArnLike": ("arn_like", False),
    "ArnNotEquals": ("arn_like", True),
    "ArnNotLike": ("arn_like", True),
    "Bool": ("equals_ignore_case", False),
}
_SET_QUALIFIERS = ("ForAnyValue:", "ForAllValues:")
_STATEMENT_KEYS = {"Sid", "Effect", "Action", "NotAction", "Resource", "NotResource", "Condition"}


# --- Matching --------------------------------------------------------------------------------------
@functools.lru_cache(maxsize=4096)
def _glob(pattern: str, ignore_case: bool) -> re.Pattern[str]:
    body = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.compile(body, re.DOTALL | (re.IGNORECASE if ignore_case else 0))


def wildcard_match(pattern: str, value: str, *, ignore_case: bool = False) -> bool:
    """True when ``value`` matches ``pattern`` whole, ``*`` standing for any run and ``?`` for one
    character. Example: ``wildcard_match("sms-voice:Describe*", "sms-voice:DescribePools")``."""
    return _glob(pattern, ignore_case).fullmatch(value) is not None


def arn_like(pattern: str, value: str) -> bool:
    """``ArnLike``: each of the six colon-separated ARN parts matched separately, with wildcards."""
    pattern_parts, value_parts = pattern.split(":", 5), value.split(":", 5)
    if len(pattern_parts) != 6 or len(value_parts) != 6:
        return False
    return all(wildcard_match(p, v) for p, v in zip(pattern_parts, value_parts, strict=True))


def _compare(kind: str, context_value: str, policy_value: str) -> bool:
    if kind == "equals":
        return context_value == policy_value
    if kind == "equals_ignore_case":
        return context_value.casefold() == policy_value.casefold()
    if kind == "like":
        return wildcard_match(policy_value, context_value)
    return arn_like(policy_value, context_value)


def _as_list(value: Any) -> list[Any]:
    return list(value) if isinstance(value, list) else [value]


def _text(value: Any) -> str:
    # JSON true/false and numbers are accepted as condition values and compared as their text.
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


# --- Conditions ------------------------------------------------------------------------------------
def _split_operator(operator: str) -> tuple[str | None, str, bool]:
    """(set qualifier or None, base operator, IfExists?) of a condition operator name."""
    qualifier = next((q for q in _SET_QUALIFIERS if operator.startswith(q)), None)
    rest = operator[len(qualifier) :] if qualifier else operator
    if_exists = rest.endswith("IfExists")
    return qualifier, rest[: -len("IfExists")] if if_exists else rest, if_exists


def _condition_holds(
    operator: str, key: str, policy_values: list[str], context: dict[str, list[str]]
) -> bool:
    qualifier, base, if_exists = _split_operator(operator)
    present = key.casefold() in context
    values = context.get(key.casefold(), [])
    if base == "Null":
        # {"Null": {"key": "true"}} holds when the key is absent; "false" when it is present.
        return any((v.casefold() == "true") != present for v in policy_values)
    kind, negated = _STRING_OPERATORS[base]

    def one(value: str) -> bool:
        matched = any(_compare(kind, value, p) for p in policy_values)
        return not matched if negated else matched

    if qualifier == "ForAllValues:":
        return all(one(v) for v in values)  # true for an absent key or an empty set
    if qualifier == "ForAnyValue:":
        return any(one(v) for v in values)
    if not present:
        return if_exists or negated
    if negated:
        return all(one(v) for v in values)
    return any(one(v) for v in values)


def _conditions_hold(conditions: Mapping[str, Any], context: dict[str, list[str]]) -> bool:
    return all(
        _condition_holds(operator, key, [_text(v) for v in _as_list(values)], context)
        for operator, block in conditions.items()
        for key, values in block.items()
    )


def _normalised_context(context: Context) -> dict[str, list[str]]:
    return {
        key.casefold(): [value] if isinstance(value, str) else list(value) for key, value in context.items()
    }


# --- Statements ------------------------------------------------------------------------------------
def _statements(policy: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    return _as_list(policy.get("Statement", []))


def _applies(statement: Mapping[str, Any], action: str, resource: str, context: dict[str, list[str]]) -> bool:
    if "Action" in statement:
        action_ok = any(wildcard_match(p, action, ignore_case=True) for p in _as_list(statement["Action"]))
    else:
        action_ok = not any(
            wildcard_match(p, action, ignore_case=True) for p in _as_list(statement["NotAction"])
        )
    if not action_ok:
        return False
    if "Resource" in statement:
        resource_ok = any(wildcard_match(p, resource) for p in _as_list(statement["Resource"]))
    else:
        resource_ok = not any(wildcard_match(p, resource) for p in _as_list(statement["NotResource"]))
    return resource_ok and _conditions_hold(statement.get("Condition", {}), context)


def evaluate(policies: Iterable[Mapping[str, Any]], action: str, resource: str, context: Context) -> str:
    """Decide one request: ``ALLOW``, ``EXPLICIT_DENY`` or ``IMPLICIT_DENY``.

    Args:
        policies: identity-based policy documents (checked with ``check_policies`` first).
        action: ``service:Action``, e.g. ``sms-voice:UpdatePool``.
        resource: the ARN the action authorizes on, or ``*`` when it authorizes on no resource.
        context: request context keys (``iam:PassedToService``, ``aws:RequestedRegion``, ...) to a
            value or a list of values.
    """
    normalised = _normalised_context(context)
    allowed = False
    for policy in policies:
        for statement in _statements(policy):
            if _applies(statement, action, resource, normalised):
                if statement["Effect"] == "Deny":
                    return EXPLICIT_DENY
                allowed = True
    return ALLOW if allowed else IMPLICIT_DENY


def denial_message(principal_arn: str, action: str, resource: str, decision: str) -> str:
    """The message AWS answers a denied request with, e.g. ``User: arn:aws:sts::123456789012:
    assumed-role/r/s is not authorized to perform: sms-voice:UpdatePool on resource: arn:... because
    no identity-based policy allows the sms-voice:UpdatePool action`` (the shape of a real SMS denial
    quoted in cds-snc/notification-terraform#1314; the explicit-deny ending is the IAM User Guide's,
    "Troubleshoot access denied error messages")."""
    head = f"User: {principal_arn} is not authorized to perform: {action} on resource: {resource}"
    if decision == EXPLICIT_DENY:
        return f"{head} with an explicit deny in an identity-based policy"
    return f"{head} because no identity-based policy allows the {action} action"


# --- Checking policy documents --------------------------------------------------------------------
def _strings(where: str, name: str, value: Any) -> None:
    items = _as_list(value)
    if not items or not all(isinstance(v, str) and v for v in items):
        raise ValueError(f"{where} {name} must be a non-empty string or list of strings, got {value!r}")
    for item in items:
        if "${" in item:
            raise ValueError(
                f"{where} {name} uses a policy variable, which the emulator does not resolve: {item!r}"
            )


def _check_condition(where: str, condition: Any) -> None:
    if not isinstance(condition, dict):
        raise ValueError(f"{where} Condition must be an object, got {condition!r}")
    for operator, block in condition.items():
        _, base, _ = _split_operator(operator)
        if base != "Null" and base not in _STRING_OPERATORS:
            known = sorted([*_STRING_OPERATORS, "Null"])
            raise ValueError(
                f"{where} Condition operator {operator!r} is not one the emulator evaluates; known: {known} "
                "(each also with IfExists, ForAnyValue: or ForAllValues:)"
            )
        if not isinstance(block, dict) or not block:
            raise ValueError(f"{where} Condition {operator} must map condition keys to values, got {block!r}")
        for key, values in block.items():
            items = _as_list(values)
            if not items or not all(isinstance(v, (str, bool, int, float)) for v in items):
                raise ValueError(
                    f"{where} Condition {operator} {key} must be a string, boolean, number or a list of "
                    f"them, got {values!r}"
                )


def check_policies(policies: Any) -> list[dict[str, Any]]:
    """Return ``policies`` as a list of policy documents, or raise ValueError naming the policy, the
    statement, the rule and the value (for example an unresolved ``{"Fn::Join": ...}`` Resource)."""
    if not isinstance(policies, list) or not policies:
        raise ValueError(f"policies must be a non-empty list of IAM policy documents, got {policies!r}")
    for index, policy in enumerate(policies):
        if not isinstance(policy, dict) or "Statement" not in policy:
            raise ValueError(f"policies[{index}] must be a policy document with a Statement, got {policy!r}")
        statements = policy["Statement"]
        if not isinstance(statements, (dict, list)):
            raise ValueError(f"policies[{index}] Statement must be an object or a list, got {statements!r}")
        for number, statement in enumerate(_as_list(statements)):
            where = f"policies[{index}] Statement[{number}]"
            if not isinstance(statement, dict):
                raise ValueError(f"{where} must be an object, got {statement!r}")
            unknown = sorted(set(statement) - _STATEMENT_KEYS)
            if unknown:
                raise ValueError(
                    f"{where} has {unknown}, which an identity-based policy statement cannot have; "
                    f"known: {sorted(_STATEMENT_KEYS)}"
                )
            if statement.get("Effect") not in ("Allow", "Deny"):
                raise ValueError(f"{where} Effect must be 'Allow' or 'Deny', got {statement.get('Effect')!r}")
            for one, other in (("Action", "NotAction"), ("Resource", "NotResource")):
                if (one in statement) == (other in statement):
                    raise ValueError(f"{where} must have exactly one of {one} and {other}")
                name = one if one in statement else other
                _strings(where, name, statement[name])
            if "Condition" in statement:
                _check_condition(where, statement["Condition"])
    return [dict(p) for p in policies]


# --- Policies of a role in a CloudFormation template ----------------------------------------------
def policies_for_role(template: Mapping[str, Any], role_logical_id: str) -> list[dict[str, Any]]:
    """The identity-based policy documents attached to a role in a CloudFormation template, unresolved.

    Collects the role's inline ``Policies`` and every ``AWS::IAM::Policy`` whose ``Roles`` contains
    ``{"Ref": role_logical_id}``, in template order. Intrinsics (``Fn::Join``, ``Ref``, ...) are left
    as they are: resolving them is the caller's job. Managed policies (``ManagedPolicyArns``) are not
    documents of the template and are not returned.

    Raises:
        ValueError: when ``role_logical_id`` is not an ``AWS::IAM::Role`` of the template.

    Example:
        >>> template = {"Resources": {"Role": {"Type": "AWS::IAM::Role", "Properties": {}},
        ...     "Policy": {"Type": "AWS::IAM::Policy", "Properties": {"Roles": [{"Ref": "Role"}],
        ...         "PolicyDocument": {"Statement": []}}}}}
        >>> policies_for_role(template, "Role")
        [{'Statement': []}]
    """
    resources = template.get("Resources", {})
    role = resources.get(role_logical_id)
    if not isinstance(role, dict) or role.get("Type") != "AWS::IAM::Role":
        roles = sorted(
            k for k, v in resources.items() if isinstance(v, dict) and v.get("Type") == "AWS::IAM::Role"
        )
        raise ValueError(
            f"role_logical_id must name an AWS::IAM::Role of the template ({roles}), got {role_logical_id!r}"
        )
    found = [dict(p["PolicyDocument"]) for p in role.get("Properties", {}).get("Policies", [])]
    for resource in resources.values():
        if not isinstance(resource, dict) or resource.get("Type") != "AWS::IAM::Policy":
            continue
        properties = resource.get("Properties", {})
        if {"Ref": role_logical_id} in properties.get("Roles", []):
            found.append(dict(properties["PolicyDocument"]))
    return found
