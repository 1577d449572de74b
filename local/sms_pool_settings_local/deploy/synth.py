"""Synthesize the example app with the pinned CDK CLI (``npx cdk synth``), offline."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

from sms_pool_settings_local.deploy.errors import DriverError
from sms_pool_settings_local.offline_env import CDK_OFFLINE_ENVIRONMENT

# local/sms_pool_settings_local/deploy/synth.py -> the repository root, where cdk.json and node_modules live.
REPO_ROOT = Path(__file__).resolve().parents[2]


def synth(output: str | Path, context: Mapping[str, str] | None = None, *, timeout: float = 300) -> Path:
    """Run ``npx cdk synth --quiet --output <output> -c k=v ...`` in the repository root.

    The project's virtualenv (the running interpreter's) goes first on PATH, since ``cdk.json`` runs
    ``python3 cdk/app.py``; the CDK CLI is the one pinned in ``package.json``.

    Args:
        output: the cloud assembly directory to write.
        context: CDK context values. Default: - none.
        timeout: seconds before giving up. Default: 300

    Raises:
        DriverError: the synth failed (its output is included) or took longer than ``timeout``.

    Example:
        >>> synth("/tmp/out", {"reconcile": "build-7"})  # doctest: +SKIP
    """
    output = Path(output).resolve()
    command = ["npx", "--no-install", "cdk", "synth", "--quiet", "--output", str(output)]
    for key, value in (context or {}).items():
        command += ["-c", f"{key}={value}"]
    env = {**os.environ, **CDK_OFFLINE_ENVIRONMENT}
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    try:
        done = subprocess.run(  # noqa: S603 - a fixed command; context values are separate arguments
            command, cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=timeout, check=False
        )
    except subprocess.TimeoutExpired:
        raise DriverError(f"`{' '.join(command)}` did not finish within {timeout:g} s") from None
    except FileNotFoundError:
        raise DriverError("npx is not on PATH: install Node.js and run `npm ci` (or `make setup`)") from None
    if done.returncode != 0:
        tail = "\n".join((done.stdout + done.stderr).strip().splitlines()[-20:])
        raise DriverError(f"`{' '.join(command)}` failed with exit code {done.returncode}:\n{tail}")
    return output
