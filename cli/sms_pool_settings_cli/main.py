"""``sms-pool-settings``: ``drift``, ``status`` and ``local``, with the exit codes of ``exit_codes``.

``--region``, ``--profile`` and ``--output`` go before or after the subcommand. Every failure prints one
line to standard error; reports go to standard output. ``local`` hands everything after it to the
``[local]`` extra (``sms_pool_settings_local.deploy.cli.main``), imported only when it is asked for.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Callable, Sequence

from sms_pool_settings_cli import exit_codes
from sms_pool_settings_cli.arguments import COMMON_OPTIONS, Parser, add_common_options, parse_command_line
from sms_pool_settings_cli.aws import Aws, session
from sms_pool_settings_cli.errors import CliError
from sms_pool_settings_cli.report import (
    StackReport,
    drift_json,
    drift_text,
    exit_code,
    status_json,
    status_text,
)
from sms_pool_settings_cli.stacks import Reader, drift, status

PROG = "sms-pool-settings"
LOCAL_MODULE = "sms_pool_settings_local.deploy.cli"
LOCAL_EXTRA_HINT = "pip install 'sms-pool-settings[local]'"
# The options every subcommand also takes, each with a value: found before `local` so that
# `sms-pool-settings --region eu-west-1 local ...` still dispatches (and passes them on).
GLOBAL_OPTIONS = COMMON_OPTIONS

EPILOG = (
    "exit codes: 0 success (drift: in sync), 1 error (unknown stack, access denied, throttled, a value "
    "that cannot be determined), 2 usage error, 3 drift found. The region, profile, credentials and "
    "endpoints are the SDK's own: --region/--profile, else AWS_REGION, AWS_DEFAULT_REGION, AWS_PROFILE, "
    "AWS_ENDPOINT_URL_<SERVICE> ... See docs/cli.md."
)


def _common_options(parser: argparse.ArgumentParser, *, top: bool) -> None:
    add_common_options(
        parser,
        top=top,
        region_default=None,
        region_help="the stack's region (default: the SDK's: AWS_REGION, AWS_DEFAULT_REGION, the profile's)",
        profile_help="a named profile (default: AWS_PROFILE, else the default)",
    )


def build_parser() -> argparse.ArgumentParser:
    """The command line of ``sms-pool-settings`` (``local`` is dispatched before it is parsed)."""
    parser = Parser(
        prog=PROG,
        description="Operations on deployed PoolSettings (AWS End User Messaging SMS pool settings).",
        epilog=EPILOG,
    )
    _common_options(parser, top=True)
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    drift_parser = commands.add_parser(
        "drift",
        help="compare each managed setting with its live pool (read only)",
        description="For every PoolSettings of each stack, the value it applies (from its SSM record, "
        "else read back from CloudFormation) against the live pool, setting by setting. Exit 0 in sync, "
        "3 drift found, 1 when anything could not be determined.",
        epilog=EPILOG,
    )
    status_parser = commands.add_parser(
        "status",
        help="show what each PoolSettings manages, its prior values and last change (read only)",
        description="Per PoolSettings: the pool, the owner, each managed setting's applied and prior "
        "value (what a Delete that puts the pool back writes), released settings, the last change.",
        epilog=EPILOG,
    )
    for command in (drift_parser, status_parser):
        command.add_argument(
            "--stack",
            dest="stacks",
            action="append",
            required=True,
            metavar="NAME",
            help="a deployed stack's name or ID (repeat for several stacks of the region)",
        )
        _common_options(command, top=False)
    commands.add_parser(
        "local",
        add_help=False,
        help=f"deploy, destroy, drift, status of your app on the local emulator (needs {LOCAL_EXTRA_HINT})",
    )
    return parser


def _local_argv(argv: Sequence[str]) -> list[str] | None:
    """The arguments for ``local`` when the subcommand is ``local`` (global options before it first)."""
    before: list[str] = []
    index = 0
    while index < len(argv):
        token = argv[index]
        if token in GLOBAL_OPTIONS and index + 1 < len(argv):
            before += argv[index : index + 2]
            index += 2
        elif token.startswith(tuple(f"{o}=" for o in GLOBAL_OPTIONS)):
            before.append(token)
            index += 1
        else:
            break
    if index < len(argv) and argv[index] == "local":
        return [*before, *argv[index + 1 :]]
    return None


def run_local(argv: Sequence[str]) -> int:
    """``sms-pool-settings local ...``: the ``[local]`` extra's command line, imported now.

    Returns ``exit_codes.ERROR`` with one line naming the extra when its packages are not installed.
    """
    try:
        module = importlib.import_module(LOCAL_MODULE)
    except ModuleNotFoundError as exc:
        missing = exc.name or LOCAL_MODULE
        print(
            f"error: {PROG} local needs the [local] extra: {LOCAL_EXTRA_HINT} (missing module {missing})",
            file=sys.stderr,
        )
        return exit_codes.ERROR
    local_main: Callable[[list[str]], int] | None = getattr(module, "main", None)
    if local_main is None:
        print(f"error: {LOCAL_MODULE} has no main(argv): the [local] extra is incomplete", file=sys.stderr)
        return exit_codes.ERROR
    return int(local_main(list(argv)))


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``sms-pool-settings`` with ``argv`` (default: ``sys.argv[1:]``); returns the exit code.

    Example:
        >>> main(["drift", "--stack", "Messaging", "--region", "us-east-1"])  # doctest: +SKIP
        0
    """
    args_list = list(sys.argv[1:] if argv is None else argv)
    local = _local_argv(args_list)
    if local is not None:
        return run_local(local)
    args = parse_command_line(build_parser(), args_list)
    if isinstance(args, int):  # the usage error printed, or --help
        return args
    try:
        reader: Reader = Aws(session(args.region, args.profile))
    except CliError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return exit_codes.ERROR
    command = drift if args.command == "drift" else status
    reports = [command(reader, name) for name in dict.fromkeys(args.stacks)]
    rendered = _render(args.command, args.output, reports)
    if rendered:  # nothing for people when no stack could be read: the error lines say it all
        print(rendered)
    for report in reports:
        for line in report.errors():
            print(f"error: {line}", file=sys.stderr)
    return exit_code(reports)


def _render(command: str, output: str, reports: Sequence[StackReport]) -> str:
    if command == "drift":
        return drift_json(reports) if output == "json" else drift_text(reports)
    return status_json(reports) if output == "json" else status_text(reports)
