"""Who may import whom: the product never leans on the stand-ins, and the emulator stays an oracle.

- The construct and the handler (what a user's stack deploys) import neither the stand-ins nor the
  command: a stack must synthesize and a handler run with no `local` extra installed.
- The emulator imports none of the product's packages: it implements the service's rules from the
  documentation, so a wrong rule in the handler cannot be mirrored by the emulator and pass unseen.

Every ``import`` and ``from ... import`` statement is read from the source (functions included), so a
lazy import inside a function counts too.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PRODUCT = ("sms_pool_settings", "pool_settings_handler", "sms_pool_settings_cli")
STAND_INS = "sms_pool_settings_local"

# directory -> the top-level packages its modules must never import
FORBIDDEN = {
    Path("cdk", "sms_pool_settings"): {STAND_INS, "sms_pool_settings_cli"},
    Path("lambda", "pool_settings_handler"): {STAND_INS, "sms_pool_settings_cli", "sms_pool_settings"},
    Path("local", "sms_pool_settings_local", "emulator"): set(PRODUCT),
}


def imported_top_levels(path: Path) -> set[str]:
    """The top-level package of every absolute import in ``path``."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names


@pytest.mark.parametrize("directory", list(FORBIDDEN), ids=[str(d) for d in FORBIDDEN])
def test_a_package_never_imports_what_it_must_not_know(directory: Path) -> None:
    modules = sorted((ROOT / directory).rglob("*.py"))
    assert modules, f"{directory} has no modules: the boundary would hold vacuously"

    crossings = {
        str(module.relative_to(ROOT)): sorted(imported_top_levels(module) & FORBIDDEN[directory])
        for module in modules
    }

    assert {module: names for module, names in crossings.items() if names} == {}


def test_the_reader_sees_lazy_and_from_imports(tmp_path: Path) -> None:
    # The scan above is only as good as this reader: an import hidden in a function still counts.
    module = tmp_path / "m.py"
    module.write_text(
        "import os.path\nfrom . import sibling\n"
        "def f():\n    from sms_pool_settings_local.emulator import x\n    import sms_pool_settings_cli\n",
        encoding="utf-8",
    )

    assert imported_top_levels(module) == {"os", "sms_pool_settings_local", "sms_pool_settings_cli"}
