"""A CDK app with N pools' settings, declared with PoolSettings or with AwsCustomResource.

Run as a script, one synth per process, so that each synth pays for its own jsii start-up and its
peak memory can be read from its process tree::

    python benchmarks/synth_app.py --kind ours --pools 50 --outdir /tmp/out

Both kinds declare the same settings for the same pool IDs. The AwsCustomResource app is what a CDK
user would write instead: ``PinpointSMSVoiceV2.updatePool`` with every setting on create and on
update, its policy scoped to the pool's ARN, every other option at its default.
"""

from __future__ import annotations

import time

_STARTED = time.perf_counter()

import argparse  # noqa: E402 - the clock starts before the imports it measures
import json  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

import aws_cdk as cdk  # noqa: E402
from aws_cdk import custom_resources as cr  # noqa: E402

_IMPORTED = time.perf_counter()

KINDS = ("ours", "acr")
# The settings both apps declare, as UpdatePool parameters and as PoolSettings arguments.
SETTINGS = {
    "DeletionProtectionEnabled": True,
    "SelfManagedOptOutsEnabled": True,
    "SharedRoutesEnabled": False,
    "TwoWayEnabled": False,
}


def pool_id(index: int) -> str:
    """The ID of the index-th pool: ``pool-`` and 32 hex digits, the service's shape."""
    return f"pool-{index:032x}"


def add_ours(stack: cdk.Stack, index: int) -> None:
    """Declare one pool's settings with PoolSettings."""
    from sms_pool_settings import PoolSettings  # imported late: the acr kind must not need it

    PoolSettings(
        stack,
        f"Pool{index}",
        pool=pool_id(index),
        deletion_protection_enabled=SETTINGS["DeletionProtectionEnabled"],
        self_managed_opt_outs_enabled=SETTINGS["SelfManagedOptOutsEnabled"],
        shared_routes_enabled=SETTINGS["SharedRoutesEnabled"],
        two_way_enabled=SETTINGS["TwoWayEnabled"],
    )


def add_acr(stack: cdk.Stack, index: int) -> None:
    """Declare one pool's settings with AwsCustomResource, as a CDK user would without PoolSettings."""
    pid = pool_id(index)
    call = cr.AwsSdkCall(
        service="PinpointSMSVoiceV2",
        action="updatePool",
        parameters={"PoolId": pid, **SETTINGS},
        physical_resource_id=cr.PhysicalResourceId.from_response("PoolArn"),
    )
    # An env-agnostic stack: the ARN is built from the stack's partition, region and account.
    arn = stack.format_arn(service="sms-voice", resource="pool", resource_name=pid)
    cr.AwsCustomResource(
        stack,
        f"Pool{index}",
        on_create=call,
        on_update=call,
        policy=cr.AwsCustomResourcePolicy.from_sdk_calls(resources=[arn]),
    )


def project_context() -> dict[str, Any]:
    """The feature flags of the repository's cdk.json, if it has one, so both apps run as a user's would."""
    path = Path(__file__).resolve().parent.parent / "cdk.json"
    if not path.is_file():
        return {}
    context = json.loads(path.read_text()).get("context", {})
    return dict(context) if isinstance(context, dict) else {}


def build(kind: str, pools: int, outdir: str) -> dict[str, float]:
    """Synthesize a stack named ``Bench`` with ``pools`` pools' settings into ``outdir``.

    Returns the seconds of each phase: ``import`` (aws-cdk-lib and the jsii kernel), ``declare``
    (constructing the app, including the construct's own import and asset staging) and ``synth``.
    """
    begun = time.perf_counter()
    app = cdk.App(outdir=outdir, context=project_context())
    stack = cdk.Stack(app, "Bench")
    add = add_ours if kind == "ours" else add_acr
    for index in range(pools):
        add(stack, index)
    declared = time.perf_counter()
    app.synth()
    done = time.perf_counter()
    return {"import": _IMPORTED - _STARTED, "declare": declared - begun, "synth": done - declared}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--kind", choices=KINDS, required=True)
    parser.add_argument("--pools", type=int, required=True)
    parser.add_argument("--outdir", required=True)
    args = parser.parse_args()
    phases = build(args.kind, args.pools, args.outdir)
    print("phases " + json.dumps(phases), flush=True)


if __name__ == "__main__":
    main()
