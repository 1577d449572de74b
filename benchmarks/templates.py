"""Measure a synthesized CloudFormation template against CloudFormation's and IAM's limits.

IAM counts a policy's characters without white space, after CloudFormation has resolved it, so
intrinsic functions are resolved here with representative values: partition ``aws``, region
``us-east-1``, a 12-digit account, and for a reference to another resource a name or ARN of the
length CloudFormation typically generates. The limits are AWS's published quotas.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

# CloudFormation quotas: resources per stack, template body size (uploaded through S3).
MAX_RESOURCES = 500
MAX_TEMPLATE_BYTES = 1_048_576
# IAM quotas: aggregate inline policy characters per role, characters per managed policy,
# managed policies attached to a role (default quota).
MAX_ROLE_INLINE_CHARS = 10_240
MAX_MANAGED_POLICY_CHARS = 6_144
MAX_MANAGED_POLICIES_PER_ROLE = 10

_PSEUDO = {
    "AWS::Partition": "aws",
    "AWS::Region": "us-east-1",
    "AWS::AccountId": "123456789012",
    "AWS::URLSuffix": "amazonaws.com",
    "AWS::StackName": "Bench",
    "AWS::StackId": "arn:aws:cloudformation:us-east-1:123456789012:stack/Bench/"
    "0a1b2c3d-4e5f-6a7b-8c9d-0e1f2a3b4c5d",
}
# A generated physical name: stack name, logical ID prefix and a 12-character suffix (64 at most).
_GENERATED_NAME = "Bench-ProviderServiceRole0123456789-ABCDEFGHIJKL"


def _resolve(value: Any) -> Any:
    """Resolve intrinsic functions with representative values, so their length is realistic."""
    if isinstance(value, list):
        return [_resolve(item) for item in value]
    if not isinstance(value, dict):
        return value
    if len(value) == 1:
        ((key, arg),) = value.items()
        if key == "Ref":
            return _PSEUDO.get(arg, _GENERATED_NAME)
        if key == "Fn::GetAtt":
            return f"arn:aws:iam::123456789012:role/{_GENERATED_NAME}"
        if key == "Fn::Join":
            separator, parts = arg
            return separator.join(str(_resolve(part)) for part in parts)
        if key == "Fn::Sub":
            return arg if isinstance(arg, str) else arg[0]
    return {key: _resolve(item) for key, item in value.items()}


def policy_chars(document: Any) -> int:
    """Characters IAM counts for ``document``: resolved, without white space outside strings."""
    return len(json.dumps(_resolve(document), separators=(",", ":")))


@dataclass
class RoleUsage:
    """The IAM policy usage of one role, against IAM's per-role quotas."""

    inline_chars: int = 0
    managed_policies: int = 0
    largest_managed_chars: int = 0


@dataclass
class TemplateFacts:
    """What a template weighs: bytes, resources, IAM characters, and usage per role."""

    template_bytes: int
    resources: int
    resource_types: dict[str, int]
    iam_policy_chars: int
    roles: dict[str, RoleUsage] = field(default_factory=dict)
    # Bytes the Custom::* resources take in the template as written (CDK indents by one space).
    custom_bytes: int = 0
    # Mean bytes per Custom::* resource of each part of it (a top-level key, or Properties.<key>).
    custom_parts: dict[str, float] = field(default_factory=dict)

    @property
    def max_role_inline_chars(self) -> int:
        return max((role.inline_chars for role in self.roles.values()), default=0)

    def violations(self) -> list[str]:
        """Each limit the template passes, in words, or an empty list."""
        found = []
        if self.resources > MAX_RESOURCES:
            found.append(f"{self.resources} resources > {MAX_RESOURCES}")
        if self.template_bytes > MAX_TEMPLATE_BYTES:
            found.append(f"{self.template_bytes} template bytes > {MAX_TEMPLATE_BYTES}")
        for name, role in self.roles.items():
            if role.inline_chars > MAX_ROLE_INLINE_CHARS:
                found.append(
                    f"role {name}: {role.inline_chars} inline policy chars > {MAX_ROLE_INLINE_CHARS}"
                )
            if role.managed_policies > MAX_MANAGED_POLICIES_PER_ROLE:
                found.append(
                    f"role {name}: {role.managed_policies} managed policies > {MAX_MANAGED_POLICIES_PER_ROLE}"
                )
            if role.largest_managed_chars > MAX_MANAGED_POLICY_CHARS:
                found.append(
                    f"role {name}: a managed policy of {role.largest_managed_chars} chars "
                    f"> {MAX_MANAGED_POLICY_CHARS}"
                )
        return found


def _role_refs(value: Any) -> list[str]:
    refs = []
    for item in value or []:
        if isinstance(item, dict) and "Ref" in item:
            refs.append(item["Ref"])
    return refs


def analyze(path: Path) -> TemplateFacts:
    """Measure the template at ``path`` (as written by ``cdk synth``, which is what gets uploaded)."""
    raw = path.read_bytes()
    template = json.loads(raw)
    resources: dict[str, Any] = template.get("Resources", {})
    types: dict[str, int] = defaultdict(int)
    roles: dict[str, RoleUsage] = {}
    total_chars = 0
    for logical_id, resource in resources.items():
        if resource["Type"] == "AWS::IAM::Role":
            roles.setdefault(logical_id, RoleUsage())
    for logical_id, resource in resources.items():
        kind = resource["Type"]
        types[kind] += 1
        props = resource.get("Properties", {})
        if kind == "AWS::IAM::Role":
            role = roles[logical_id]
            for policy in props.get("Policies", []):
                chars = policy_chars(policy["PolicyDocument"])
                role.inline_chars += chars
                total_chars += chars
            role.managed_policies += len(props.get("ManagedPolicyArns", []))
        elif kind == "AWS::IAM::Policy":
            chars = policy_chars(props["PolicyDocument"])
            total_chars += chars
            for ref in _role_refs(props.get("Roles")):
                roles.setdefault(ref, RoleUsage()).inline_chars += chars
        elif kind == "AWS::IAM::ManagedPolicy":
            chars = policy_chars(props["PolicyDocument"])
            total_chars += chars
            for ref in _role_refs(props.get("Roles")):
                role = roles.setdefault(ref, RoleUsage())
                role.managed_policies += 1
                role.largest_managed_chars = max(role.largest_managed_chars, chars)
    without_custom = {
        **template,
        "Resources": {k: v for k, v in resources.items() if not v["Type"].startswith("Custom::")},
    }
    custom_bytes = len(json.dumps(template, indent=1)) - len(json.dumps(without_custom, indent=1))
    customs = [v for v in resources.values() if v["Type"].startswith("Custom::")]
    return TemplateFacts(
        len(raw), len(resources), dict(types), total_chars, roles, custom_bytes, _part_bytes(customs)
    )


def _part_bytes(customs: list[dict[str, Any]]) -> dict[str, float]:
    """Mean bytes each part of a custom resource adds, as written at its depth in the template."""

    def size(resource: dict[str, Any]) -> int:
        # Resources sit two levels deep in the template: two more spaces on every line.
        text = json.dumps(resource, indent=1)
        return len(text) + 2 * text.count("\n")

    totals: dict[str, float] = defaultdict(float)
    for resource in customs:
        whole = size(resource)
        for key in resource:
            if key == "Properties":
                for prop in resource[key]:
                    props = {k: v for k, v in resource[key].items() if k != prop}
                    totals[f"Properties.{prop}"] += whole - size({**resource, key: props})
            else:
                totals[key] += whole - size({k: v for k, v in resource.items() if k != key})
    return {key: total / len(customs) for key, total in totals.items()} if customs else {}
