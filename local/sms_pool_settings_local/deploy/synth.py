"""Synthesize a CDK app with its own CDK CLI (``npx cdk synth`` in the app's directory), offline.

``synth_app`` is what ``sms-pool-settings local deploy --app <app dir>`` runs: the app is the user's
(the directory holding ``cdk.json``), its CLI the one ``npx`` finds there (the app's ``node_modules``,
else a global install), and the cloud assembly goes where ``cdk synth`` puts it in that directory:
``cdk.json``'s ``output``, else ``cdk.out``. Nothing else is written.

``synth`` is this repository's example app (``cdk/app.py``), for the repository's own tests and
benchmarks only: the command never calls it (the bug of issue 10: run from a user's app directory, the
old driver synthesized the example app into the user's ``cdk.out``).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

from sms_pool_settings_local.deploy.errors import DriverError
from sms_pool_settings_local.offline_env import CDK_OFFLINE_ENVIRONMENT

# local/sms_pool_settings_local/deploy/synth.py -> the repository root, where the example app's cdk.json
# and node_modules live (meaningful in a checkout only).
REPO_ROOT = Path(__file__).resolve().parents[3]
APP_FILE = "cdk.json"
MANIFEST_FILE = "manifest.json"
# `cdk synth` writes here unless cdk.json's "output" says otherwise (CDK CLI reference, "cdk.json").
DEFAULT_OUTPUT = "cdk.out"


def assembly_dir_of(app_dir: str | Path) -> Path:
    """Where ``cdk synth`` in ``app_dir`` writes the cloud assembly: ``cdk.json``'s ``output``, else
    ``cdk.out``, relative to ``app_dir``.

    Raises:
        DriverError: ``cdk.json`` is not a JSON object (naming the file).

    Example:
        >>> assembly_dir_of("/nonexistent/app")
        PosixPath('/nonexistent/app/cdk.out')
    """
    app_dir = Path(app_dir)
    config_file = app_dir / APP_FILE
    if not config_file.is_file():
        return app_dir / DEFAULT_OUTPUT
    try:
        config = json.loads(config_file.read_text(encoding="utf-8"))
    except ValueError as exc:
        raise DriverError(f"{config_file} must be JSON, got an unreadable file: {exc}") from None
    if not isinstance(config, dict):
        raise DriverError(f"{config_file} must be a JSON object, got {type(config).__name__}")
    return app_dir / str(config.get("output") or DEFAULT_OUTPUT)


def synth_app(
    app_dir: str | Path,
    context: Mapping[str, str] | None = None,
    *,
    output: str | Path | None = None,
    timeout: float = 300,
) -> Path:
    """Run ``npx --no-install cdk synth --quiet --output <output> -c k=v ...`` in ``app_dir``.

    The running interpreter's directory goes first on PATH, so an app whose ``cdk.json`` runs
    ``python3 app.py`` runs with the Python that has this package (the user's virtualenv).

    Args:
        app_dir: the app's directory (holding ``cdk.json``).
        context: CDK context values, as ``cdk synth -c``. Default: - none.
        output: the cloud assembly directory. Default: - ``assembly_dir_of(app_dir)``.
        timeout: seconds before giving up. Default: 300

    Returns:
        the cloud assembly directory.

    Raises:
        DriverError: ``app_dir`` holds no ``cdk.json``, no CDK CLI is found, the synth failed (its
            last output lines are included) or took longer than ``timeout``.

    Example:
        >>> synth_app("my-app", {"stage": "dev"})  # doctest: +SKIP
        PosixPath('/home/me/my-app/cdk.out')
    """
    app_dir = Path(app_dir).resolve()
    if not (app_dir / APP_FILE).is_file():
        raise DriverError(f"--app {app_dir}: an app directory must hold {APP_FILE}, and this one does not")
    out = Path(output).resolve() if output is not None else assembly_dir_of(app_dir).resolve()
    command = ["npx", "--no-install", "cdk", "synth", "--quiet", "--output", str(out)]
    for key, value in (context or {}).items():
        command += ["-c", f"{key}={value}"]
    env = {**os.environ, **CDK_OFFLINE_ENVIRONMENT}
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    try:
        done = subprocess.run(  # noqa: S603 - a fixed command; context values are separate arguments
            command, cwd=app_dir, env=env, capture_output=True, text=True, timeout=timeout, check=False
        )
    except subprocess.TimeoutExpired:
        raise DriverError(f"`{' '.join(command)}` in {app_dir} did not finish within {timeout:g} s") from None
    except FileNotFoundError:
        raise DriverError(
            "npx is not on PATH: install Node.js and the CDK CLI (`npm install aws-cdk` in the app)"
        ) from None
    if done.returncode != 0:
        tail = "\n".join((done.stdout + done.stderr).strip().splitlines()[-20:])
        raise DriverError(
            f"`{' '.join(command)}` in {app_dir} failed with exit code {done.returncode}:\n{tail}"
        )
    return out


def synth(output: str | Path, context: Mapping[str, str] | None = None, *, timeout: float = 300) -> Path:
    """Synthesize this repository's example app into ``output`` (the repository's tests only).

    Example:
        >>> synth("/tmp/out", {"reconcile": "build-7"})  # doctest: +SKIP
    """
    return synth_app(REPO_ROOT, context, output=output, timeout=timeout)
