"""Small CDK apps as CDK users write them, synthesized in-process (what ``cdk synth`` runs).

- ``init_app``: what ``cdk init app --language python`` generates: an environment-agnostic, empty
  stack. Its template holds ``CDKMetadata`` under the ``CDKMetadataAvailable`` condition (an
  ``Fn::Or`` of ``Fn::Equals`` on the region), the ``BootstrapVersion`` parameter and its rule.
- ``two_stack_app``: a producer stack with an opt-out list, a consumer stack whose pool uses it: CDK
  turns the reference into an ``Export`` in the producer and an ``Fn::ImportValue`` in the consumer,
  and the consumer declares its pool's settings with ``PoolSettings``. The producer takes a
  ``CfnParameter`` with ``AllowedValues`` that decides, through a condition and ``Fn::If``, a tag.
"""

from __future__ import annotations

from pathlib import Path

from aws_cdk import App, CfnCondition, CfnParameter, Environment, Fn, Stack
from aws_cdk import aws_smsvoice as smsvoice

ENV = Environment(account="123456789012", region="us-east-1")


def init_app(outdir: Path) -> Path:
    app = App(outdir=str(outdir), analytics_reporting=True)
    Stack(app, "HelloCdkStack")
    app.synth()
    return outdir


def two_stack_app(outdir: Path) -> Path:
    from sms_pool_settings import PoolSettings

    app = App(outdir=str(outdir), analytics_reporting=True)
    producer = Stack(app, "SharedLists", env=ENV)
    stage = CfnParameter(producer, "Stage", type="String", default="dev", allowed_values=["dev", "prod"])
    CfnCondition(producer, "IsProd", expression=Fn.condition_equals(stage.value_as_string, "prod"))
    opt_outs = smsvoice.CfnOptOutList(producer, "OptOuts")
    opt_outs.add_property_override(
        "Tags",
        [{"Key": "stage", "Value": Fn.condition_if("IsProd", "production", "development").to_string()}],
    )

    consumer = Stack(app, "Messaging", env=ENV)
    pool = smsvoice.CfnPool(
        consumer,
        "Pool",
        origination_identities=[
            consumer.format_arn(
                service="sms-voice",
                resource="phone-number",
                resource_name="phone-0123456789abcdef0123456789abcdef",
            )
        ],
        mandatory_keywords=smsvoice.CfnPool.MandatoryKeywordsProperty(
            help=smsvoice.CfnPool.MandatoryKeywordProperty(message="Example Co. Reply STOP to stop."),
            stop=smsvoice.CfnPool.MandatoryKeywordProperty(message="You will no longer receive messages."),
        ),
    )
    PoolSettings(
        consumer, "PoolSettings", pool=pool, opt_out_list=opt_outs, self_managed_opt_outs_enabled=True
    )
    app.synth()
    return outdir
