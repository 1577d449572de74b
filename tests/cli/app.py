"""The CDK app the CLI tests deploy (not the example app), synthesized in-process as ``cdk synth`` runs it.

- ``CliShared`` (us-east-1): an opt-out list, exported because ``CliMessaging`` uses it (CDK turns the
  reference into an ``Export`` and an ``Fn::ImportValue``).
- ``CliMessaging`` (us-east-1): parameters without defaults (the pools, the two-way topic, deletion
  protection) and ``SharedRoutes`` whose default is ``true`` (the tests deploy ``false``: the issue's
  false "no drift"); an SNS topic and a role created in the stack as the two-way channel and its role
  (``Ref`` and ``Fn::GetAtt``);
  ``Alerts`` manages two-way messaging, shared routes and deletion protection of one pool, ``Marketing``
  the imported opt-out list and self-managed opt-outs of another.
- ``CliMessagingEu`` (eu-west-1): the second region, its own pool and parameter values.
- ``CliDefaults`` (us-east-1): the issue's case alone: one parameter, ``SharedRoutes``, default ``true``,
  deployed ``false`` (the old ``drift --aws`` evaluated the template with the defaults and reported
  "OK, 0 difference(s)" on its pool once the pool had shared routes on again).
"""

from __future__ import annotations

from pathlib import Path

from aws_cdk import App, CfnParameter, Environment, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_smsvoice as smsvoice
from aws_cdk import aws_sns as sns

ACCOUNT = "123456789012"
EAST, WEST = "us-east-1", "eu-west-1"
SHARED, MESSAGING, MESSAGING_EU, DEFAULTS = "CliShared", "CliMessaging", "CliMessagingEu", "CliDefaults"
ALERTS_POOL = "pool-a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1"
MARKETING_POOL = "pool-b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2"
EU_POOL = "pool-e3e3e3e3e3e3e3e3e3e3e3e3e3e3e3e3"
ROUTES_POOL = "pool-d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4"

# --parameters of each deploy: none of them is a default; SharedRoutes overrides its default "true".
PARAMETERS = {
    MESSAGING: {
        "AlertsPool": ALERTS_POOL,
        "MarketingPool": MARKETING_POOL,
        "Protect": "true",
        "SharedRoutes": "false",
    },
    MESSAGING_EU: {
        "AlertsPool": EU_POOL,
        "Protect": "false",
        "SharedRoutes": "false",
    },
    DEFAULTS: {"SharedRoutes": "false"},
}


def _flag(stack: Stack, name: str, default: str | None = None) -> str:
    parameter = CfnParameter(stack, name, type="String", allowed_values=["true", "false"], default=default)
    return parameter.value_as_string


def _alerts(stack: Stack) -> None:
    from sms_pool_settings import PoolSettings

    pool = CfnParameter(stack, "AlertsPool", type="String").value_as_string
    topic = sns.Topic(stack, "Inbound")
    role = iam.Role(stack, "TwoWayRole", assumed_by=iam.ServicePrincipal("sms-voice.amazonaws.com"))
    topic.grant_publish(role)
    PoolSettings(
        stack,
        "Alerts",
        pool=pool,
        two_way_enabled=True,
        two_way_channel=topic,
        two_way_channel_role=role,
        shared_routes_enabled=_flag(stack, "SharedRoutes", default="true"),
        deletion_protection_enabled=_flag(stack, "Protect"),
    )


def build(outdir: Path) -> Path:
    """Synthesize the app into ``outdir`` (a cloud assembly) and return it."""
    from sms_pool_settings import PoolSettings

    app = App(outdir=str(outdir))
    shared = Stack(app, SHARED, env=Environment(account=ACCOUNT, region=EAST))
    opt_outs = smsvoice.CfnOptOutList(shared, "OptOuts")

    messaging = Stack(app, MESSAGING, env=Environment(account=ACCOUNT, region=EAST))
    _alerts(messaging)
    PoolSettings(
        messaging,
        "Marketing",
        pool=CfnParameter(messaging, "MarketingPool", type="String").value_as_string,
        opt_out_list=opt_outs,
        self_managed_opt_outs_enabled=True,
    )

    _alerts(Stack(app, MESSAGING_EU, env=Environment(account=ACCOUNT, region=WEST)))

    defaults = Stack(app, DEFAULTS, env=Environment(account=ACCOUNT, region=EAST))
    PoolSettings(
        defaults,
        "Routes",
        pool=ROUTES_POOL,
        shared_routes_enabled=_flag(defaults, "SharedRoutes", default="true"),
    )
    app.synth()
    return outdir
