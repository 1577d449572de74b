"""Unit tests of the command line's argument handling and the native providers' pure parts."""

from __future__ import annotations

import pytest
from sms_pool_settings_local.deploy.cli import EXIT_FAILED, run
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
        (["deploy", "--no-synth", "-c", "reconcile"], "--context must be key=value, got 'reconcile'"),
        (["console", "seed-pool", "pool-1", "Shared=true"], "a setting must be Name=value with Name one of"),
        (
            ["console", "seed-pool", "pool-1", "SharedRoutesEnabled=yes"],
            "SharedRoutesEnabled must be true or false",
        ),
        (["drift"], "--stack is required when"),
        (["destroy", "--stack", "Nope"], "stack 'Nope' has no local state"),
        (["deploy", "--no-synth", "--app-dir", "/nonexistent"], "No cloud assembly at /nonexistent"),
    ],
)
def test_bad_input_prints_one_error_line_naming_it_and_exits_1(tmp_path, capsys, argv, message):
    assert run(["--state-dir", str(tmp_path), *argv]) == EXIT_FAILED
    err = capsys.readouterr().err
    assert err.startswith("error: ") and message in err and "Traceback" not in err
