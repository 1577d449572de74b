"""Python source without its comments and docstrings, every remaining line at its original line number.

The Lambda asset ships its ``.py`` files through this to stay small (issue 5: the zipped asset had to
fit in 25,000 bytes, ``_asset.ASSET_ZIPPED_BUDGET`` today, and docstrings and comments were half of
it). Line numbers are kept so that a
traceback from the Lambda points at the right line of the repository's source: a docstring becomes
``""`` on its first line followed by blank lines, a comment becomes nothing, and no line is joined to or
split from another.

Pure: text in, text out, no I/O. Comments are found with :mod:`tokenize` (which knows a ``#`` inside a
string from a comment), docstrings with :mod:`ast` (which knows a docstring from any other string).
"""

from __future__ import annotations

import ast
import io
import tokenize

# Python 3.12+ tokenizes an f-string as FSTRING_START ... FSTRING_END; 3.11 as one STRING token.
_FSTRING_START = getattr(tokenize, "FSTRING_START", None)
_FSTRING_END = getattr(tokenize, "FSTRING_END", None)
_DOCUMENTED = (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)


def _docstrings(tree: ast.Module) -> list[ast.Constant]:
    """The docstring of the module and of every class and function in ``tree``, in source order."""
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, _DOCUMENTED) or not node.body:
            continue
        first = node.body[0]
        if (
            isinstance(first, ast.Expr)
            and isinstance(first.value, ast.Constant)
            and isinstance(first.value.value, str)
        ):
            found.append(first.value)
    return sorted(found, key=lambda constant: (constant.lineno, constant.col_offset))


def _column(line: str, byte_offset: int) -> int:
    """The character column of ``byte_offset`` (ast counts UTF-8 bytes, tokenize characters)."""
    return len(line.encode("utf-8")[:byte_offset].decode("utf-8"))


def strip_source(source: str) -> str:
    """``source`` without comments and with every docstring reduced to ``""``, on the same line numbers.

    Every statement, expression and string that is not a docstring is kept character for character
    at the same line and column, so the code compiles to the same behaviour; trailing whitespace is
    removed except where a line ends inside a multi-line string (there it is part of the value). A
    docstring that spans lines leaves ``""`` on its first line and blank lines after it; if code
    follows it on its last line (``\"\"\"doc\"\"\"; x = 1``), backslash continuations keep that code
    on its line. ``__doc__`` becomes ``""`` wherever there was a docstring. ``# noqa`` and
    ``# type:`` comments go too: they only matter to linters and type checkers, never at run time,
    and an encoding cookie goes because the result is text (the caller writes it as UTF-8).

    Args:
        source: the text of a Python module that the running Python can parse. Line endings
            ``\\r\\n`` and ``\\r`` are read as ``\\n`` (as Python reads them); the result uses ``\\n``.

    Raises:
        SyntaxError: ``source`` is not valid Python.

    Example:
        >>> strip_source('def f():\\n    \"\"\"Doc,\\n    more.\"\"\"\\n    return 1  # why\\n')
        'def f():\\n    ""\\n\\n    return 1\\n'
    """
    source = source.replace("\r\n", "\n").replace("\r", "\n")
    tree = ast.parse(source)
    lines = source.split("\n")  # lines[row - 1] is row ``row``; a final "" stands for the last newline
    docstrings = _docstrings(tree)
    docstring_starts = {
        (constant.lineno, _column(lines[constant.lineno - 1], constant.col_offset)) for constant in docstrings
    }

    comments: list[tuple[int, int]] = []
    inside_string: set[int] = set()  # rows whose end is inside a string other than a docstring
    fstring_starts: list[int] = []
    for token in tokenize.generate_tokens(io.StringIO(source).readline):
        if token.type == tokenize.COMMENT:
            comments.append(token.start)
        elif token.type == tokenize.STRING and token.start not in docstring_starts:
            inside_string.update(range(token.start[0], token.end[0]))
        elif token.type == _FSTRING_START:
            fstring_starts.append(token.start[0])
        elif token.type == _FSTRING_END:
            inside_string.update(range(fstring_starts.pop(), token.end[0]))

    # A comment runs to the end of its line, so cutting it moves nothing before it.
    for row, column in comments:
        lines[row - 1] = lines[row - 1][:column]

    for constant in reversed(docstrings):
        first, last = constant.lineno, constant.end_lineno or constant.lineno
        start = _column(lines[first - 1], constant.col_offset)
        end = _column(lines[last - 1], constant.end_col_offset or 0)
        before, after = lines[first - 1][:start], lines[last - 1][end:]
        if first == last:
            lines[first - 1] = before + '""' + after
        elif not after.strip():
            lines[first - 1 : last] = [before + '""'] + [""] * (last - first)
        else:
            # Code after the docstring on its last line must stay on that line: continue the logical
            # line through the blank rows with backslashes.
            lines[first - 1 : last] = [before + '"" \\'] + ["\\"] * (last - first - 1) + [" " * end + after]

    return "\n".join(
        line if row in inside_string else line.rstrip() for row, line in enumerate(lines, start=1)
    )


def strip_python_file(content: bytes) -> bytes:
    """The UTF-8 bytes of :func:`strip_source` applied to a ``.py`` file's bytes in their declared encoding.

    Raises:
        SyntaxError: the file is not valid Python (or declares an unknown encoding).

    Example:
        >>> strip_python_file(b"x = 1  # one\\n")
        b'x = 1\\n'
    """
    encoding, _ = tokenize.detect_encoding(io.BytesIO(content).readline)
    return strip_source(content.decode(encoding)).encode("utf-8")
