"""CDK Pipelines: one pipeline (tools account) deploying ``PoolSettings`` to two stages, each another
account and region.

Each stage's pool ID is known per account, so it is stage configuration, not a parameter (CDK Pipelines
deploy templates without parameter values). Each stage gets its own reconcile token: the synth step's
build ID plus the stage name (``-c reconcile=$CODEBUILD_BUILD_NUMBER``). The token changes on every
pipeline run, so every stage's ``Custom::SmsPoolSettings`` gets an Update when *its* deploy action runs,
and drift is corrected stage by stage: staging at once, production only after the approval step. The
pipeline stack's own template does not contain the token, so a new token never makes the pipeline
mutate itself.

Synthesize offline with ``npx cdk synth --app "python examples/multi_account/pipeline.py" -c reconcile=42``.
"""

from __future__ import annotations

from dataclasses import dataclass

from aws_cdk import App, Environment, Stack, Stage, pipelines
from constructs import Construct
from sms_pool_settings import PoolSettings

TOOLS = Environment(account="111111111111", region="us-east-1")
CONNECTION_ARN = (
    "arn:aws:codeconnections:us-east-1:111111111111:connection/00000000-0000-0000-0000-000000000000"
)


@dataclass(frozen=True)
class Target:
    """One stage: its name, account, region and the pool of that account and region."""

    name: str
    account: str
    region: str
    pool_id: str


TARGETS = (
    Target("Staging", "222222222222", "eu-west-1", "pool-2222222222222222222222222222aaaa"),
    Target("Production", "333333333333", "us-west-2", "pool-3333333333333333333333333333bbbb"),
)


def stage_token(build: str | None, stage: str) -> str | None:
    """The reconcile token of ``stage`` for pipeline build ``build``: ``<build>-<stage>``, or None (no
    forced Update) when no build ID was given."""
    return f"{build}-{stage}" if build else None


class Messaging(Stage):
    """The workload of one stage: a stack whose ``PoolSettings`` manage that account's pool."""

    def __init__(self, scope: Construct, target: Target, reconcile: str | None) -> None:
        super().__init__(scope, target.name, env=Environment(account=target.account, region=target.region))
        stack = Stack(self, "Messaging")
        PoolSettings(
            stack,
            "AlertsPoolSettings",
            pool=target.pool_id,
            deletion_protection_enabled=True,
            shared_routes_enabled=False,
            reconcile_token=stage_token(reconcile, target.name),
        )


class PipelineStack(Stack):
    """The pipeline, in the tools account; cross-account keys so the stage accounts can read artifacts."""

    def __init__(self, scope: Construct, construct_id: str, *, reconcile: str | None) -> None:
        super().__init__(scope, construct_id, env=TOOLS)
        pipeline = pipelines.CodePipeline(
            self,
            "Pipeline",
            cross_account_keys=True,
            synth=pipelines.ShellStep(
                "Synth",
                input=pipelines.CodePipelineSource.connection(
                    "example-org/sms-settings", "main", connection_arn=CONNECTION_ARN
                ),
                commands=[
                    "pip install -r requirements.txt",
                    "npx cdk synth --app 'python examples/multi_account/pipeline.py' "
                    "-c reconcile=$CODEBUILD_BUILD_NUMBER",
                ],
            ),
        )
        staging, production = TARGETS
        pipeline.add_stage(Messaging(scope, staging, reconcile))
        pipeline.add_stage(
            Messaging(scope, production, reconcile),
            pre=[pipelines.ManualApprovalStep("PromoteToProduction")],
        )


def build(app: App) -> PipelineStack:
    """The pipeline stack (and its stages) in ``app``; ``-c reconcile=<build>`` sets the tokens."""
    return PipelineStack(app, "SmsSettingsPipeline", reconcile=app.node.try_get_context("reconcile"))


if __name__ == "__main__":
    application = App()
    build(application)
    application.synth()
