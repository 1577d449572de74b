"""The environment every measured process runs in: dummy credentials, a fixed region, no AWS config.

Nothing here reaches AWS; the credentials only sign requests to the local emulator.
"""

from __future__ import annotations

import os
from pathlib import Path

from sms_pool_settings_local import offline_env

REPO = Path(__file__).resolve().parent.parent
BENCH = REPO / "benchmarks"
WORK = BENCH / ".work"  # scratch space (git-ignored)


def isolate() -> None:
    """Apply the offline environment to this process and drop any AWS profile."""
    offline_env.isolate()


def child_env(**extra: str) -> dict[str, str]:
    """An environment for a measured child process: this one's, isolated, plus ``extra``."""
    env = offline_env.isolate(dict(os.environ))
    env.update(extra)
    return env


# What the benchmarks measure: if any of it changes during a run, the run mixes two versions.
MEASURED_SOURCES = (
    "cdk/sms_pool_settings",
    "lambda/pool_settings_handler",
    "local/sms_pool_settings_local/emulator",
    "local/sms_pool_settings_local/lambda_runtime.py",
    "local/sms_pool_settings_local/response_receiver.py",
    "benchmarks",
    "cdk.json",
)


def code_digests() -> dict[str, str]:
    """A hash of every measured source file by path (benchmarks/.work and caches excluded)."""
    import hashlib

    digests = {}
    for top in MEASURED_SOURCES:
        root = REPO / top
        paths = [root] if root.is_file() else sorted(root.rglob("*.py")) if root.is_dir() else []
        for path in paths:
            if ".work" in path.parts or "__pycache__" in path.parts:
                continue
            digests[str(path.relative_to(REPO))] = hashlib.sha256(path.read_bytes()).hexdigest()
    return digests


def changed_files(before: dict[str, str], after: dict[str, str]) -> list[str]:
    """Paths added, removed or changed between two ``code_digests()``."""
    return sorted(path for path in before.keys() | after.keys() if before.get(path) != after.get(path))


def git_revision() -> str:
    """``<commit>`` of HEAD, with ``+uncommitted`` when measured sources differ from it."""
    import subprocess

    try:
        head = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True, text=True, check=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--", *MEASURED_SOURCES],
            cwd=REPO,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return head + (" +uncommitted" if dirty else "")


def results_at(revision: str) -> str | None:
    """The text of benchmarks/RESULTS.md as committed at ``revision``, or None when git has none."""
    import subprocess

    shown = subprocess.run(
        ["git", "show", f"{revision}:benchmarks/RESULTS.md"], cwd=REPO, capture_output=True, text=True
    )
    return shown.stdout if shown.returncode == 0 else None
