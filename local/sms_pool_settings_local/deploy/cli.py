"""``sms-pool-settings local``: deploy, destroy, drift and status of YOUR CDK app on the local emulator.

``sms-pool-settings local <command> ...`` (the ``[local]`` extra) calls ``main(argv)``; so does
``python -m sms_pool_settings_local.deploy``. The commands:

- ``deploy --app <app dir or cloud assembly> [--stack NAME ...] [--all]``: an app directory (it holds
  ``cdk.json``) is synthesized by its own CDK CLI (``npx cdk synth`` there, into its ``cdk.out``, or
  ``cdk.json``'s ``output``); a cloud assembly (it holds ``manifest.json``) is read as it is. Never this
  repository's example app, unless that is the directory named.
- ``drift`` and ``status``: start the same stand-ins as ``deploy`` (the emulator's state, the records in
  moto's SSM, the CloudFormation stand-in fed from the stack state) and run the product's own
  ``sms-pool-settings drift``/``status`` against them, through ``AWS_ENDPOINT_URL_<SERVICE>`` only: the
  local drift is the code that runs against AWS.
- ``destroy``, ``continue-update-rollback``, ``resources`` (the stack as the driver applied it) and
  ``console set-pool|seed-pool|show-pool`` (out-of-band changes, as a console user makes them).

What it writes: the cloud assembly of the app it synthesizes (inside the directory ``--app`` names) and
the state directory, ``--state-dir``, by default ``.sms-pool-settings-local`` in the current directory
(emulator state, stack state, SSM records). Nothing else.

Exit codes (``sms_pool_settings_cli.exit_codes``): 0 success (drift: in sync), 1 error, 2 usage error,
3 drift found.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, TextIO

from pool_settings_handler import constants as c
from sms_pool_settings_cli import exit_codes
from sms_pool_settings_cli.arguments import (
    Parser,
    UsageError,
    add_common_options,
    option_default,
    parse_command_line,
)
from sms_pool_settings_cli.main import main as product_main

from sms_pool_settings_local.deploy.client import SmsClient
from sms_pool_settings_local.deploy.engine import DEFAULT_MAX_PARALLEL
from sms_pool_settings_local.deploy.errors import DeployError, DriverError, StateError
from sms_pool_settings_local.deploy.iam import DEFAULT_ROLE_PROPAGATION_SECONDS
from sms_pool_settings_local.deploy.session import (
    DEFAULT_REGION,
    DEFAULT_STATE_DIR,
    LocalAccount,
    environment_dir,
)
from sms_pool_settings_local.deploy.state import StackState, StateStore
from sms_pool_settings_local.deploy.synth import APP_FILE, MANIFEST_FILE, assembly_dir_of, synth_app
from sms_pool_settings_local.deploy.template import Template, read_assembly_stacks
from sms_pool_settings_local.emulator import ACCOUNT_ID, EmulatorControlError
from sms_pool_settings_local.offline_env import OFFLINE_ENVIRONMENT

PROG = "sms-pool-settings local"
ENDPOINT_VARIABLE = "AWS_ENDPOINT_URL_PINPOINT_SMS_VOICE_V2"
# The region when neither --region nor the SDK's variables give one (the emulator's default).
REGION_VARIABLES = ("AWS_REGION", "AWS_DEFAULT_REGION")
# Kept for the driver's own tests and the demo: the product's codes under their old names.
EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_DRIFT = (
    exit_codes.OK,
    exit_codes.ERROR,
    exit_codes.USAGE,
    exit_codes.DRIFT,
)

EPILOG = (
    "exit codes: 0 success (drift: in sync), 1 error, 2 usage error, 3 drift found. State: --state-dir, "
    f"default {DEFAULT_STATE_DIR} in the current directory. See docs/local-deploy.md."
)


def _default_region() -> str:
    return next((os.environ[v] for v in REGION_VARIABLES if os.environ.get(v)), DEFAULT_REGION)


def _common_options(parser: argparse.ArgumentParser, *, top: bool) -> None:
    """The options every command takes, before or after the command (as the product's CLI has them).

    The command's copy defaults to SUPPRESS, so it never overwrites a value given before the command
    (``sms_pool_settings_cli.arguments.option_default``).
    """

    def default(value: object) -> object:
        return option_default(value, top=top)

    add_common_options(
        parser,
        top=top,
        region_default=_default_region(),
        region_help=f"the emulated region (default: AWS_REGION, AWS_DEFAULT_REGION, else {DEFAULT_REGION})",
        profile_help="refused: local commands sign with the emulator's dummy credentials, never a profile's",
    )
    parser.add_argument(
        "--state-dir",
        default=default(DEFAULT_STATE_DIR),
        help="where the emulator's, the stacks' and the records' state lives (default: "
        f"{DEFAULT_STATE_DIR}, in the current directory)",
    )
    parser.add_argument(
        "--account",
        default=default(ACCOUNT_ID),
        help="the emulated account (12 digits); each account and region keeps its own stacks and pools "
        f"(default: {ACCOUNT_ID})",
    )
    parser.add_argument(
        "--endpoint-url",
        default=default(os.environ.get(ENDPOINT_VARIABLE) or None),
        help=f"an emulator already running (default: ${ENDPOINT_VARIABLE}, else one started for the "
        "command, its state in the state directory)",
    )
    parser.add_argument(
        "--no-iam",
        action="store_true",
        default=default(False),
        help="do not enforce the provider role's policies while a handler runs (default: enforced)",
    )
    parser.add_argument(
        "--role-propagation-seconds",
        type=float,
        default=default(DEFAULT_ROLE_PROPAGATION_SECONDS),
        help="a role the driver creates is assumable only this long after its creation, like IAM's "
        f"eventual consistency (default: {DEFAULT_ROLE_PROPAGATION_SECONDS:g})",
    )


def _stacks_option(parser: argparse.ArgumentParser, default_text: str) -> None:
    parser.add_argument(
        "--stack",
        dest="stacks",
        action="append",
        default=[],
        metavar="NAME",
        help=f"a stack ({default_text}; repeatable)",
    )


def _app_option(parser: argparse.ArgumentParser, *, default: str | None, text: str) -> None:
    parser.add_argument(
        "--app",
        "--app-dir",
        dest="app",
        default=default,
        metavar="DIR",
        help=f"your app's directory (holding {APP_FILE}) or a cloud assembly (holding {MANIFEST_FILE}); "
        f"{text}",
    )


def build_parser() -> argparse.ArgumentParser:
    """The command line of ``sms-pool-settings local``."""
    parser = Parser(
        prog=PROG,
        description="Deploy your CDK app to the local SMS emulator as CloudFormation would, and run "
        "drift and status against it with the same code as against AWS.",
        epilog=EPILOG,
    )
    _common_options(parser, top=True)
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def command(name: str, text: str) -> argparse.ArgumentParser:
        sub = commands.add_parser(name, help=text, description=text, epilog=EPILOG)
        _common_options(sub, top=False)
        return sub

    deploy = command(
        "deploy", "synthesize your app (an app directory) or read a cloud assembly, and deploy it"
    )
    _app_option(deploy, default=".", text="default: the current directory")
    _stacks_option(deploy, "default: the app's only stack")
    deploy.add_argument("--all", action="store_true", help="every stack of the app, in dependency order")
    deploy.add_argument(
        "-c",
        "--context",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="CDK context, as `cdk synth -c`",
    )
    deploy.add_argument(
        "--no-synth",
        action="store_true",
        help="never synthesize: read the app's cloud assembly as last synthesized",
    )
    deploy.add_argument(
        "--parameters",
        action="append",
        default=[],
        metavar="[STACK:]NAME=VALUE",
        help="a template parameter's value, as `cdk deploy --parameters`: for STACK only, else for every "
        "stack deployed that declares NAME (a parameter not given keeps its previous value, else its "
        "Default)",
    )
    deploy.add_argument(
        "--serial",
        action="store_true",
        help="one resource at a time, in a fixed order (default: independent resources in parallel)",
    )

    for name, text in (
        (
            "drift",
            "compare each managed setting with its live pool: `sms-pool-settings drift` on the emulator",
        ),
        ("status", "what each PoolSettings manages, its priors, its last change: `sms-pool-settings status`"),
        ("resources", "a stack as the driver applied it: status, outputs, resources, rollback still to do"),
    ):
        sub = command(name, text)
        _app_option(sub, default=None, text="its stacks (default: every stack with state here)")
        _stacks_option(sub, "default: every stack of --app, else every stack with state here")

    destroy = command("destroy", "delete every resource of a stack, in reverse dependency order")
    _app_option(destroy, default=None, text="its stacks, in reverse dependency order")
    _stacks_option(destroy, "default: the only stack with state here")
    destroy.add_argument("--all", action="store_true", help="every stack with state here, importers first")

    rollback = command(
        "continue-update-rollback", "retry the failed part of an update rollback (UPDATE_ROLLBACK_FAILED)"
    )
    _stacks_option(rollback, "default: the only stack with state here")
    rollback.add_argument(
        "--resources-to-skip",
        nargs="*",
        default=[],
        metavar="LOGICAL_ID",
        help="resources whose rollback is not retried (considered rolled back, kept for destroy)",
    )

    console = command("console", "act on a pool out of band, as a console user would")
    actions = console.add_subparsers(dest="action", required=True, metavar="ACTION")
    set_pool = actions.add_parser("set-pool", help="UpdatePool with the given settings")
    set_pool.add_argument("pool", help="pool ID or ARN")
    set_pool.add_argument(
        "settings", nargs="+", metavar="Name=value", help="e.g. DeletionProtectionEnabled=false"
    )
    seed_pool = actions.add_parser(
        "seed-pool", help="create a pool with a chosen ID, as if made before the stack"
    )
    seed_pool.add_argument("pool", help="pool ID, pool- and 32 hex digits")
    seed_pool.add_argument("settings", nargs="*", metavar="Name=value", help="e.g. SharedRoutesEnabled=true")
    seed_pool.add_argument(
        "--tag", action="append", default=[], metavar="KEY=VALUE", help="a tag of the pool (repeatable)"
    )
    show_pool = actions.add_parser("show-pool", help="DescribePools for one pool")
    show_pool.add_argument("pool", help="pool ID or ARN")
    for action in (set_pool, seed_pool, show_pool):
        _common_options(action, top=False)
    return parser


# ------------------------------------------------------------------------------------------------------
def main(argv: Sequence[str] | None = None) -> int:
    """Run ``sms-pool-settings local`` with ``argv`` (default: ``sys.argv[1:]``); returns the exit code.

    Every failure is one ``error:`` line on standard error, never a traceback.

    Example:
        >>> main(["deploy", "--app", "my-app", "--stack", "Messaging"])  # doctest: +SKIP
        0
    """
    args = parse_command_line(build_parser(), sys.argv[1:] if argv is None else argv, _check_usage)
    if isinstance(args, int):  # the usage error printed, or --help
        return args
    try:
        return _dispatch(args)
    except (DriverError, DeployError, EmulatorControlError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return exit_codes.ERROR


run = main  # the name the driver's tests have used


def _check_usage(args: argparse.Namespace) -> None:
    if args.profile is not None:
        raise UsageError(
            f"{PROG}: error: --profile {args.profile}: local commands sign with the emulator's dummy "
            "credentials and read no profile; drop --profile"
        )
    if args.role_propagation_seconds < 0:
        raise UsageError(
            f"{PROG}: error: --role-propagation-seconds must be >= 0, got {args.role_propagation_seconds:g}"
        )
    if getattr(args, "all", False) and args.stacks:
        raise UsageError(f"{PROG}: error: --all names every stack: drop --stack")


def _account(args: argparse.Namespace, stream: TextIO | None = None) -> LocalAccount:
    return LocalAccount(
        args.state_dir,
        args.endpoint_url,
        args.region,
        stream=stream,
        max_parallel=1 if getattr(args, "serial", False) else DEFAULT_MAX_PARALLEL,
        enforce_iam=not args.no_iam,
        role_propagation_seconds=args.role_propagation_seconds,
        account=args.account,
    )


def _dispatch(args: argparse.Namespace) -> int:
    # With --output json, progress lines go to standard error and the one JSON document to standard output.
    progress = sys.stderr if args.output == "json" else None
    if args.command == "deploy":
        templates = _templates_to_deploy(args)
        with _account(args, progress) as account:
            results = []
            parameters = _stack_parameters(args.parameters, templates)
            for template in templates:
                ok = account.deploy(template, parameters[template.stack_name]).ok
                results.append((template.stack_name, ok))
                if not ok:
                    break
            return _done(args, account, results)
    if args.command in ("drift", "status"):
        with _account(args) as account:
            return _product(args, account)
    with _account(args, progress) as account:
        if args.command == "destroy":
            results = []
            for name in _stacks_to_destroy(args, account):
                ok = account.destroy(name).ok
                results.append((name, ok))
                if not ok:
                    break
            return _done(args, account, results)
        if args.command == "continue-update-rollback":
            name = _only_stack(args, account)
            ok = account.continue_update_rollback(name, list(args.resources_to_skip)).ok
            return _done(args, account, [(name, ok)])
        if args.command == "resources":
            return _resources(args, account)
        return _console(args, account)


# --- deploy --------------------------------------------------------------------------------------------
def _templates_to_deploy(args: argparse.Namespace) -> list[Template]:
    """The stacks ``deploy`` deploys, in dependency order, synthesizing the app first when it is one."""
    app = Path(args.app)
    context = _pairs(args.context, "--context")
    if _is_assembly(app):
        if context:
            raise DriverError(f"--context needs a synth, and --app {app} is a cloud assembly: drop --context")
        assembly = app
    elif (app / APP_FILE).is_file():
        if args.no_synth:
            if context:
                raise DriverError("--context needs a synth: drop --no-synth")
            assembly = assembly_dir_of(app)
        else:
            assembly = assembly_dir_of(app)
            print(
                f"Synthesizing {app.resolve()} with its CDK CLI into {assembly.resolve()} ...",
                file=sys.stderr,
                flush=True,
            )
            synth_app(app, context)
    else:
        raise DriverError(
            f"--app {app}: expected your app's directory (holding {APP_FILE}) or a cloud assembly "
            f"(holding {MANIFEST_FILE}), and it holds neither"
        )
    templates = read_assembly_stacks(assembly)
    names = [t.stack_name for t in templates]
    if args.all:
        return templates
    if not args.stacks:
        if len(templates) != 1:
            raise DriverError(
                f"the app has {len(names)} stacks ({', '.join(names)}): give --stack NAME or --all"
            )
        return templates
    unknown = [s for s in args.stacks if s not in names]
    if unknown:
        raise DriverError(
            f"--stack {', '.join(unknown)}: not in the app, whose stacks are {', '.join(names) or 'none'}"
        )
    return [t for t in templates if t.stack_name in args.stacks]


def _is_assembly(app: Path) -> bool:
    """A cloud assembly (``manifest.json``), not an app directory (``cdk.json``)."""
    return (app / MANIFEST_FILE).is_file() and not (app / APP_FILE).is_file()


def _in_environment(template: Template, args: argparse.Namespace) -> bool:
    """The stack is for this account and region, or environment-agnostic (``aws://unknown-...``)."""
    account, _, region = template.environment.removeprefix("aws://").partition("/")
    return all(
        not value or value.startswith("unknown-") or value == wanted
        for value, wanted in ((account, args.account), (region, args.region))
    )


def _pairs(pairs: Sequence[str], option: str) -> dict[str, str]:
    found: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise DriverError(f"{option} must be KEY=VALUE, got {pair!r}")
        found[key] = value
    return found


def _stack_parameters(pairs: Sequence[str], templates: Sequence[Template]) -> dict[str, dict[str, str]]:
    """Stack name -> the ``--parameters`` values it gets: ``STACK:NAME=VALUE`` that stack's, ``NAME=VALUE``
    every stack's that declares ``NAME`` (as ``cdk deploy --parameters``).

    Raises:
        DriverError: a value for a stack not deployed, or a NAME no stack deployed declares.
    """
    found: dict[str, dict[str, str]] = {t.stack_name: {} for t in templates}
    declared = {t.stack_name: set(t.body.get("Parameters", {})) for t in templates}
    for key, value in _pairs(pairs, "--parameters").items():
        stack, sep, name = key.rpartition(":")
        if sep:
            if stack not in found:
                raise DriverError(
                    f"--parameters {key}={value}: stack {stack} is not deployed by this command "
                    f"({', '.join(found)})"
                )
            found[stack][name] = (
                value  # an undeclared name is refused by the deploy, in CloudFormation's words
            )
            continue
        takers = [s for s, names in declared.items() if name in names]
        if not takers:
            raise DriverError(
                f"--parameters {key}={value}: no stack deployed ({', '.join(found)}) declares a parameter "
                f"{name}"
            )
        for taker in takers:
            found[taker][name] = value
    return found


def _done(args: argparse.Namespace, account: LocalAccount, results: list[tuple[str, bool]]) -> int:
    code = exit_codes.OK if results and all(ok for _, ok in results) else exit_codes.ERROR
    if args.output == "json":
        stacks = []
        for name, ok in results:
            state = account.store.load(name)
            stacks.append(
                {
                    "StackName": name,
                    "Region": account.region,
                    "StackId": state.stack_id if state else None,
                    "StackStatus": state.status if state else "DELETE_COMPLETE",
                    "Succeeded": ok,
                }
            )
        print(json.dumps({"Stacks": stacks, "ExitCode": code}, indent=2))
    return code


# --- which stacks ---------------------------------------------------------------------------------------
def _state_stacks(args: argparse.Namespace) -> list[str]:
    return StateStore(environment_dir(args.state_dir, args.account, args.region)).stacks()


def _named_stacks(args: argparse.Namespace) -> list[str]:
    """--stack, else the stacks of --app for this account and region (its cloud assembly as last
    synthesized), else every stack with state in this account and region."""
    if args.stacks:
        return list(dict.fromkeys(args.stacks))
    if args.app is not None:
        app = Path(args.app)
        assembly = app if _is_assembly(app) else assembly_dir_of(app)
        return [t.stack_name for t in read_assembly_stacks(assembly) if _in_environment(t, args)]
    stacks = _state_stacks(args)
    if not stacks:
        raise StateError(
            f"no stack has state in {environment_dir(args.state_dir, args.account, args.region)} "
            f"(account {args.account}, {args.region}): deploy one, or give --stack or --state-dir"
        )
    return stacks


def _only_stack(args: argparse.Namespace, account: LocalAccount) -> str:
    if len(args.stacks) > 1:
        raise DriverError(f"{args.command} takes one --stack, got {', '.join(args.stacks)}")
    if args.stacks:
        return str(args.stacks[0])
    stacks = account.store.stacks()
    if len(stacks) != 1:
        raise StateError(
            f"--stack is required when {account.store.directory} holds state for {len(stacks)} stacks "
            f"({', '.join(stacks) or 'none'})"
        )
    return stacks[0]


def _stacks_to_destroy(args: argparse.Namespace, account: LocalAccount) -> list[str]:
    """The stacks to destroy, importers before the stacks whose exports they import."""
    if args.all:
        names = account.store.stacks()
    elif args.stacks or args.app is not None:
        names = _named_stacks(args)
    else:
        names = [_only_stack(args, account)]
    states = {name: account.store.load(name) for name in names}
    exporter = {
        output["Export"]: name
        for name, state in states.items()
        if state is not None
        for output in state.outputs.values()
        if output.get("Export")
    }
    ordered: list[str] = []

    def visit(name: str) -> None:  # every importer of this stack's exports goes first
        if name in ordered:
            return
        for other, state in states.items():
            if other != name and state is not None and any(exporter.get(i) == name for i in state.imports):
                visit(other)
        ordered.append(name)

    for name in names:
        visit(name)
    return ordered


# --- drift and status: the product's own code, on the stand-ins -----------------------------------------
def _product(args: argparse.Namespace, account: LocalAccount) -> int:
    """``sms-pool-settings drift|status --stack ...`` against this account's stand-ins."""
    stacks = _named_stacks(args)
    argv = [args.command, *(x for name in stacks for x in ("--stack", name))]
    argv += ["--region", args.region, "--output", args.output]
    with _aws_environment(account):
        return product_main(argv)


@contextlib.contextmanager
def _aws_environment(account: LocalAccount) -> Iterator[None]:
    """``os.environ`` pointing the SDK at this account's stand-ins, as a user's shell would, then restored.

    The emulator (``AWS_ENDPOINT_URL_PINPOINT_SMS_VOICE_V2``), moto's SSM and the CloudFormation
    stand-in (``AWS_ENDPOINT_URL_SSM``, ``AWS_ENDPOINT_URL_CLOUDFORMATION``, unless the user set them),
    the dummy credentials of this account, its region; no profile or AWS configuration file is read.
    """
    stand_ins = account.stand_ins_started()
    variables = {
        **OFFLINE_ENVIRONMENT,
        "AWS_REGION": account.region,
        "AWS_DEFAULT_REGION": account.region,
        ENDPOINT_VARIABLE: account.endpoint_url,
        **stand_ins.environment,
    }
    if account.driver_access_key is not None:
        variables["AWS_ACCESS_KEY_ID"] = account.driver_access_key
    saved = dict(os.environ)
    os.environ.pop("AWS_PROFILE", None)
    os.environ.update(variables)
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


# --- resources and console -----------------------------------------------------------------------------
def _resources(args: argparse.Namespace, account: LocalAccount) -> int:
    states: list[tuple[str, StackState | None]] = [
        (name, account.store.load(name)) for name in _named_stacks(args)
    ]
    code = exit_codes.OK if all(state is not None for _, state in states) else exit_codes.ERROR
    if args.output == "json":
        print(json.dumps({"Stacks": [_state_json(n, s) for n, s in states], "ExitCode": code}, indent=2))
        return code
    for name, state in states:
        if state is None:
            print(
                f"error: stack {name} has no state in {account.store.directory}: not deployed here",
                file=sys.stderr,
            )
            continue
        print(f"{name}: {state.status}")
        for op in state.pending_rollback:
            print(
                f"  rollback still to do: {op['op']} {op['logical_id']} (continue-update-rollback retries it)"
            )
        for key, output in state.outputs.items():
            print(f"  Output {key} = {output.get('Value')}")
        for logical, res in sorted(state.resources.items()):
            where = "" if res.local else "  (not applied locally)"
            print(f"  {logical:<50} {res.type:<28} {res.physical_id}{where}")
            if res.type == c.RESOURCE_TYPE:
                changed = res.attributes.get(c.ATTR_CHANGED_FIELDS) or "(none)"
                print(f"  {'':<50} {c.ATTR_CHANGED_FIELDS}: {changed}")
    return code


def _state_json(name: str, state: StackState | None) -> dict[str, Any]:
    if state is None:
        return {"StackName": name, "Error": "not deployed here"}
    return {
        "StackName": name,
        "StackId": state.stack_id,
        "StackStatus": state.status,
        "Outputs": {k: v.get("Value") for k, v in state.outputs.items()},
        "Resources": {
            k: {"Type": r.type, "PhysicalResourceId": r.physical_id, "Applied": r.local}
            for k, r in sorted(state.resources.items())
        },
        "PendingRollback": state.pending_rollback,
    }


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


def _console(args: argparse.Namespace, account: LocalAccount) -> int:
    sms: SmsClient = account.sms()
    if args.action == "seed-pool":
        settings = dict(_setting(pair) for pair in args.settings)
        tags = _pairs(args.tag, "--tag")
        pool = account.control.seed_pool(
            args.pool, region=args.region, account=args.account, tags=tags, **settings
        )
        message = f"Seeded {pool['PoolId']} in the emulator ({account.endpoint_url})"
    elif args.action == "set-pool":
        settings = dict(_setting(pair) for pair in args.settings)
        pool = sms.update_pool(args.pool, **settings)
        message = f"UpdatePool {pool['PoolId']}: " + ", ".join(f"{k}={_text(pool.get(k))}" for k in settings)
    else:
        pool = sms.describe_pool(args.pool)
        keys = ("PoolId", "PoolArn", "Status", "MessageType", *c.MANAGED_SETTINGS)
        message = "\n".join(f"{key}: {_text(pool[key])}" for key in keys if key in pool)
    if args.output == "json":
        print(json.dumps(pool, indent=2, default=str))
    else:
        print(message)
    return exit_codes.OK


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
