"""``python -m sms_pool_settings_local.deploy``: deploy, destroy, drift, status and console commands on
the local account.

Each command runs against the emulator given by ``--endpoint-url`` (or the SDK's standard variable
``AWS_ENDPOINT_URL_PINPOINT_SMS_VOICE_V2``) or, when none is given, one started in-process for the
command with its state in ``.local-state/``.
Exit codes: 0 success (drift: none found), 1 failure, 2 drift found (``drift`` only) or bad arguments.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from typing import Any

from pool_settings_handler import constants as c

from sms_pool_settings_local.deploy.client import CloudFormationClient, SmsClient
from sms_pool_settings_local.deploy.engine import DEFAULT_MAX_PARALLEL
from sms_pool_settings_local.deploy.errors import DeployError, DriverError, StateError
from sms_pool_settings_local.deploy.iam import DEFAULT_ROLE_PROPAGATION_SECONDS
from sms_pool_settings_local.deploy.remote import deployed_state
from sms_pool_settings_local.deploy.session import (
    DEFAULT_REGION,
    DEFAULT_STATE_DIR,
    LocalAccount,
    drift_of,
    environment_dir,
)
from sms_pool_settings_local.deploy.state import StateStore
from sms_pool_settings_local.deploy.synth import synth
from sms_pool_settings_local.deploy.template import read_assembly, read_assembly_stacks
from sms_pool_settings_local.emulator import ACCOUNT_ID, EmulatorControlError

EXIT_OK, EXIT_FAILED, EXIT_DRIFT = 0, 1, 2
ENDPOINT_VARIABLE = "AWS_ENDPOINT_URL_PINPOINT_SMS_VOICE_V2"


def _context(pairs: Sequence[str], option: str = "--context") -> dict[str, str]:
    context: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise DriverError(f"{option} must be key=value, got {pair!r}")
        context[key] = value
    return context


def _setting(pair: str) -> tuple[str, Any]:
    name, sep, value = pair.partition("=")
    if not sep or name not in c.MANAGED_SETTINGS:
        raise DriverError(
            f"a setting must be Name=value with Name one of {', '.join(c.MANAGED_SETTINGS)}, got {pair!r}"
        )
    if name in c.BOOLEAN_SETTINGS:
        if value not in ("true", "false"):
            raise DriverError(f"{name} must be true or false, got {value!r}")
        return name, value == "true"
    return name, value


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m sms_pool_settings_local.deploy",
        description="Deploy a synthesized CDK stack to the emulated SMS endpoint, as CloudFormation would.",
    )
    parser.add_argument(
        "--endpoint-url",
        default=os.environ.get(ENDPOINT_VARIABLE) or None,
        help=f"an emulator already running (default: ${ENDPOINT_VARIABLE}, else one started for the command)",
    )
    parser.add_argument("--state-dir", default=DEFAULT_STATE_DIR, help="default: %(default)s")
    parser.add_argument("--region", default=DEFAULT_REGION, help="default: %(default)s")
    parser.add_argument(
        "--account",
        default=ACCOUNT_ID,
        help="the emulated account (12 digits) to act in; each account and region keeps its own stack "
        "state and pools (default: %(default)s)",
    )
    parser.add_argument(
        "--no-iam",
        action="store_true",
        help="do not enforce the provider role's policies in the emulator while a handler runs "
        "(default: enforced)",
    )
    parser.add_argument(
        "--role-propagation-seconds",
        type=float,
        default=DEFAULT_ROLE_PROPAGATION_SECONDS,
        help="a role the driver creates is assumable by the service only this long after its creation, "
        "like IAM's eventual consistency (default: %(default)s)",
    )
    commands = parser.add_subparsers(dest="command", required=True)

    deploy = commands.add_parser("deploy", help="synthesize (unless --no-synth) and deploy a stack")
    deploy.add_argument("--stack", help="stack name (default: the only stack in the app)")
    deploy.add_argument(
        "--app-dir", default="cdk.out", help="cloud assembly directory (default: %(default)s)"
    )
    deploy.add_argument(
        "-c", "--context", action="append", default=[], metavar="KEY=VALUE", help="CDK context"
    )
    deploy.add_argument("--no-synth", action="store_true", help="deploy the assembly in --app-dir as it is")
    deploy.add_argument(
        "--parameters",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="a template parameter's value, as with `cdk deploy --parameters` (checked against its "
        "AllowedValues/AllowedPattern; a parameter not given keeps its previous value, else its Default)",
    )
    deploy.add_argument(
        "--serial",
        action="store_true",
        help="one resource at a time, in a fixed order (default: independent resources in parallel, "
        "as CloudFormation does)",
    )
    deploy.add_argument(
        "--all", action="store_true", help="every stack of the assembly, in dependency order (as cdk --all)"
    )

    rollback = commands.add_parser(
        "continue-update-rollback",
        help="retry the failed part of an update rollback (stack in UPDATE_ROLLBACK_FAILED)",
    )
    rollback.add_argument("--stack", help="stack name (default: the only stack with local state)")
    rollback.add_argument(
        "--resources-to-skip",
        nargs="*",
        default=[],
        metavar="LOGICAL_ID",
        help="resources whose rollback is not retried (considered rolled back, kept for destroy)",
    )

    for name, text in (
        ("destroy", "delete every resource of a stack, in reverse dependency order"),
        ("status", "show a stack's status and resources as last applied"),
    ):
        command = commands.add_parser(name, help=text)
        command.add_argument("--stack", help="stack name (default: the only stack with local state)")

    drift = commands.add_parser(
        "drift", help="compare declared pool settings with the live pools (read only)"
    )
    drift.add_argument("--stack", help="stack name (default: the only stack with local state)")
    drift.add_argument(
        "--aws",
        action="store_true",
        help="read the deployed stack from CloudFormation, the pools from real AWS (SDK credentials)",
    )

    console = commands.add_parser("console", help="act on a pool out of band, as a console user would")
    actions = console.add_subparsers(dest="action", required=True)
    set_pool = actions.add_parser("set-pool", help="UpdatePool with the given settings")
    set_pool.add_argument("pool", help="pool ID or ARN")
    set_pool.add_argument(
        "settings", nargs="+", metavar="Name=value", help="e.g. DeletionProtectionEnabled=false"
    )
    set_pool.add_argument("--aws", action="store_true", help="act on real AWS (the SDK's credentials)")
    seed_pool = actions.add_parser(
        "seed-pool", help="emulator only: create a pool with a chosen ID, as if made before the stack"
    )
    seed_pool.add_argument("pool", help="pool ID, pool- and 32 hex digits")
    seed_pool.add_argument("settings", nargs="*", metavar="Name=value", help="e.g. SharedRoutesEnabled=true")
    seed_pool.add_argument(
        "--tag", action="append", default=[], metavar="KEY=VALUE", help="a tag of the pool (repeatable)"
    )
    show_pool = actions.add_parser("show-pool", help="DescribePools for one pool")
    show_pool.add_argument("pool", help="pool ID or ARN")
    show_pool.add_argument("--aws", action="store_true", help="read real AWS (the SDK's credentials)")
    return parser


def _stack_name(args: argparse.Namespace) -> str:
    if args.stack:
        return str(args.stack)
    stacks = StateStore(environment_dir(args.state_dir, args.account, args.region)).stacks()
    if len(stacks) != 1:
        raise StateError(
            f"--stack is required when {args.state_dir} holds state for {len(stacks)} stacks "
            f"({', '.join(stacks) or 'none'})"
        )
    return stacks[0]


def run(argv: Sequence[str] | None = None) -> int:
    """Parse ``argv`` and run the command; returns the exit code. Errors print one line, no traceback."""
    args = _parser().parse_args(argv)
    try:
        return _dispatch(args)
    except EmulatorControlError as exc:  # e.g. a policy the emulator cannot evaluate
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_FAILED
    except DriverError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_FAILED


def _dispatch(args: argparse.Namespace) -> int:
    if args.command in ("console", "drift") and getattr(args, "aws", False):
        return _out_of_band(args, SmsClient(None, args.region))
    serial = bool(getattr(args, "serial", False))
    if args.role_propagation_seconds < 0:
        raise DriverError(f"--role-propagation-seconds must be >= 0, got {args.role_propagation_seconds:g}")
    with LocalAccount(
        args.state_dir,
        args.endpoint_url,
        args.region,
        max_parallel=1 if serial else DEFAULT_MAX_PARALLEL,
        enforce_iam=not args.no_iam,
        role_propagation_seconds=args.role_propagation_seconds,
        account=args.account,
    ) as account:
        if args.command == "deploy":
            context = _context(args.context)
            parameters = _context(args.parameters, "--parameters")
            if not args.no_synth:
                # The example app's environment, made the local account's unless given (its defaults
                # name account 111111111111, which the emulator is not).
                context = {"account": args.account, "region": args.region, **context}
                print(f"Synthesizing with the pinned CDK CLI into {args.app_dir} ...", flush=True)
                synth(args.app_dir, context)
            elif context:
                raise DriverError("--context needs a synth: drop --no-synth")
            if args.all:
                if args.stack:
                    raise DriverError("--all deploys every stack: drop --stack")
                for template in read_assembly_stacks(args.app_dir):
                    if not account.deploy(template, parameters).ok:
                        return EXIT_FAILED
                return EXIT_OK
            result = account.deploy(read_assembly(args.app_dir, args.stack), parameters)
            return EXIT_OK if result.ok else EXIT_FAILED
        if args.command == "destroy":
            return EXIT_OK if account.destroy(_stack_name(args)).ok else EXIT_FAILED
        if args.command == "continue-update-rollback":
            done = account.continue_update_rollback(_stack_name(args), list(args.resources_to_skip))
            return EXIT_OK if done.ok else EXIT_FAILED
        if args.command == "status":
            return _status(account, _stack_name(args))
        if args.command == "drift":
            return _report(account.drift(_stack_name(args)))
        if args.action == "seed-pool":
            settings = dict(_setting(pair) for pair in args.settings)
            tags = _context(args.tag, "--tag")
            pool = account.control.seed_pool(
                args.pool, region=args.region, account=args.account, tags=tags, **settings
            )
            print(f"Seeded {pool['PoolId']} in the emulator ({account.endpoint_url})")
            return EXIT_OK
        return _out_of_band(args, account.sms())


def _out_of_band(args: argparse.Namespace, sms: SmsClient) -> int:
    if args.command == "drift":
        if not args.stack:
            raise DriverError("drift --aws needs --stack: the stack is read from CloudFormation")
        state = deployed_state(CloudFormationClient(args.region), sms, args.stack)
        return _report(drift_of(state, sms))
    if args.action == "set-pool":
        settings = dict(_setting(pair) for pair in args.settings)
        pool = sms.update_pool(args.pool, **settings)
        print(f"UpdatePool {pool['PoolId']}: " + ", ".join(f"{k}={_text(pool.get(k))}" for k in settings))
        return EXIT_OK
    pool = sms.describe_pool(args.pool)
    for key in ("PoolId", "PoolArn", "Status", "MessageType", *c.MANAGED_SETTINGS):
        if key in pool:
            print(f"{key}: {_text(pool[key])}")
    return EXIT_OK


def _report(differences: list[Any]) -> int:
    if not differences:
        print("No drift: every declared setting matches its live pool.")
        return EXIT_OK
    print(f"Drift found ({len(differences)} setting(s)):")
    for difference in differences:
        print(f"  {difference}")
    return EXIT_DRIFT


def _status(account: LocalAccount, stack_name: str) -> int:
    state = account.store.load(stack_name)
    if state is None:
        print(f"{stack_name}: not deployed")
        return EXIT_FAILED
    print(f"{stack_name}: {state.status}")
    for op in state.pending_rollback:
        print(f"  rollback still to do: {op['op']} {op['logical_id']} (continue-update-rollback retries it)")
    for name, output in state.outputs.items():
        print(f"  Output {name} = {output.get('Value')}")
    for logical, res in sorted(state.resources.items()):
        where = "" if res.local else "  (not applied locally)"
        print(f"  {logical:<50} {res.type:<28} {res.physical_id}{where}")
        if res.type == c.RESOURCE_TYPE:
            changed = res.attributes.get(c.ATTR_CHANGED_FIELDS) or "(none)"
            print(f"  {'':<50} {c.ATTR_CHANGED_FIELDS}: {changed}")
    return EXIT_OK


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def main() -> None:
    """Console entry point."""
    try:
        sys.exit(run())
    except DeployError as exc:  # a failed SDK call outside a deploy (console, drift)
        print(f"error: {exc}", file=sys.stderr)
        sys.exit(EXIT_FAILED)
