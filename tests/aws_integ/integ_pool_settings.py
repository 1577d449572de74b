"""Integration test for a real AWS account: PoolSettings on a new pool, checked with DescribePools.

The app deploys ``SmsPoolSettingsInteg``: a simulator phone number (the origination identity a pool
needs), a ``CfnPool`` on it, an opt-out list, and ``PoolSettings`` managing three settings of that
pool. The ``IntegTest``'s assertion stack then calls ``DescribePools`` and expects the pool to report
those settings. ``deletion_protection_enabled=False`` is managed on purpose: the destroy that ends the
test can delete the pool.

Synthesizing it needs no credentials (``tests/aws_integ/test_integ_pool_settings.py`` does that in
CI). Deploying it needs an account, and it creates billable resources (a simulator phone number):

    npx cdk deploy --app "python tests/aws_integ/integ_pool_settings.py" --all --require-approval never
    npx cdk destroy --app "python tests/aws_integ/integ_pool_settings.py" --all --force

The deploy fails if an assertion does not hold. The region comes from your AWS configuration
(``CDK_DEFAULT_REGION``); simulator numbers exist for the United States only.
"""

from __future__ import annotations

from typing import Any

import aws_cdk as cdk
from aws_cdk import aws_smsvoice as smsvoice
from aws_cdk import integ_tests_alpha as integ
from constructs import Construct
from sms_pool_settings import PoolSettings

TEST_STACK_NAME = "SmsPoolSettingsInteg"
# The settings PoolSettings manages, as DescribePools reports them once the deploy has applied them.
EXPECTED_FLAGS = {"SelfManagedOptOutsEnabled": True, "DeletionProtectionEnabled": False}


class PoolSettingsIntegStack(cdk.Stack):
    """A simulator number, a pool on it, an opt-out list, and PoolSettings on the pool."""

    def __init__(self, scope: Construct, id: str, **kwargs: Any) -> None:
        super().__init__(scope, id, **kwargs)
        help_text = "sms-pool-settings integration test. Reply STOP to opt out."
        stop_text = "You are unsubscribed."
        keywords = smsvoice.CfnPool.MandatoryKeywordsProperty(
            help=smsvoice.CfnPool.MandatoryKeywordProperty(message=help_text),
            stop=smsvoice.CfnPool.MandatoryKeywordProperty(message=stop_text),
        )
        number = smsvoice.CfnPhoneNumber(
            self,
            "SimulatorNumber",
            iso_country_code="US",
            number_type="SIMULATOR",
            number_capabilities=["SMS"],
            mandatory_keywords=smsvoice.CfnPhoneNumber.MandatoryKeywordsProperty(
                help=smsvoice.CfnPhoneNumber.MandatoryKeywordProperty(message=help_text),
                stop=smsvoice.CfnPhoneNumber.MandatoryKeywordProperty(message=stop_text),
            ),
        )
        # The pool itself declares none of the settings below: PoolSettings refuses to fight a CfnPool.
        self.pool = smsvoice.CfnPool(
            self, "Pool", origination_identities=[number.attr_arn], mandatory_keywords=keywords
        )
        self.opt_out_list = smsvoice.CfnOptOutList(self, "OptOutList")
        self.settings = PoolSettings(
            self,
            "Settings",
            pool=self.pool,
            opt_out_list=self.opt_out_list,
            self_managed_opt_outs_enabled=EXPECTED_FLAGS["SelfManagedOptOutsEnabled"],
            deletion_protection_enabled=EXPECTED_FLAGS["DeletionProtectionEnabled"],
        )
        cdk.CfnOutput(self, "PoolId", value=self.settings.attr_pool_id)
        cdk.CfnOutput(self, "ChangedFields", value=self.settings.attr_changed_fields)


def build(app: cdk.App) -> integ.IntegTest:
    """Add the test stack and the IntegTest with its DescribePools assertion to ``app``.

    Example:
        >>> build(cdk.App())  # doctest: +SKIP
    """
    # Environment-agnostic: the account and region are those the deploy runs with.
    stack = PoolSettingsIntegStack(app, TEST_STACK_NAME)
    test = integ.IntegTest(app, "PoolSettingsIntegTest", test_cases=[stack])
    describe = test.assertions.aws_api_call(
        "PinpointSMSVoiceV2", "describePools", {"PoolIds": [stack.pool.attr_pool_id]}
    )
    describe.expect(
        integ.ExpectedResult.object_like(
            {
                "Pools": [
                    {
                        "PoolId": stack.pool.attr_pool_id,
                        "OptOutListName": stack.opt_out_list.ref,
                        **EXPECTED_FLAGS,
                    }
                ]
            }
        )
    )
    return test


def main() -> None:
    """Synthesize the integration test app into the directory the CDK CLI names (``cdk.out`` alone)."""
    # The assertion stack imports the pool's ID from the test stack. Strong references (exports) are
    # what the CDK does today; saying so explicitly silences its warning and fixes the destroy order.
    app = cdk.App(context={"@aws-cdk/core:defaultCrossStackReferences": "strong"})
    build(app)
    app.synth()


if __name__ == "__main__":
    main()
