"""A local deploy driver: applies a synthesized CDK stack to the emulated SMS endpoint.

It reads the CloudFormation template from ``cdk.out`` and follows CloudFormation's semantics (dependency
order, intrinsic functions, no event for unchanged resources, rollback, replacement, cleanup) so the real
handler answers the events CloudFormation would send. ``sms-pool-settings local --help``
lists the commands.
"""

from sms_pool_settings_local.deploy.errors import DeployError, TemplateError

__all__ = ["DeployError", "TemplateError"]
