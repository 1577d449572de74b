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


def user_environment() -> dict[str, str]:
    """A user's environment: no PYTHONPATH, no pip configuration, no repository entries on PATH, no
    AWS profile or configuration file, no endpoint redirections of the developer's shell."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("PIP_", "PYTHON", "AWS_ENDPOINT_URL"))
        and key not in ("AWS_PROFILE", "VIRTUAL_ENV")
    }
    env["PATH"] = os.pathsep.join(
        entry for entry in env.get("PATH", "").split(os.pathsep) if not entry.startswith(str(REPO_ROOT))
    )
    env.update({"PIP_CONFIG_FILE": os.devnull, "PIP_NO_INDEX": "1", "PIP_DISABLE_PIP_VERSION_CHECK": "1"})
    env.update({"AWS_CONFIG_FILE": os.devnull, "AWS_SHARED_CREDENTIALS_FILE": os.devnull})
    return env


@pytest.fixture(scope="session")
def installed_venv(tmp_path_factory: pytest.TempPathFactory, wheel_path: Path) -> Path:
    """A fresh venv outside the repository with the wheel installed (``--no-deps``); returns its directory.

    The tests may not download anything, so the third-party dependencies (aws-cdk-lib, boto3, and the
    ``[local]`` extra's moto, cfn-lint, trustme) come from the repository venv's ``site-packages``, named
    by one line in a ``.pth`` file written after the install. Python adds that directory to ``sys.path``
    without processing the ``.pth`` files inside it, so the repository's editable install stays inactive:
    the project's packages and its console script can only come from the wheel.
    """
    import sysconfig
    import venv

    root = tmp_path_factory.mktemp("installed")
    assert not root.is_relative_to(REPO_ROOT)
    venv_dir = root / "venv"
    venv.EnvBuilder(with_pip=True, clear=True).create(venv_dir)  # ensurepip: pip from Python's own wheel
    python = venv_dir / "bin" / "python"
    env = user_environment()
    install = [str(python), "-m", "pip", "install", "--quiet", "--no-index", "--no-deps", str(wheel_path)]
    subprocess.run(install, cwd=root, env=env, check=True, capture_output=True, timeout=300)
    purelib = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
        cwd=root, env=env, check=True, capture_output=True, text=True, timeout=60,
    ).stdout.strip()  # fmt: skip
    (Path(purelib) / "repo_venv_dependencies.pth").write_text(sysconfig.get_path("purelib") + "\n")
    return venv_dir
