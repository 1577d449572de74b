"""The docs' examples stay true: every complete Python app in the README and docs/ synthesizes as written."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
DOCS = [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]


def _apps(doc: Path) -> list[str]:
    # A complete app is one that synthesizes itself; the other blocks are excerpts.
    blocks = re.findall(r"```python\n(.*?)```", doc.read_text(encoding="utf-8"), flags=re.DOTALL)
    return [block for block in blocks if "app.synth()" in block]


APPS = [(doc.relative_to(REPO), n, app) for doc in DOCS for n, app in enumerate(_apps(doc))]


def test_the_readme_has_a_complete_example_app():
    assert _apps(REPO / "README.md")


@pytest.mark.slow
@pytest.mark.parametrize(("doc", "n", "source"), APPS, ids=[f"{doc}-app-{n}" for doc, n, _ in APPS])
def test_each_example_app_synthesizes_offline(doc, n, source, tmp_path):
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
