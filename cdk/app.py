"""Example app: declare the settings of an existing SMS pool and of a pool this stack creates.

npx cdk synth                                   # offline, no credentials needed
npx cdk synth -c existingPoolId=pool-<32 hex>   # the pool you already have
npx cdk deploy -c existingPoolId=pool-<32 hex>  # with credentials: their account and region
npx cdk deploy -c existingPoolId=pool-<32 hex> -c phoneNumberId=phone-<32 hex>  # and a pool on your number
npx cdk deploy -c reconcile=$BUILD_ID           # re-apply every declared setting (drift correction)

The stack's account and region: ``-c account=`` / ``-c region=`` when given, else the CLI's
(CDK_DEFAULT_ACCOUNT / CDK_DEFAULT_REGION, from your credentials and configuration), else the offline
defaults below, so a synth without credentials stays deterministic.
"""

from __future__ import annotations

import os
from typing import Any

from aws_cdk import Annotations, App, Environment, Stack
from aws_cdk import aws_smsvoice as smsvoice
from constructs import Construct
from sms_pool_settings import PoolSettings

STACK_NAME = "SmsPoolSettingsExample"
# Defaults keep `cdk synth` deterministic and offline; override them with -c key=value. The account and
# region defaults apply only when the CDK CLI found none (no credentials): see environment().
DEFAULT_CONTEXT = {
    "account": "111111111111",
    "region": "us-east-1",
    "existingPoolId": "pool-0123456789abcdef0123456789abcdef",
    "phoneNumberId": "phone-0123456789abcdef0123456789abcdef",
}


class SmsPoolSettingsExample(Stack):
    """One existing pool and one new pool, their settings declared with PoolSettings."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        existing_pool_id: str,
        phone_number_id: str | None,
        reconcile_token: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)

        # (1) A pool that exists already, created in the console or by another team: only the settings
        # declared here are managed; everything else on it is left as it is.
        PoolSettings(
            self,
            "ExistingPoolSettings",
            pool=existing_pool_id,
            deletion_protection_enabled=True,
            shared_routes_enabled=False,
            reconcile_token=reconcile_token,
        )

        if phone_number_id is None:
            Annotations.of(self).add_info(
                "the example's second pool is left out: it needs a phone number of your account "
                "(-c phoneNumberId=phone-...); only the existing pool's settings are declared"
            )
            return

        # (2) A pool and an opt-out list created by this stack. The settings PoolSettings manages are kept
        # off the CfnPool: declaring one in both places would make them fight on every deploy.
        opt_out_list = smsvoice.CfnOptOutList(self, "OptOutList")
        pool = smsvoice.CfnPool(
            self,
            "Pool",
            origination_identities=[
                self.format_arn(service="sms-voice", resource="phone-number", resource_name=phone_number_id)
            ],
            mandatory_keywords=smsvoice.CfnPool.MandatoryKeywordsProperty(
                help=smsvoice.CfnPool.MandatoryKeywordProperty(
                    message="Example Co. alerts. Reply STOP to stop."
                ),
                stop=smsvoice.CfnPool.MandatoryKeywordProperty(
                    message="You will no longer receive messages."
                ),
            ),
        )
        PoolSettings(
            self,
            "NewPoolSettings",
            pool=pool,
            two_way_enabled=False,
            self_managed_opt_outs_enabled=True,
            opt_out_list=opt_out_list,
            deletion_protection_enabled=True,
            reconcile_token=reconcile_token,
        )


# What the CDK CLI sets from the credentials and configuration it finds (absent without credentials).
CLI_ENVIRONMENT = {"account": "CDK_DEFAULT_ACCOUNT", "region": "CDK_DEFAULT_REGION"}


def build_app(context: dict[str, Any] | None = None, outdir: str | None = None) -> App:
    """Build the example app; ``context`` adds to (or replaces) what ``-c key=value`` gives.

    Context keys: ``account``, ``region`` (default: the CLI's CDK_DEFAULT_ACCOUNT / CDK_DEFAULT_REGION,
    then DEFAULT_CONTEXT), ``existingPoolId`` (default in DEFAULT_CONTEXT), ``phoneNumberId`` (the
    default only without credentials: with them, the created pool is left out unless it is given) and
    ``reconcile`` (any string; no token when absent or empty).

    Example:
        >>> build_app({"reconcile": "build-42"}).synth()  # doctest: +SKIP
    """
    app = App(context=context, outdir=outdir)

    def setting(key: str) -> Any:
        cli_default = os.environ.get(CLI_ENVIRONMENT[key]) if key in CLI_ENVIRONMENT else None
        return app.node.try_get_context(key) or cli_default or DEFAULT_CONTEXT.get(key)

    # The default phone number exists only offline (the emulator, a synth without credentials); in a
    # real account (the CLI found one) the created pool needs -c phoneNumberId=, and is left out without.
    real_account = bool(os.environ.get(CLI_ENVIRONMENT["account"]))
    phone_number_id = app.node.try_get_context("phoneNumberId") or (
        None if real_account else DEFAULT_CONTEXT["phoneNumberId"]
    )

    SmsPoolSettingsExample(
        app,
        STACK_NAME,
        env=Environment(account=setting("account"), region=setting("region")),
        existing_pool_id=setting("existingPoolId"),
        phone_number_id=phone_number_id,
        reconcile_token=setting("reconcile") or None,
    )
    return app


if __name__ == "__main__":
    build_app().synth()
