"""`make demo` (`python -m sms_pool_settings_local.deploy.demo`), end to end, as a person would run it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_the_demo_runs_every_step_and_exits_zero(tmp_path):
    work = tmp_path / "demo"  # not the repository's .local-state/demo, which a person may be using
    done = subprocess.run(
        [sys.executable, "-m", "sms_pool_settings_local.deploy.demo", "--work-dir", str(work)],
        cwd=REPO_ROOT,
        env=dict(os.environ),
        capture_output=True,
        text=True,
        timeout=600,  # generous: proves it did not hang; it takes well under a minute
        check=False,
    )
    out = done.stdout
    assert done.returncode == 0, out[-3000:] + done.stderr[-3000:]
    for step in range(1, 7):
        assert f"Step {step} of 6:" in out
    assert "DeletionProtectionEnabled declared true, live false" in out
    assert "ChangedFields: DeletionProtectionEnabled" in out
    assert "rejected: ConflictException RESOURCE_MODIFICATION_NOT_ALLOWED" in out
    assert "UPDATE_ROLLBACK_COMPLETE" in out
    # Step 5 (issue 9): the pool a failed deploy wrote reads back exactly as before, its record gone
    assert "PASS  the other team's pool reads back exactly as before" in out
    assert "is left in Parameter Store" in out
    assert "DELETE_COMPLETE" in out
    assert "FAIL " not in out
    assert "DEMO PASSED" in out
    assert "X-Amz-Signature" not in out + done.stderr  # the presigned ResponseURL is never printed
