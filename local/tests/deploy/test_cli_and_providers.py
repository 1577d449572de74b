"""Unit tests of the command line's argument handling and the native providers' pure parts."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from sms_pool_settings_cli import exit_codes
from sms_pool_settings_local.deploy.cli import EXIT_FAILED, main, run
from sms_pool_settings_local.deploy.errors import DeployError
from sms_pool_settings_local.deploy.providers import physical_name, pool_settings


def test_pool_settings_fill_the_services_defaults_for_absent_properties():
    assert pool_settings({}, "P") == {
        "TwoWayEnabled": False,
        "SelfManagedOptOutsEnabled": False,
        "OptOutListName": "Default",
        "SharedRoutesEnabled": False,
        "DeletionProtectionEnabled": False,
    }


def test_pool_settings_map_two_way_and_accept_cloudformation_string_booleans():
    settings = pool_settings(
        {
            "TwoWay": {"Enabled": "true", "ChannelArn": "arn:aws:sns:us-east-1:1:t"},
            "SharedRoutesEnabled": "false",
        },
        "P",
    )
    assert settings["TwoWayEnabled"] is True and settings["SharedRoutesEnabled"] is False
    assert settings["TwoWayChannelArn"] == "arn:aws:sns:us-east-1:1:t"


def test_a_non_boolean_pool_flag_is_named_with_its_value():
    with pytest.raises(DeployError, match="resource P: SharedRoutesEnabled expected boolean, got 'yes'"):
        pool_settings({"SharedRoutesEnabled": "yes"}, "P")


def test_generated_names_are_deterministic_within_the_limit_and_differ_per_resource():
    name = physical_name("A" * 80, "OptOutList", 64)
    assert len(name) == 64 and name == physical_name("A" * 80, "OptOutList", 64)
    assert physical_name("S", "One", 64) != physical_name("S", "Two", 64)


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["deploy", "--no-synth", "-c", "reconcile"], "--context must be KEY=VALUE, got 'reconcile'"),
        (["console", "seed-pool", "pool-1", "Shared=true"], "a setting must be Name=value with Name one of"),
        (
            ["console", "seed-pool", "pool-1", "SharedRoutesEnabled=yes"],
            "SharedRoutesEnabled must be true or false",
        ),
        (["drift"], "no stack has state in"),
        (["destroy"], "--stack is required when"),
        (["destroy", "--stack", "Nope"], "stack 'Nope' has no local state"),
        (
            ["deploy", "--app", "/nonexistent"],
            "--app /nonexistent: expected your app's directory (holding cdk.json) or a cloud assembly",
        ),
    ],
)
def test_bad_input_prints_one_error_line_naming_it_and_exits_1(tmp_path, capsys, argv, message):
    assert run(["--state-dir", str(tmp_path), *argv]) == EXIT_FAILED
    err = capsys.readouterr().err
    assert err.startswith("error: ") and message in err and "Traceback" not in err


@pytest.mark.parametrize(
    ("argv", "words"),
    [
        (["deploy", "--bogus"], "unrecognized arguments: --bogus"),
        (["drift", "--profile", "prod"], "--profile prod: local commands sign with the emulator's dummy"),
        (["--output", "yaml", "drift"], "argument --output: invalid choice: 'yaml'"),
        (["deploy", "--all", "--stack", "A"], "--all names every stack: drop --stack"),
        (["--role-propagation-seconds", "-1", "status"], "--role-propagation-seconds must be >= 0, got -1"),
        ([], "the following arguments are required: COMMAND"),
    ],
)
def test_a_usage_error_exits_2_with_one_line_naming_it(tmp_path, capsys, argv, words):
    assert main(["--state-dir", str(tmp_path), *argv]) == exit_codes.USAGE == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and words in err, err


@pytest.mark.parametrize(
    "command",
    [[], ["deploy"], ["drift"], ["status"], ["resources"], ["destroy"], ["continue-update-rollback"],
     ["console"], ["console", "set-pool"], ["console", "seed-pool"], ["console", "show-pool"]],
)  # fmt: skip
def test_every_command_has_help_and_exits_0(capsys, command):
    assert main([*command, "--help"]) == exit_codes.OK
    assert capsys.readouterr().out.startswith(f"usage: sms-pool-settings local {' '.join(command)}".strip())


def test_the_common_options_go_before_or_after_the_command(tmp_path, capsys):
    before = main(["--state-dir", str(tmp_path / "a"), "--region", "eu-west-1", "drift"])
    before_err = capsys.readouterr().err
    after = main(["drift", "--state-dir", str(tmp_path / "a"), "--region", "eu-west-1"])
    assert (before, after) == (exit_codes.ERROR, exit_codes.ERROR)
    assert capsys.readouterr().err == before_err
    assert f"no stack has state in {tmp_path / 'a'}/environments/123456789012-eu-west-1" in before_err


USER_APP = """
import aws_cdk as cdk
from aws_cdk import aws_smsvoice as smsvoice

app = cdk.App()
stack = cdk.Stack(app, "UserStack", env=cdk.Environment(account="123456789012", region="us-east-1"))
smsvoice.CfnOptOutList(stack, "UserList", opt_out_list_name=app.node.try_get_context("listName") or "users")
app.synth()
"""


@pytest.mark.slow
def test_deploy_in_a_users_app_directory_synthesizes_that_app_into_its_cdk_out_and_writes_nothing_else(
    tmp_path, monkeypatch, capsys
):
    # GIVEN a user's app directory, with its CDK CLI (issue 10: `deploy` run there synthesized this
    # repository's example app into the user's cdk.out)
    repo = Path(__file__).resolve().parents[3]
    app = tmp_path / "my-app"
    app.mkdir()
    (app / "app.py").write_text(USER_APP)
    (app / "cdk.json").write_text(json.dumps({"app": "python3 app.py"}))
    (app / "node_modules").symlink_to(repo / "node_modules")
    monkeypatch.chdir(app)
    monkeypatch.setenv("PATH", f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}")
    # WHEN deploy runs there with no --app and no --state-dir
    assert main(["deploy", "-c", "listName=mine"]) == exit_codes.OK
    # THEN the user's app was synthesized, into its own cdk.out, and deployed
    manifest = json.loads((app / "cdk.out" / "manifest.json").read_text())
    stacks = [k for k, v in manifest["artifacts"].items() if v["type"] == "aws:cloudformation:stack"]
    assert stacks == ["UserStack"]
    assert "CREATE_COMPLETE" in capsys.readouterr().out
    state = json.loads((app / ".sms-pool-settings-local" / "stacks" / "UserStack.json").read_text())
    assert state["resources"]["UserList"]["physical_id"] == "mine"
    # AND nothing else was written in the app directory
    written = sorted(p.name for p in app.iterdir())
    assert written == [".sms-pool-settings-local", "app.py", "cdk.json", "cdk.out", "node_modules"]


def test_python_m_exits_with_the_commands_code(tmp_path):
    done = subprocess.run(
        [sys.executable, "-m", "sms_pool_settings_local.deploy", "--state-dir", str(tmp_path), "drift"],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == exit_codes.ERROR, done
    assert done.stderr.startswith("error: no stack has state in")
