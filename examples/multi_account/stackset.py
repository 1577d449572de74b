"""``PoolSettings`` rolled out by a service-managed StackSet to every account of an OU, in two regions.

The parent stack (in the management or delegated administrator account) holds a ``cdk-stacksets``
``StackSet`` whose template is a ``StackSetStack``. CDK's own asset bucket is in the parent's account and
region only, so the StackSetStack publishes the provider Lambda's code to buckets you own, one per
region, named ``<asset_bucket_prefix>-<region>``: the ``StackSetStackSynthesizer`` points the Lambda's
``Code.S3Bucket`` at ``Fn::Join ["-", [prefix, AWS::Region]]``, and a ``BucketDeployment`` in the parent
copies the zip into each bucket you list (cdk-stacksets README, "Using File Assets";
cdklabs/cdk-stacksets#149 and aws/aws-cdk#26310 are why CDK's bucket cannot be used). Each bucket must let
the organization read it (the bucket policy in ``AssetBuckets`` below).

Synthesize with ``npx cdk synth --app "python examples/multi_account/stackset.py"``.
"""

from __future__ import annotations

import cdk_stacksets as stacksets
from aws_cdk import App, CfnParameter, Environment, RemovalPolicy, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_s3 as s3
from constructs import Construct
from sms_pool_settings import PoolSettings

ASSET_BUCKET_PREFIX = "example-sms-settings-assets"
ORGANIZATION_ID = "o-exampleorgid"
ORGANIZATIONAL_UNIT = "ou-exam-plewkld1"
REGIONS = ("us-east-1", "eu-west-1")
MANAGEMENT = Environment(account="111111111111", region="us-east-1")


class AssetBuckets(Stack):
    """One bucket per target region, ``<prefix>-<region>``, readable by every account of the organization
    (the StackSet's stack instances fetch the Lambda code from the bucket of their own region)."""

    def __init__(self, scope: Construct, construct_id: str, *, region: str) -> None:
        super().__init__(scope, construct_id, env=Environment(account=MANAGEMENT.account, region=region))
        self.bucket = s3.Bucket(
            self,
            "Bucket",
            bucket_name=f"{ASSET_BUCKET_PREFIX}-{region}",
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            encryption=s3.BucketEncryption.S3_MANAGED,
            enforce_ssl=True,
            versioned=True,
            removal_policy=RemovalPolicy.RETAIN,
        )
        self.bucket.add_to_resource_policy(
            iam.PolicyStatement(
                actions=["s3:GetObject"],
                resources=[self.bucket.arn_for_objects("*")],
                principals=[iam.OrganizationPrincipal(ORGANIZATION_ID)],
            )
        )


class SmsSettingsStackSet(Stack):
    """The parent stack: the StackSet, service-managed, auto-deployed to the OU in ``REGIONS``."""

    def __init__(self, scope: Construct, construct_id: str) -> None:
        super().__init__(scope, construct_id, env=MANAGEMENT)
        # Imported by name: a bucket of another region cannot be a cross-stack reference, and the
        # synthesizer finds each one by the same name anyway.
        buckets = [
            s3.Bucket.from_bucket_name(self, f"Assets-{region}", f"{ASSET_BUCKET_PREFIX}-{region}")
            for region in REGIONS
        ]
        template = stacksets.StackSetStack(
            self, "SmsSettings", asset_buckets=buckets, asset_bucket_prefix=ASSET_BUCKET_PREFIX
        )
        # Pool IDs differ in every account: the pool comes from a parameter, overridden per deployment
        # target (or use PoolSelector.tag(...) to find it by tag in each account).
        pool = CfnParameter(template, "PoolId", type="String", min_length=1)
        token = CfnParameter(template, "ReconcileToken", type="String", default="")
        PoolSettings(
            template,
            "PoolSettings",
            pool=pool.value_as_string,
            deletion_protection_enabled=True,
            shared_routes_enabled=False,
            reconcile_token=token.value_as_string,
        )
        stacksets.StackSet(
            self,
            "StackSet",
            template=stacksets.StackSetTemplate.from_stack_set_stack(template),
            deployment_type=stacksets.DeploymentType.service_managed(
                # A new account of the OU gets a stack instance; a removed one keeps its stack (a
                # deleted instance would send a Delete, which leaves the pool's settings as they are).
                auto_deploy_enabled=True,
                auto_deploy_retain_stacks=True,
            ),
            target=stacksets.StackSetTarget.from_organizational_units(
                regions=list(REGIONS),
                organizational_units=[ORGANIZATIONAL_UNIT],
                parameter_overrides={"PoolId": "pool-0123456789abcdef0123456789abcdef"},
            ),
            # The provider's role: CloudFormation needs CAPABILITY_IAM (no named IAM resources, so
            # not CAPABILITY_NAMED_IAM).
            capabilities=[stacksets.Capability.IAM],
            operation_preferences=stacksets.OperationPreferences(
                region_concurrency_type=stacksets.RegionConcurrencyType.SEQUENTIAL,
                max_concurrent_percentage=25,
                failure_tolerance_percentage=0,
            ),
        )


def build(app: App) -> tuple[SmsSettingsStackSet, list[AssetBuckets]]:
    """The asset bucket stacks (one per region) and the parent stack, in ``app``."""
    bucket_stacks = [AssetBuckets(app, f"SmsSettingsAssets-{region}", region=region) for region in REGIONS]
    parent = SmsSettingsStackSet(app, "SmsSettingsStackSet")
    for bucket_stack in bucket_stacks:
        parent.add_stack_dependency(bucket_stack)
    return parent, bucket_stacks


if __name__ == "__main__":
    application = App()
    build(application)
    application.synth()
