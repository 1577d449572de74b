"""ruff and mypy over the whole repository, as CI runs them, with zero findings.

The configuration is pyproject.toml's (ruff: line length 110, the selected rules; mypy: strict on
lambda/pool_settings_handler and cdk/sms_pool_settings). Each check runs from the repository root in a
subprocess, and a failure shows the tool's own output.
"""

from __future__ import annotations

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


def test_mypy_checks_the_handler_and_the_construct_strictly() -> None:
    # The zero above means something only if mypy looked at both packages, in strict mode.
    completed = subprocess.run(
        [sys.executable, "-m", "mypy"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    config = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert 'files = ["lambda/pool_settings_handler", "cdk/sms_pool_settings"]' in config
    assert "strict = true" in config
    handler_files = len(list((ROOT / "lambda/pool_settings_handler").glob("*.py")))
    construct_files = len(list((ROOT / "cdk/sms_pool_settings").glob("*.py")))
    assert f"in {handler_files + construct_files} source files" in completed.stdout, completed.stdout
