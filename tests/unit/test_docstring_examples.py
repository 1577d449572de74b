"""The examples in the product's docstrings run and give what they show: every module of the handler
and the command that has one (found from the source, so a new module's examples are never skipped)."""

import doctest
import importlib
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = {
    "pool_settings_handler": ROOT / "lambda" / "pool_settings_handler",
    "sms_pool_settings_cli": ROOT / "cli" / "sms_pool_settings_cli",
}
# A doctest line that runs: ">>> " at the start of a line, after the indentation, and not +SKIP.
EXAMPLE = re.compile(r"^\s*>>> (?!.*doctest: \+SKIP)", re.MULTILINE)
MODULES = sorted(
    f"{package}.{path.stem}"
    for package, directory in PACKAGES.items()
    for path in directory.glob("*.py")
    if EXAMPLE.search(path.read_text(encoding="utf-8"))
)


def test_the_modules_with_examples_are_found():
    assert {"pool_settings_handler.records", "pool_settings_handler.errors"} <= set(MODULES)


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples_hold(name):
    module = importlib.import_module(name)
    result = doctest.testmod(module)
    assert result.attempted > 0
    assert result.failed == 0
