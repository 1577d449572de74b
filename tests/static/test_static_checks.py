"""ruff and mypy over the whole repository, as CI runs them, with zero findings.

The configuration is pyproject.toml's (ruff: line length 110, the selected rules; mypy: strict on
lambda/pool_settings_handler, cdk/sms_pool_settings and cli/sms_pool_settings_cli). Each check runs
from the repository root in a subprocess, and a failure shows the tool's own output.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

CHECKS = {
    "ruff-check": [sys.executable, "-m", "ruff", "check", "--no-cache", "."],
    "ruff-format": [sys.executable, "-m", "ruff", "format", "--check", "--no-cache", "."],
    "mypy-strict": [sys.executable, "-m", "mypy"],
}


@pytest.mark.parametrize("check", list(CHECKS), ids=list(CHECKS))
def test_the_repository_has_zero_findings(check: str) -> None:
    completed = subprocess.run(
        CHECKS[check], cwd=ROOT, capture_output=True, text=True, timeout=300, check=False
    )
    output = (completed.stdout + completed.stderr).strip()
    if completed.returncode != 0:
        pytest.fail(f"{' '.join(CHECKS[check][2:])} found problems:\n{output}", pytrace=False)


def test_mypy_checks_the_handler_the_construct_and_the_command_strictly() -> None:
    # The zero above means something only if mypy looked at the three product packages, in strict mode.
    completed = subprocess.run(
        [sys.executable, "-m", "mypy"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    config = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    packages = ["lambda/pool_settings_handler", "cdk/sms_pool_settings", "cli/sms_pool_settings_cli"]
    assert f"files = {json.dumps(packages)}" in config
    assert "strict = true" in config
    source_files = sum(len(list((ROOT / package).glob("*.py"))) for package in packages)
    assert f"in {source_files} source files" in completed.stdout, completed.stdout


# A user's stack as the docs write it: each option of PoolSettingsProvider.configure and a CfnParameter's
# value_as_string for every boolean flag, as they are, without casts or Token.as_any().
USER_CODE = """
from aws_cdk import App, CfnParameter, Stack
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_logs as logs
from sms_pool_settings import BoolArgument, PoolSettings, PoolSettingsProvider, __version__

app = App()
stack = Stack(app, "Stack")
vpc = ec2.Vpc(stack, "Vpc")
PoolSettingsProvider.configure(
    stack,
    vpc=vpc,
    vpc_subnets=ec2.SubnetSelection(subnet_type=ec2.SubnetType.PRIVATE_WITH_EGRESS),
    security_groups=[ec2.SecurityGroup(stack, "Group", vpc=vpc)],
    role=iam.Role(stack, "Role", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com")),
    memory_size=512,
    log_retention=logs.RetentionDays.ONE_YEAR,
    log_encryption_key=kms.Key(stack, "Key"),
)
flag = CfnParameter(stack, "Flag", allowed_values=["true", "false"]).value_as_string
enabled: BoolArgument = flag
PoolSettings(
    stack,
    "Settings",
    pool=CfnParameter(stack, "PoolId").value_as_string,
    two_way_enabled=enabled,
    self_managed_opt_outs_enabled=flag,
    shared_routes_enabled=flag,
    deletion_protection_enabled=flag,
    reconcile_token="",
)
version: str = __version__
"""


@pytest.mark.slow
def test_a_users_stack_with_parameters_and_provider_options_type_checks_strictly(tmp_path: Path) -> None:
    # GIVEN
    source = tmp_path / "user_stack.py"
    source.write_text(USER_CODE, encoding="utf-8")
    # WHEN
    # The editable install is an import hook mypy cannot follow: the packages' source directories
    # stand in for it. The repository's cache (aws-cdk-lib's types) keeps this to seconds.
    env = {**os.environ, "MYPYPATH": os.pathsep.join([str(ROOT / "cdk"), str(ROOT / "lambda")])}
    completed = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--python-version", "3.11", "--cache-dir",
         str(ROOT / ".mypy_cache"), "--config-file", os.devnull, str(source)],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    # THEN
    assert completed.returncode == 0, completed.stdout + completed.stderr
