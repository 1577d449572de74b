"""The Lambdas of this project's asset: the provider and the drift check, declared by one set of rules.

Both run the handler package staged by ``_asset.stage_asset`` (one asset, uploaded once), on the same
runtime and architecture, each with a log group and a role of its own, and never retried by Lambda itself.
What differs is passed in: the entry point, the timeout, the description, the provider's options.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from aws_cdk import Duration
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from constructs import Construct

from ._asset import stage_asset

FUNCTION_ID = "Function"
RUNTIME = lambda_.Runtime.PYTHON_3_14  # the newest Python runtime aws-cdk-lib 2.275 offers
ARCHITECTURE = lambda_.Architecture.ARM_64
MEMORY_MB = 256  # two HTTPS clients and a few KB of JSON; the smallest size that starts quickly
LOG_RETENTION = logs.RetentionDays.THREE_MONTHS
# Lambda retries a failed or timed-out asynchronous invocation twice by default (Lambda Developer Guide,
# "Configuring error handling for asynchronous invocation"); CloudFormation and EventBridge both invoke
# asynchronously. The provider: a retry of an invocation that already answered FAILED would write the new
# settings onto a stack CloudFormation has rolled back (issue 11). The drift check: the next scheduled run
# checks again, and a retry would only add calls against the same SMS API quota. So no retries.
RETRY_ATTEMPTS = 0


def asset_function(
    scope: Construct,
    *,
    handler: str,
    timeout: Duration,
    log_group: logs.ILogGroup,
    role: iam.IRole,
    description: str,
    memory_size: int | None = None,
    environment: Mapping[str, str] | None = None,
    vpc: ec2.IVpc | None = None,
    vpc_subnets: ec2.SubnetSelection | None = None,
    security_groups: Sequence[ec2.ISecurityGroup] | None = None,
) -> lambda_.Function:
    """A Lambda at ``<scope>/Function`` that runs ``handler`` of this project's asset.

    Its ``AWS::Lambda::EventInvokeConfig`` (``MaximumRetryAttempts: 0``) is a child of the function:
    :func:`invoke_config_of` finds it.

    Args:
        scope: the provider or the drift check.
        handler: the entry point, ``<module>.<function>`` of ``pool_settings_handler``.
        timeout: the Lambda's timeout.
        log_group: where it logs (its own, so the role may write to it only).
        role: its execution role.
        description: the function's description.
        memory_size: in MB. Default: 256
        environment: its environment variables. Default: - none
        vpc: run it in this VPC. Default: - not in a VPC
        vpc_subnets: the subnets of ``vpc``. Default: - the VPC's private subnets (CDK's default)
        security_groups: its security groups in ``vpc``. Default: - one new group allowing all egress

    Example:
        >>> asset_function(provider, handler=HANDLER, timeout=Duration.minutes(1), log_group=group,
        ...                role=role, description="...")  # doctest: +SKIP
    """
    return lambda_.Function(
        scope,
        FUNCTION_ID,
        runtime=RUNTIME,
        architecture=ARCHITECTURE,
        handler=handler,
        code=lambda_.Code.from_asset(stage_asset()),  # one asset for both functions: one upload
        timeout=timeout,
        memory_size=memory_size or MEMORY_MB,
        log_group=log_group,
        role=role,
        retry_attempts=RETRY_ATTEMPTS,
        environment=environment,
        vpc=vpc,
        vpc_subnets=vpc_subnets,
        security_groups=security_groups,
        description=description,
    )


def invoke_config_of(function: lambda_.Function) -> lambda_.EventInvokeConfig:
    """The ``EventInvokeConfig`` that ``retry_attempts`` gave ``function`` (one of its children).

    ``Function.configure_async_invoke`` returns nothing, so the construct is found by its public type.

    Raises:
        LookupError: ``function`` has none (it was created without ``retry_attempts``).
    """
    for child in function.node.children:
        if isinstance(child, lambda_.EventInvokeConfig):
            return child
    raise LookupError(f"Lambda {function.node.path} has no EventInvokeConfig: give it retry_attempts")
