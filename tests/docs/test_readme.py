"""The README's commands and examples stay true: its complete Python apps synthesize as written."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
README = (REPO / "README.md").read_text(encoding="utf-8")
PYTHON_BLOCKS = re.findall(r"```python\n(.*?)```", README, flags=re.DOTALL)
# A complete app is one that synthesizes itself; the other blocks are excerpts.
APPS = [block for block in PYTHON_BLOCKS if "app.synth()" in block]


def test_the_readme_has_complete_example_apps():
    assert len(APPS) >= 2


@pytest.mark.slow
@pytest.mark.parametrize("source", APPS, ids=[f"app-{n}" for n in range(len(APPS))])
def test_each_example_app_synthesizes_offline(source, tmp_path):
    # GIVEN an example app copied from the README, run where a user would run it (outside the repo)
    app = tmp_path / "app.py"
    app.write_text(source, encoding="utf-8")
    env = {**os.environ, "CDK_OUTDIR": str(tmp_path / "cdk.out")}

    # WHEN it runs as `cdk synth` would run it
    result = subprocess.run(
        [sys.executable, str(app)], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300
    )

    # THEN it synthesizes a template holding the custom resource
    assert result.returncode == 0, result.stderr[-3000:]
    templates = list((tmp_path / "cdk.out").rglob("*.template.json"))  # stages nest assemblies
    assert any("Custom::SmsPoolSettings" in t.read_text() for t in templates), templates


def test_every_make_target_the_readme_names_exists():
    makefile = (REPO / "Makefile").read_text(encoding="utf-8")
    targets = set(re.findall(r"^([a-z-]+):", makefile, flags=re.MULTILINE))
    named = set(re.findall(r"`make ([a-z-]+)`", README))
    assert named, "the README names no make target"
    assert named <= targets, named - targets
