"""The command-line plumbing of ``sms-pool-settings`` and of ``sms-pool-settings local``, written once.

Both commands take ``--region``, ``--profile`` and ``--output`` before or after the subcommand, print a
refused command line as one line on standard error and exit ``exit_codes.USAGE``, and exit with
argparse's own code after ``--help``:

    parser = Parser(prog="sms-pool-settings")
    add_common_options(parser, top=True, region_default=None, region_help="...", profile_help="...")
    sub = parser.add_subparsers(dest="command").add_parser("drift")
    add_common_options(sub, top=False, region_default=None, region_help="...", profile_help="...")
    parsed = parse_command_line(parser, argv)
    if isinstance(parsed, int):
        return parsed  # the exit code: the usage error is printed, or --help was
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from typing import NoReturn

from sms_pool_settings_cli import exit_codes

OUTPUTS = ("text", "json")
DEFAULT_OUTPUT = "text"
# The options with a value that every subcommand also takes (see ``add_common_options``).
COMMON_OPTIONS = ("--region", "--profile", "--output")


class UsageError(Exception):
    """A command line the parser refuses: one line, exit code ``exit_codes.USAGE``."""


class Parser(argparse.ArgumentParser):
    """An ``ArgumentParser`` whose errors raise ``UsageError`` (one line) instead of printing the usage
    and exiting, so that ``parse_command_line`` returns the exit code."""

    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{self.prog}: error: {message} (see {self.prog} --help)")


def option_default(value: object, *, top: bool) -> object:
    """The default of an option that goes before or after the subcommand: ``value`` on the top-level
    parser, ``argparse.SUPPRESS`` on a subcommand's copy, so that the copy never overwrites a value given
    before the subcommand (the attribute is set only when the option is given after it).

    Example:
        >>> option_default("text", top=True), option_default("text", top=False) == argparse.SUPPRESS
        ('text', True)
    """
    return value if top else argparse.SUPPRESS


def add_common_options(
    parser: argparse.ArgumentParser,
    *,
    top: bool,
    region_default: str | None,
    region_help: str,
    profile_help: str,
) -> None:
    """``--region``, ``--profile`` (Default: None) and ``--output`` (``OUTPUTS``, Default: "text") on
    ``parser``: the top-level parser (``top=True``) or a subcommand's (see ``option_default``)."""
    parser.add_argument("--region", default=option_default(region_default, top=top), help=region_help)
    parser.add_argument("--profile", default=option_default(None, top=top), help=profile_help)
    parser.add_argument(
        "--output",
        choices=OUTPUTS,
        default=option_default(DEFAULT_OUTPUT, top=top),
        help="text for people, json for machines",
    )


def parse_command_line(
    parser: argparse.ArgumentParser,
    argv: Sequence[str],
    check: Callable[[argparse.Namespace], None] | None = None,
) -> argparse.Namespace | int:
    """``argv`` parsed by ``parser`` (then ``check``, which raises ``UsageError``), or the exit code:
    ``exit_codes.USAGE`` with the one-line error printed to standard error, or ``--help``'s own code.

    Args:
        check: what argparse cannot say about the parsed arguments. Default: - nothing more.
    """
    try:
        args = parser.parse_args(list(argv))
        if check is not None:
            check(args)
    except UsageError as exc:
        print(exc, file=sys.stderr)
        return exit_codes.USAGE
    except SystemExit as exc:  # --help (and --version) exit through argparse
        return exc.code if isinstance(exc.code, int) else exit_codes.USAGE
    return args
