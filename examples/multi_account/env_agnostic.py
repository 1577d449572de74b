"""An environment-agnostic stack: one template for every account and region.

No ``env``: the stack's account, region and partition stay the pseudo parameters ``AWS::AccountId``,
``AWS::Region`` and ``AWS::Partition`` until CloudFormation deploys it, so every ARN and IAM pattern the
construct builds is an ``Fn::Join`` over them, and the pool comes from a parameter because its ID differs
in every account. Synthesize it with ``npx cdk synth --app "python examples/multi_account/env_agnostic.py"``
and deploy the same template anywhere with ``--parameters PoolId=pool-...``.
"""

from __future__ import annotations

from aws_cdk import App, CfnParameter, Stack
from constructs import Construct
from sms_pool_settings import PoolSettings


class SmsSettingsStack(Stack):
    """``PoolSettings`` for the pool named by the ``PoolId`` parameter, with no synth-time environment.

    Parameters: ``PoolId`` (a pool ID or pool ARN of the account and region deployed to),
    ``DeletionProtection`` (``true``/``false``, Default: ``true``) and ``ReconcileToken`` (any string;
    a new value re-applies the settings, Default: empty).
    """

    def __init__(self, scope: Construct, construct_id: str) -> None:
        super().__init__(scope, construct_id)  # no env: environment-agnostic
        pool = CfnParameter(
            self,
            "PoolId",
            type="String",
            description="The pool of this account and region: a pool ID (pool-...) or its ARN.",
            # An empty value is refused by CloudFormation before any change; the handler checks the rest.
            min_length=1,
        )
        protection = CfnParameter(
            self, "DeletionProtection", type="String", allowed_values=["true", "false"], default="true"
        )
        token = CfnParameter(self, "ReconcileToken", type="String", default="")
        PoolSettings(
            self,
            "PoolSettings",
            pool=pool.value_as_string,
            deletion_protection_enabled=protection.value_as_string,
            shared_routes_enabled=False,
            reconcile_token=token.value_as_string,
        )


def build(app: App) -> SmsSettingsStack:
    """The example's stack in ``app``."""
    return SmsSettingsStack(app, "SmsSettings")


if __name__ == "__main__":
    application = App()
    build(application)
    application.synth()
