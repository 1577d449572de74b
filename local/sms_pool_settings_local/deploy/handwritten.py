"""Hand-written templates of Lambda-backed custom resources, for deploying with the driver.

``custom_stack`` is a stack of custom resources served by one function (a role, the function, the
resources); ``lambda_function`` is the function alone. The function's ``Handler`` names a module the
driver imports in-process (``module.attribute``), as ``lambda_runtime`` runs it.
"""

from __future__ import annotations

from typing import Any

from sms_pool_settings_local.deploy.template import Template

# The trust policy of a hand-written template's Lambda role.
TRUST_LAMBDA = {
    "Version": "2012-10-17",
    "Statement": [
        {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}
    ],
}


def custom_stack(
    name: str, handler: str, resource_type: str, things: dict[str, dict[str, Any]], timeout: int = 10
) -> Template:
    """A stack of custom resources served by one function running ``handler``: a role, the function,
    and per logical ID its properties (``After``: its DependsOn, not a property)."""
    resources: dict[str, Any] = {
        "Role": {"Type": "AWS::IAM::Role", "Properties": {"AssumeRolePolicyDocument": TRUST_LAMBDA}},
        "Fn": lambda_function(handler, timeout),
    }
    for logical, extra in things.items():
        properties = {k: v for k, v in extra.items() if k != "After"}
        resources[logical] = {
            "Type": resource_type,
            "Properties": {"ServiceToken": {"Fn::GetAtt": ["Fn", "Arn"]}, **properties},
            **({"DependsOn": extra["After"]} if "After" in extra else {}),
        }
    return Template(name, {"Resources": resources})


def lambda_function(handler: str, timeout: int, environment: dict[str, str] | None = None) -> dict[str, Any]:
    """An ``AWS::Lambda::Function`` running ``handler`` (module.attribute) with the role ``Role``."""
    return {
        "Type": "AWS::Lambda::Function",
        "Properties": {
            "Handler": handler,
            "Runtime": "python3.12",
            "Timeout": timeout,
            "Role": {"Fn::GetAtt": ["Role", "Arn"]},
            "Code": {"ZipFile": "local"},
            **({"Environment": {"Variables": environment}} if environment else {}),
        },
    }
