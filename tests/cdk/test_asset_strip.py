"""The asset's Python files lose comments and docstrings and nothing else: same code, same line numbers."""

from __future__ import annotations

import ast
import importlib.metadata
import importlib.util
import io
import json
import os
import subprocess
import sys
import sysconfig
import tokenize
import zipfile
from pathlib import Path

import pytest
from sms_pool_settings._asset import ASSET_PACKAGES, ASSET_ZIPPED_BUDGET, asset_files, stage_asset
from sms_pool_settings._strip import strip_python_file, strip_source

# Standard library modules with every kind of docstring, comment and string: more inputs for the proof.
STDLIB_SAMPLES = ("ast.py", "dataclasses.py", "tokenize.py", "textwrap.py", "json/decoder.py", "argparse.py")
_DOCUMENTED = (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)
_POSITIONS = ("lineno", "col_offset", "end_lineno", "end_col_offset")


def _docstring_exprs(tree: ast.AST) -> list[ast.Expr]:
    """The docstring statements in ``tree``, found independently of the module under test."""
    found = []
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if isinstance(node, _DOCUMENTED) and body:
            first = body[0]
            if (
                isinstance(first, ast.Expr)
                and isinstance(first.value, ast.Constant)
                and isinstance(first.value.value, str)
            ):
                found.append(first)
    return found


def _with_empty_docstrings(tree: ast.AST) -> ast.AST:
    """``tree`` with every docstring's value replaced by ``""`` (what stripping should give)."""
    for expr in _docstring_exprs(tree):
        assert isinstance(expr.value, ast.Constant)
        expr.value.value = ""
    return tree


def _assert_equivalent(original: str, stripped: str, name: str) -> None:
    """Same AST once docstrings are emptied; every node starts where it started; it compiles."""
    before, after = ast.parse(original), ast.parse(stripped)
    assert ast.dump(_with_empty_docstrings(ast.parse(original))) == ast.dump(after), name
    compile(stripped, name, "exec")
    assert stripped.count("\n") == original.replace("\r\n", "\n").count("\n"), name

    docstring_nodes = {id(node) for expr in _docstring_exprs(before) for node in (expr, expr.value)}
    docstring_ends = {(expr.end_lineno, expr.end_col_offset) for expr in _docstring_exprs(before)}
    pairs = list(zip(ast.walk(before), ast.walk(after), strict=True))
    for old, new in pairs:
        assert type(old) is type(new), name
        if not hasattr(old, "lineno"):
            continue
        # A docstring and anything ending with one (a body that is only a docstring) end elsewhere now.
        ends_in_docstring = (
            id(old) in docstring_nodes or (old.end_lineno, old.end_col_offset) in docstring_ends
        )
        fields = _POSITIONS[:2] if ends_in_docstring else _POSITIONS
        where = f"{name}: {type(old).__name__} at line {old.lineno}"
        assert [getattr(new, f) for f in fields] == [getattr(old, f) for f in fields], where


def _stripped(source: str) -> str:
    stripped = strip_source(source)
    _assert_equivalent(source, stripped, "<test>")
    return stripped


# --- small inputs ------------------------------------------------------------------------------------


def test_a_comment_at_the_end_of_a_line_goes_and_the_code_stays() -> None:
    assert _stripped("x = 1  # one\ny = 2\t# two\n") == "x = 1\ny = 2\n"


def test_comment_only_lines_become_blank_lines() -> None:
    assert _stripped("# header\nx = 1\n    # indented note\n\ny = 2\n") == "\nx = 1\n\n\ny = 2\n"


def test_a_hash_inside_a_string_stays() -> None:
    source = "s = '# not a comment'  # a comment\nt = \"a#b\" + '''\n# still a string\n'''\n"

    assert _stripped(source) == "s = '# not a comment'\nt = \"a#b\" + '''\n# still a string\n'''\n"


def test_f_strings_containing_hashes_stay() -> None:
    source = "v = 2\ns = f\"#{v}#{'#'}#\"  # c\nt = f'''\n#{v}  \n'''\n"

    assert _stripped(source) == "v = 2\ns = f\"#{v}#{'#'}#\"\nt = f'''\n#{v}  \n'''\n"


def test_nested_function_and_class_docstrings_become_empty_strings() -> None:
    source = (
        'class A:\n    """A."""\n\n    class B:\n        """B."""\n\n'
        '        def f(self):\n            """f."""\n            def g():\n                """g."""\n'
        "                return 1\n            return g()\n"
    )

    assert _stripped(source) == (
        'class A:\n    ""\n\n    class B:\n        ""\n\n'
        '        def f(self):\n            ""\n            def g():\n                ""\n'
        "                return 1\n            return g()\n"
    )


def test_a_module_that_is_only_a_docstring_keeps_an_empty_one() -> None:
    stripped = _stripped('"""Only this,\n\non three lines."""\n')

    assert stripped == '""\n\n\n'
    namespace: dict[str, object] = {}
    exec(compile(stripped, "<test>", "exec"), namespace)
    assert namespace["__doc__"] == ""


def test_a_function_whose_body_is_only_a_docstring_stays_a_valid_function() -> None:
    stripped = _stripped('def f():\n    """Nothing\n    to do."""\n\n\nasync def g(): """Nor here."""\n')

    assert stripped == 'def f():\n    ""\n\n\n\nasync def g(): ""\n'
    namespace: dict[str, object] = {}
    exec(compile(stripped, "<test>", "exec"), namespace)
    f = namespace["f"]
    assert callable(f) and f() is None


def test_a_multi_line_docstring_leaves_blank_lines_so_later_lines_keep_their_numbers() -> None:
    source = 'def f(x):\n    r"""Doc.\n\n    Example:\n        >>> f(1)\n    """\n    return x  # why\n'

    assert _stripped(source) == 'def f(x):\n    ""\n\n\n\n\n    return x\n'


def test_raw_and_byte_strings_that_are_not_docstrings_stay() -> None:
    source = (
        'def f():\n    b"""bytes first: not a docstring"""\n    return 1\n'
        'def g():\n    x = 1\n    r"""second statement: not a docstring"""\n'
        'if True:\n    """an if body has no docstring"""\n'
        'pattern = r"\\d+ # not a comment"\n'
    )

    assert _stripped(source) == source


def test_noqa_and_type_comments_are_stripped_because_they_only_matter_to_tools() -> None:
    source = "import os  # noqa: F401\nx = []  # type: list[int]\ny = 1  # type: ignore[assignment]\n"

    assert _stripped(source) == "import os\nx = []\ny = 1\n"


def test_trailing_whitespace_goes_except_inside_a_multi_line_string() -> None:
    source = 'x = 1   \ns = """kept   \n  kept too\t\n"""   \n'

    assert _stripped(source) == 'x = 1\ns = """kept   \n  kept too\t\n"""\n'


def test_code_after_a_docstring_on_its_last_line_keeps_its_line_number() -> None:
    source = 'class A:\n    """a\n    b\n    c"""; x = 1\n    y = 2\n'

    stripped = _stripped(source)

    namespace: dict[str, object] = {}
    exec(compile(stripped, "<test>", "exec"), namespace)
    assert vars(namespace["A"])["x"] == 1


def test_a_docstring_after_non_ascii_text_on_its_line_is_found_by_character_not_byte() -> None:
    assert _stripped('def héllo(): """Dœc."""  # ça\n') == 'def héllo(): ""\n'


def test_a_file_in_another_encoding_comes_out_as_the_same_code_in_utf_8() -> None:
    source = "# -*- coding: latin-1 -*-\ns = 'caf\xe9'  # \xe9\n"

    stripped = strip_python_file(source.encode("latin-1"))

    assert stripped == "\ns = 'café'\n".encode()


def test_windows_line_endings_are_read_as_python_reads_them() -> None:
    assert strip_python_file(b'"""Doc."""\r\nx = 1  # c\r\n') == b'""\nx = 1\n'


def test_a_traceback_from_stripped_code_names_the_original_line() -> None:
    source = 'def f():\n    """Doc\n    on two lines."""\n    # why\n    raise ValueError("line 5")\n'
    namespace: dict[str, object] = {}
    exec(compile(strip_source(source), "m.py", "exec"), namespace)

    with pytest.raises(ValueError, match="line 5") as raised:
        namespace["f"]()  # type: ignore[operator]

    assert raised.traceback[-1].lineno + 1 == 5  # pytest counts lines from 0


def test_invalid_python_is_refused_rather_than_shipped() -> None:
    with pytest.raises(SyntaxError):
        strip_source("def f(:\n")


# --- the real asset -----------------------------------------------------------------------------------


def _installed_python_files() -> dict[str, bytes]:
    """Every .py file of the asset's packages as installed, by its path inside the asset."""
    files = {}
    for name in ASSET_PACKAGES:
        spec = importlib.util.find_spec(name)
        assert spec is not None and spec.submodule_search_locations, name
        root = Path(next(iter(spec.submodule_search_locations)))
        for path in sorted(root.rglob("*.py")):
            if "__pycache__" not in path.parts:
                files[f"{name}/{path.relative_to(root).as_posix()}"] = path.read_bytes()
    return files


@pytest.fixture(scope="module")
def originals() -> dict[str, bytes]:
    return _installed_python_files()


def test_the_asset_has_python_files_from_both_packages(originals: dict[str, bytes]) -> None:
    assert {relative.split("/")[0] for relative in originals} == set(ASSET_PACKAGES)
    assert "pool_settings_handler/handler.py" in originals
    assert "crhelper/resource_helper.py" in originals


def test_every_python_file_in_the_asset_is_the_same_code_on_the_same_lines(
    originals: dict[str, bytes],
) -> None:
    staged = asset_files()

    for relative, original in originals.items():
        _assert_equivalent(original.decode("utf-8"), staged[relative].decode("utf-8"), relative)


def test_the_asset_python_files_hold_no_comments_or_docstrings(originals: dict[str, bytes]) -> None:
    staged = asset_files()

    for relative in originals:
        text = staged[relative].decode("utf-8")
        tokens = tokenize.generate_tokens(io.StringIO(text).readline)
        assert not [t for t in tokens if t.type == tokenize.COMMENT], relative
        assert all(expr.value.value == "" for expr in _docstring_exprs(ast.parse(text))), relative  # type: ignore[attr-defined]


def test_licence_and_other_non_python_files_are_copied_byte_for_byte() -> None:
    staged = asset_files()
    distribution = importlib.metadata.distribution("crhelper")
    licences = {
        f.name: Path(str(f.locate())).read_bytes()
        for f in distribution.files or ()
        if f.name in ("LICENSE", "NOTICE")
    }

    assert licences, "crhelper's LICENSE and NOTICE must be found to be shipped"
    for name, content in licences.items():
        assert staged[f"THIRD_PARTY_LICENSES/crhelper/{name}"] == content
    non_python = [relative for relative in staged if not relative.endswith(".py")]
    assert len(non_python) > len(licences)  # py.typed markers too


@pytest.mark.parametrize("relative", STDLIB_SAMPLES)
def test_standard_library_modules_strip_to_the_same_code_on_the_same_lines(relative: str) -> None:
    original = (Path(sysconfig.get_path("stdlib")) / relative).read_text(encoding="utf-8")

    _assert_equivalent(original, strip_source(original), relative)


def test_stripping_is_deterministic_and_idempotent() -> None:
    first, second = asset_files(), asset_files()

    assert first == second
    for relative, content in first.items():
        if relative.endswith(".py"):
            assert strip_python_file(content) == content, relative


def test_the_zipped_asset_fits_its_byte_budget() -> None:
    # WHEN: zipped like benchmarks/asset.py: sorted entries, fixed time and mode, deflate level 9
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for name, content in asset_files().items():
            info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
            info.external_attr = 0o644 << 16
            archive.writestr(info, content, compress_type=zipfile.ZIP_DEFLATED, compresslevel=9)
    # THEN
    assert len(buffer.getvalue()) <= ASSET_ZIPPED_BUDGET


def test_a_traceback_from_the_staged_handler_package_points_at_the_repository_source_line(
    tmp_path: Path, originals: dict[str, bytes]
) -> None:
    # GIVEN: the staged asset first on the path, as in the Lambda
    staged = Path(stage_asset(str(tmp_path)))
    probe = (
        "import json, traceback\n"
        "from pool_settings_handler.properties import parse_properties\n"
        "try:\n    parse_properties('not an object')\n"
        "except Exception as error:\n"
        "    frames = traceback.extract_tb(error.__traceback__)\n"
        "    print(json.dumps([[f.filename, f.lineno, f.line] for f in frames]))\n"
    )
    # WHEN
    result = subprocess.run(
        [sys.executable, "-c", probe],
        env={**os.environ, "PYTHONPATH": str(staged)},
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    # THEN: every frame in the asset names a line whose code is the repository's line without its comment
    frames = [(Path(f), n, line) for f, n, line in json.loads(result.stdout)]
    in_asset = [
        (f.relative_to(staged).as_posix(), n, line) for f, n, line in frames if f.is_relative_to(staged)
    ]
    assert in_asset, f"no frame from the staged asset in {frames}"
    for relative, lineno, line in in_asset:
        source_line = originals[relative].decode("utf-8").splitlines()[lineno - 1]
        code, _, rest = source_line.strip().partition(line)
        assert line and not code and (not rest.strip() or rest.strip().startswith("#")), (relative, lineno)
        assert "raise" in line or "parse_properties" in line
