"""cdk-nag's names for the wildcard findings the provider and the drift check acknowledge on their policies.

Each acknowledges ``AwsSolutions-IAM5`` for the ARN patterns it grants, on the one policy that holds them,
with the reason; the app needs no acknowledgement of its own. The finding's ID names the resource the way
cdk-nag flattens it, so both read it from :func:`nag_finding`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from aws_cdk import Acknowledgment, Stack, Validations
from constructs import IConstruct


def nag_finding(stack: Stack, arn: str) -> str:
    """cdk-nag's AwsSolutions-IAM5 finding for a wildcard ``arn``, flattened as cdk-nag flattens it
    (cdk-nag 3, utils/flatten-cfn-reference: ``Ref`` as ``<name>``, ``Fn::GetAtt`` as ``<id.attribute>``,
    ``Fn::Join`` joined, any other intrinsic as its JSON).

    Example:
        >>> nag_finding(stack, stack.format_arn(service="iam", region="", resource="role",
        ...                                     resource_name="*"))  # doctest: +SKIP
        'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:iam::123456789012:role/*]'
    """

    def flat(node: Any) -> str:
        if isinstance(node, str):
            return node.replace("${", "<").replace("}", ">")
        if isinstance(node, dict) and "Fn::Join" in node:
            separator, parts = node["Fn::Join"]
            return str(separator).join(flat(part) for part in parts)
        if isinstance(node, dict) and "Ref" in node:
            return f"<{flat(node['Ref'])}>"
        if isinstance(node, dict) and "Fn::GetAtt" in node:
            resource, attribute = node["Fn::GetAtt"]
            return f"<{flat(resource)}.{flat(attribute)}>"
        return json.dumps(node, separators=(",", ":"))

    return f"AwsSolutions-IAM5[Resource::{flat(stack.resolve(arn))}]"


def acknowledge_wildcards(stack: Stack, policy: IConstruct, reasons: Mapping[str, str]) -> None:
    """Acknowledge on ``policy`` only the AwsSolutions-IAM5 finding of each ARN of ``reasons``.

    Args:
        stack: the policy's stack (resolves the ARNs' tokens).
        policy: the ``iam.Policy`` (or its resource) that holds the statements.
        reasons: ARN or ARN pattern -> why the wildcard is needed.
    """
    for arn, reason in reasons.items():
        Validations.of(policy).acknowledge(Acknowledgment(id=nag_finding(stack, arn), reason=reason))
