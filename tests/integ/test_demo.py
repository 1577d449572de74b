"""`make demo` (`python -m sms_pool_settings_local.deploy.demo`), end to end, as a person would run it.

The demo runs in a copy of the example app's directory (its ``cdk.json`` and ``cdk/app.py``, the CDK CLI
of the repository's ``node_modules``), so its ``deploy --app .`` writes that copy's ``cdk.out`` and
never the repository's, which a person may be using.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]


def example_app_copy(root: Path) -> Path:
    app = root / "example-app"
    (app / "cdk").mkdir(parents=True)
    shutil.copy(REPO_ROOT / "cdk.json", app / "cdk.json")
    shutil.copy(REPO_ROOT / "cdk" / "app.py", app / "cdk" / "app.py")
    (app / "node_modules").symlink_to(REPO_ROOT / "node_modules")
    return app


@pytest.mark.slow
def test_the_demo_runs_every_step_with_the_commands_it_prints_and_exits_zero(tmp_path):
    app = example_app_copy(tmp_path)
    work = tmp_path / "demo"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "sms_pool_settings_local.deploy.demo",
            "--app",
            str(app),
            "--work-dir",
            str(work),
        ],
        cwd=REPO_ROOT,
        # The demo starts its own stand-ins: an endpoint another test left in this process's environment
        # would be taken for the user's own (docs/local-deploy.md, "Your own endpoints").
        env={k: v for k, v in os.environ.items() if not k.startswith("AWS_ENDPOINT_URL")},
        capture_output=True,
        text=True,
        timeout=600,  # generous: proves it did not hang; it takes about a minute
        check=False,
    )
    out = done.stdout
    assert done.returncode == 0, out[-3000:] + done.stderr[-3000:]
    for step in range(1, 7):
        assert f"Step {step} of 6:" in out
    # THEN every command is printed as the product's `sms-pool-settings local ...`, run in the app's
    # directory against the emulator the printed export names
    assert f"$ cd {app}" in out
    assert re.search(r"^\$ export AWS_ENDPOINT_URL_PINPOINT_SMS_VOICE_V2=http://127\.0\.0\.1:\d+", out, re.M)
    commands = re.findall(r"^\$ (sms-pool-settings local .*)$", out, flags=re.M)
    assert commands[0].startswith(f"sms-pool-settings local --state-dir {work} deploy --app . ")
    assert {c.split()[4] for c in commands} == {
        "deploy",
        "console",
        "drift",
        "resources",
        "status",
        "destroy",
    }
    # THEN the app that was deployed is the copy's, synthesized into its own cdk.out
    assert "SmsPoolSettingsExample.template.json" in os.listdir(app / "cdk.out")
    assert "DeletionProtectionEnabled applied true, live false" in out
    assert "(exit code 3)" in out  # drift found: the product's code for it
    assert "ChangedFields: DeletionProtectionEnabled" in out
    assert "DeletionProtectionEnabled applied true, prior false" in out
    assert "rejected: ConflictException RESOURCE_MODIFICATION_NOT_ALLOWED" in out
    assert "UPDATE_ROLLBACK_COMPLETE" in out
    # Step 5 (issue 9): the pool a failed deploy wrote reads back exactly as before, its record gone
    assert "PASS  the other team's pool reads back exactly as before" in out
    assert "is left in Parameter Store" in out
    assert "DELETE_COMPLETE" in out
    assert "FAIL " not in out
    assert "DEMO PASSED" in out
    assert "X-Amz-Signature" not in out + done.stderr  # the presigned ResponseURL is never printed
