"""The wheel under test, built once per session from a copy of the working tree.

Building in place would write ``build/`` and ``*.egg-info`` into the repository while other test runs
read it; building a copy also proves the wheel needs nothing from outside the files it is built from.
The copy keeps ``tests/``, ``local/`` and ``benchmarks/`` so that their absence from the wheel means
something.
"""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]

# Generated or third-party directories: never part of a source tree a wheel is built from.
_NOT_SOURCE = shutil.ignore_patterns(
    ".git",
    ".venv",
    "node_modules",
    "cdk.out",
    "build",
    "dist",
    "*.egg-info",
    "__pycache__",
    ".mypy_cache",
    ".ruff_cache",
    ".pytest_cache",
    ".hypothesis",
    ".stamps",
    ".local-state",
    ".work",
)


def build_env() -> dict[str, str]:
    """The environment for pip and build: no pip configuration file, no index, no network."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("PIP_")}
    env.pop("PYTHONPATH", None)
    env.update({"PIP_CONFIG_FILE": os.devnull, "PIP_NO_INDEX": "1", "PIP_DISABLE_PIP_VERSION_CHECK": "1"})
    return env


@pytest.fixture(scope="session")
def wheel_source(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the working tree, taken once: the files the wheel is built from and compared with."""
    source = tmp_path_factory.mktemp("source") / "sms-pool-settings"
    shutil.copytree(REPO_ROOT, source, ignore=_NOT_SOURCE, symlinks=True)
    return source


@pytest.fixture(scope="session")
def wheel_path(wheel_source: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Build the project's wheel with the repository venv's pinned setuptools and return its path."""
    source = wheel_source
    outdir = tmp_path_factory.mktemp("dist")
    result = subprocess.run(
        [sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", str(outdir), str(source)],
        capture_output=True,
        text=True,
        env=build_env(),
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, f"python -m build failed:\n{result.stdout}\n{result.stderr}"
    wheels = sorted(outdir.glob("*.whl"))
    assert len(wheels) == 1, f"expected one wheel in {outdir}, got {[w.name for w in wheels]}"
    return wheels[0]
