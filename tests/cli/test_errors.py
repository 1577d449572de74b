"""Usage errors exit 2, every other failure 1, each with one line; ``--help`` everywhere; ``local``'s
dispatch and its missing extra; the read-only policy of docs/cli.md is enough, and one action less is
denied."""

from __future__ import annotations

import json
import re
import shlex
import sys
from pathlib import Path

import pytest
from parliament import analyze_policy_string
from sms_pool_settings_cli import exit_codes
from sms_pool_settings_cli.main import LOCAL_MODULE, build_parser

from . import app

DOCS = Path(__file__).resolve().parents[2] / "docs"
DOC = DOCS / "cli.md"


def _policy() -> dict:
    (block,) = re.findall(r"```json\n(\{\n  \"Version\".*?)\n```", DOC.read_text(encoding="utf-8"), re.S)
    return json.loads(block)


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        ([], "sms-pool-settings: error: the following arguments are required: COMMAND"),
        (["drift"], "sms-pool-settings drift: error: the following arguments are required: --stack"),
        (["status"], "sms-pool-settings status: error: the following arguments are required: --stack"),
        (["drift", "--stak", "S"], "sms-pool-settings drift: error: the following arguments are required"),
        (["drift", "--stack", "S", "--bogus"], "sms-pool-settings: error: unrecognized arguments: --bogus"),
        (["drift", "--stack", "S", "--output", "yaml"], "sms-pool-settings drift: error: argument --output:"),
        (["--output", "xml", "status", "--stack", "S"], "sms-pool-settings: error: argument --output:"),
        (["detect", "--stack", "S"], "sms-pool-settings: error: argument COMMAND: invalid choice: 'detect'"),
        (["drift", "--stack"], "sms-pool-settings drift: error: argument --stack: expected one argument"),
    ],
)
def test_a_usage_error_exits_2_with_one_line_and_never_the_drift_code(cli, argv, message):
    result = cli(*argv)

    assert result.code == exit_codes.USAGE != exit_codes.DRIFT
    assert result.out == ""
    (line,) = result.err.splitlines()
    assert line.startswith(message)
    assert line.endswith("--help)")


@pytest.mark.parametrize("argv", [["--help"], ["drift", "--help"], ["status", "-h"]])
def test_help_on_the_command_and_every_subcommand(cli, argv):
    result = cli(*argv)

    assert (result.code, result.err) == (0, "")
    assert result.out.startswith("usage: sms-pool-settings")
    assert "exit codes: 0 success" in result.out
    for option in ("--region", "--profile", "--output"):
        assert option in result.out


@pytest.mark.parametrize("doc", ["cli.md", "drift-and-pipelines.md"])
def test_every_command_the_docs_show_parses(doc):
    commands = re.findall(r"^(?:\$ |\s*(?:- )?run: |)sms-pool-settings (.+?)(?: +#.*| \|\|.*| >.*)?$",
                          (DOCS / doc).read_text(encoding="utf-8"), re.M)  # fmt: skip
    # not `local` (the extra's own command line), not the error lines the doc quotes ("drift: error: ...")
    parsed = [c for c in commands if not c.startswith("local") and not c.split()[0].endswith(":")]
    assert parsed
    for command in parsed:
        build_parser().parse_args(shlex.split(command))


def test_an_unknown_stack_is_one_line_naming_it_and_the_region_exit_1(deployed, cli):
    result = cli("drift", "--stack", "Mesaging", "--stack", app.DEFAULTS)

    assert result.code == exit_codes.ERROR
    assert result.err.splitlines() == [
        "error: stack Mesaging not found in us-east-1 (DescribeStacks: ValidationError: "
        "Stack with id Mesaging does not exist)"
    ]
    assert f"{app.DEFAULTS} (us-east-1, CREATE_COMPLETE)" in result.out  # the other stack is reported


def test_an_unknown_stack_in_json_is_a_stack_with_its_error(deployed, cli):
    result = cli("drift", "--stack", "Mesaging", "--output", "json")

    assert result.code == exit_codes.ERROR
    assert len(result.err.splitlines()) == 1
    report = json.loads(result.out)
    assert report["ExitCode"] == exit_codes.ERROR
    (stack,) = report["Stacks"]
    assert (stack["StackName"], stack["StackId"], stack["Resources"]) == ("Mesaging", None, [])
    assert stack["Error"].startswith("stack Mesaging not found in us-east-1")


@pytest.mark.parametrize("how", ["AWS_PROFILE", "--profile"])
def test_the_profiles_region_is_used_when_no_variable_gives_one(deployed, cli, tmp_path, how):
    config = tmp_path / "config"
    # A named profile brings its own credentials (the SDK ignores the key variables for it).
    keys = "aws_access_key_id = testing\naws_secret_access_key = testing\n"
    config.write_text(f"[profile west]\nregion = {app.WEST}\n{keys}", encoding="utf-8")
    # Undone before the fixtures' teardown, whose own SDK clients must not see the profile.
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("AWS_CONFIG_FILE", str(config))
        for name in ("AWS_REGION", "AWS_DEFAULT_REGION"):
            patch.delenv(name)
        if how == "AWS_PROFILE":
            patch.setenv("AWS_PROFILE", "west")
        result = cli(
            "drift", "--stack", app.MESSAGING_EU, *(["--profile", "west"] if how == "--profile" else [])
        )

    assert (result.code, result.err) == (0, "")
    assert result.out.splitlines()[0] == f"{app.MESSAGING_EU} (eu-west-1, CREATE_COMPLETE)"


def test_no_region_anywhere_is_an_error(cli, monkeypatch):
    for name in ("AWS_REGION", "AWS_DEFAULT_REGION"):
        monkeypatch.delenv(name, raising=False)

    result = cli("status", "--stack", "S")

    assert result.code == exit_codes.ERROR
    assert result.err.splitlines() == [
        "error: no region: give --region, or set AWS_REGION or the profile's region"
    ]


@pytest.mark.parametrize("where", ["before", "after"])
def test_an_unknown_profile_is_an_error_naming_it(cli, where):
    profile = ["--profile", "nope"]
    result = (
        cli(*profile, "status", "--stack", "S")
        if where == "before"
        else cli("status", "--stack", "S", *profile)
    )

    assert result.code == exit_codes.ERROR
    assert result.err.splitlines() == ["error: --profile nope: The config profile (nope) could not be found"]


def _the_pool_error(result, what: str) -> str:
    """The one error line of a DescribePools of CliDefaults' pool that failed with ``what``."""
    assert result.code == exit_codes.ERROR
    (line,) = result.err.splitlines()
    arn = f"arn:aws:sms-voice:us-east-1:{app.ACCOUNT}:pool/{app.ROUTES_POOL}"
    assert line.startswith(f"error: {app.DEFAULTS}: DescribePools {arn} {what}: ")
    return line


def test_the_documented_policy_is_read_only_and_parliament_finds_nothing_in_it():
    policy = _policy()
    actions = {
        a
        for s in policy["Statement"]
        for a in ([s["Action"]] if isinstance(s["Action"], str) else s["Action"])
    }

    assert actions == {
        "cloudformation:DescribeStacks",
        "cloudformation:ListStackResources",
        "cloudformation:GetTemplate",
        "cloudformation:ListExports",
        "ssm:GetParameters",
        "sms-voice:DescribePools",
    }
    assert analyze_policy_string(json.dumps(policy)).findings == []


def test_under_the_documented_policy_drift_runs_and_without_describe_pools_it_is_denied(deployed, cli):
    # GIVEN the emulator enforcing the documented policy on the CLI's calls
    policy = _policy()
    deployed.emulator.control.enforce_iam([policy], access_key_id="testing")
    allowed = cli("drift", "--stack", app.DEFAULTS)
    # WHEN the statement on the pools is missing
    policy["Statement"] = [s for s in policy["Statement"] if s["Sid"] != "ReadPools"]
    deployed.emulator.control.enforce_iam([policy], access_key_id="testing")
    denied = cli("drift", "--stack", app.DEFAULTS)
    # THEN
    assert (allowed.code, allowed.err) == (0, "")
    line = _the_pool_error(
        denied, "denied (the read-only policy in docs/cli.md allows it): AccessDeniedException"
    )
    assert "sms-voice:DescribePools" in line


def test_throttling_is_reported_after_the_sdks_retries_as_configured(deployed, cli, monkeypatch):
    # GIVEN every DescribePools throttled, and the SDK told to try twice in standard mode
    monkeypatch.setenv("AWS_RETRY_MODE", "standard")
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "2")
    deployed.emulator.control.add_fault("DescribePools", "throttle", count=None)
    # WHEN
    result = cli("drift", "--stack", app.DEFAULTS)
    # THEN
    _the_pool_error(result, "throttled, still after 1 retry of the SDK: ThrottlingException")
    assert len(deployed.emulator.control.calls("DescribePools")) == 2


def test_local_without_the_extra_says_how_to_install_it(cli, monkeypatch):
    # The [local] extra's packages are installed here: block its module as if they were not.
    monkeypatch.setitem(sys.modules, LOCAL_MODULE, None)

    result = cli("local", "deploy", "--app", "cdk.out")

    assert result.code == exit_codes.ERROR
    assert result.err.splitlines() == [
        "error: sms-pool-settings local needs the [local] extra: pip install 'sms-pool-settings[local]' "
        f"(missing module {LOCAL_MODULE})"
    ]


@pytest.mark.parametrize("before", [[], ["--region", "eu-west-1", "--output=json"]])
def test_local_hands_everything_after_it_to_the_extras_command_line(cli, before):
    # The [local] extra's own `--help` answers: the arguments (and the global options given before
    # `local`) reached sms_pool_settings_local's main, whose parser accepts them.
    result = cli(*before, "local", "--help")

    assert result.code == 0
    assert result.out.startswith("usage: ")


def test_an_endpoint_that_does_not_answer_is_one_line_naming_the_call(cli, monkeypatch):
    import socket

    with socket.socket() as closed:  # a port nothing listens on once closed
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    monkeypatch.setenv("AWS_ENDPOINT_URL_CLOUDFORMATION", f"http://127.0.0.1:{port}")
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "1")

    result = cli("drift", "--stack", app.DEFAULTS)

    assert result.code == exit_codes.ERROR
    assert result.err.splitlines() == [
        f"error: {app.DEFAULTS}: DescribeStacks stack {app.DEFAULTS} failed: Could not connect to the "
        f'endpoint URL: "http://127.0.0.1:{port}/"'
    ]


def test_an_endpoint_variable_that_is_no_url_is_one_line_naming_the_service(deployed, cli, monkeypatch):
    monkeypatch.setenv("AWS_ENDPOINT_URL_SSM", "not a url")

    result = cli("status", "--stack", app.DEFAULTS)

    assert result.code == exit_codes.ERROR
    assert result.err.splitlines() == [f"error: {app.DEFAULTS}: no ssm client: Invalid endpoint: not a url"]
