"""The environment every measured process runs in: dummy credentials, a fixed region, no AWS config.

Nothing here reaches AWS; the credentials only sign requests to the local emulator.
"""

from __future__ import annotations

import os
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
BENCH = REPO / "benchmarks"
WORK = BENCH / ".work"  # scratch space (git-ignored)

ISOLATED = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_REGION": "us-east-1",
    "AWS_CONFIG_FILE": os.devnull,
    "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
    "AWS_EC2_METADATA_DISABLED": "true",
    "JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION": "1",
    "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION": "1",
    "CDK_DISABLE_VERSION_CHECK": "1",
    "CDK_DISABLE_CLI_TELEMETRY": "1",
}


def isolate() -> None:
    """Apply ISOLATED to this process's environment and drop any AWS profile."""
    os.environ.update(ISOLATED)
    os.environ.pop("AWS_PROFILE", None)


def child_env(**extra: str) -> dict[str, str]:
    """An environment for a measured child process: this one's, isolated, plus ``extra``."""
    env = {k: v for k, v in os.environ.items() if k != "AWS_PROFILE"}
    env.update(ISOLATED)
    env.update(extra)
    return env
