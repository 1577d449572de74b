"""Every doc stays true: the paths and make targets it names exist, and the README's commands run.

The docs are the README (the user's front door) and the Markdown files under docs/, plus CONTRIBUTING.md
and CHANGELOG.md. A path is checked when it is a relative link, or a backticked name that starts with one
of the repository's top-level directories or is one of its top-level files.
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
DOCS = [
    *(REPO / name for name in ("README.md", "CONTRIBUTING.md", "CHANGELOG.md")),
    *sorted((REPO / "docs").glob("*.md")),
]
TOP_LEVEL_DIRS = ("lambda/", "cdk/", "cli/", "local/", "tests/", "benchmarks/", "docs/", ".ci/")
TOP_LEVEL_FILES = {
    "cdk.json",
    "Makefile",
    "package.json",
    "package-lock.json",
    "pyproject.toml",
    "README.md",
    "CHANGELOG.md",
    "CONTRIBUTING.md",
    "LICENSE",
    ".ci/run",
}
# Paths a doc names that the tools create (git-ignored), not the repository.
GENERATED = (
    "cdk.out",
    ".venv",
    ".local-state",
    ".sms-pool-settings-local",
    "dist",
    "node_modules",
    "benchmarks/.work",
)

LINK = re.compile(r"\]\(([^)\s]+)\)")
CODE = re.compile(r"`([^`\n]+)`")
MAKE_TARGET = re.compile(r"`make ([a-z][a-z-]*)")  # in code spans and blocks, not prose


def _text(doc: Path) -> str:
    return doc.read_text(encoding="utf-8")


def _linked_paths(doc: Path) -> set[str]:
    paths = set()
    for target in LINK.findall(_text(doc)):
        if re.match(r"[a-z]+:", target) or target.startswith("#"):
            continue  # a URL or an anchor in the same doc
        path = target.split("#", 1)[0]
        if path:
            paths.add(os.path.normpath(os.path.join(doc.parent.relative_to(REPO), path)))
    return paths


def _named_paths(doc: Path) -> set[str]:
    paths = set()
    for span in CODE.findall(_text(doc)):
        word = span.split()[0] if span.split() else ""
        word = word.split("::", 1)[0]  # a pytest node ID names its file
        word = re.sub(r":\d+(-\d+)?$", "", word).rstrip(".,;:)")
        if "<" in word or "$" in word or "{" in word:
            continue  # a placeholder, not a path
        if word.startswith(TOP_LEVEL_DIRS) or word in TOP_LEVEL_FILES:
            paths.add(word)
    return paths


def _exists(path: str) -> bool:
    if path.startswith(GENERATED):
        return True
    if any(ch in path for ch in "*?["):
        return any(REPO.glob(path))
    return (REPO / path).exists()


@pytest.mark.parametrize("doc", DOCS, ids=lambda d: str(d.relative_to(REPO)))
def test_every_path_a_doc_names_exists(doc):
    # GIVEN the relative links and repository paths a doc names
    named = _linked_paths(doc) | _named_paths(doc)

    # THEN each of them is in the repository
    missing = sorted(path for path in named if not _exists(path))
    assert not missing, f"{doc.relative_to(REPO)} names paths that do not exist: {missing}"


def _make_targets() -> set[str]:
    makefile = (REPO / "Makefile").read_text(encoding="utf-8")
    return set(re.findall(r"^([a-z][a-z-]*):", makefile, flags=re.MULTILINE))


@pytest.mark.parametrize("doc", DOCS, ids=lambda d: str(d.relative_to(REPO)))
def test_every_make_target_a_doc_names_exists(doc):
    named = set(MAKE_TARGET.findall(_text(doc)))
    assert named <= _make_targets(), f"{doc.relative_to(REPO)}: no such make target {named - _make_targets()}"


def _readme_commands() -> list[str]:
    """The README's shell commands, one per line, comments and continuation lines dropped."""
    commands = []
    for block in re.findall(r"```(?:bash|sh)\n(.*?)```", _text(REPO / "README.md"), flags=re.DOTALL):
        for line in block.splitlines():
            command = line.split(" #", 1)[0].strip()
            if command and not command.startswith("#"):
                commands.append(command)
    return commands


README_COMMANDS = _readme_commands()


def test_the_readme_gives_the_two_commands():
    assert "make demo" in README_COMMANDS and "make test" in README_COMMANDS


@pytest.mark.parametrize("command", [c for c in README_COMMANDS if c.startswith("make ")])
def test_each_make_command_of_the_readme_is_a_recipe_make_can_run(command):
    # `make -n` expands the whole recipe and its prerequisites without running them: an unknown target,
    # a missing file rule or a syntax error fails it. (make test and make demo run for real elsewhere:
    # CI runs the first, tests/integ/test_demo.py the second.)
    result = subprocess.run(
        ["make", "-n", *shlex.split(command)[1:]], cwd=REPO, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr


@pytest.mark.slow
def test_the_readme_wheel_commands_build_the_wheel_it_installs(tmp_path):
    # GIVEN the README's build command and the wheel its pip line installs
    build = next(c for c in README_COMMANDS if " -m build " in c)
    install = next(c for c in README_COMMANDS if c.startswith("pip install ") and c.endswith(".whl"))
    wheel_name = Path(shlex.split(install)[-1]).name

    # WHEN the build runs as written (only its output directory moved out of the repository)
    argv = shlex.split(build)
    assert argv[0] == ".venv/bin/python" and argv[-2] == "--outdir", build
    result = subprocess.run(
        [sys.executable, *argv[1:-1], str(tmp_path)], cwd=REPO, capture_output=True, text=True, timeout=300
    )

    # THEN it makes exactly the file the README tells the user to install
    assert result.returncode == 0, result.stderr[-2000:]
    assert [p.name for p in tmp_path.glob("*.whl")] == [wheel_name]


def _cdk_env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "CDK_DEFAULT_"))}
    env["PATH"] = f"{REPO / '.venv' / 'bin'}{os.pathsep}{env.get('PATH', '')}"
    env.update(JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION="1", CDK_DISABLE_VERSION_CHECK="1")
    env.update(CDK_DISABLE_CLI_TELEMETRY="1", NPM_CONFIG_UPDATE_NOTIFIER="false", HOME=str(tmp_path))
    return env


def _concrete(argument: str) -> str:
    # The README writes placeholders for values the user supplies; give them a value of the right shape.
    argument = argument.replace("pool-<32 hex characters>", "pool-" + "ab" * 16)
    return argument.replace("pool-...", "pool-" + "cd" * 16).replace("$BUILD_ID", "build-1")


CDK_COMMANDS = [c for c in README_COMMANDS if c.startswith("npx cdk ")]


@pytest.mark.slow
@pytest.mark.parametrize("command", CDK_COMMANDS)
def test_each_cdk_command_of_the_readme_runs(command, tmp_path):
    # GIVEN a `npx cdk` command from the README, with its placeholders filled in
    argv = shlex.split(_concrete(command))
    env = _cdk_env(tmp_path)

    if argv[2] == "synth":
        # WHEN it runs as written, offline and without credentials (output kept out of the repository)
        result = subprocess.run(
            [*argv, "--quiet", "--output", str(tmp_path / "cdk.out")],
            cwd=REPO,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        # THEN it synthesizes
        assert result.returncode == 0, result.stderr[-3000:]
        assert any("Custom::SmsPoolSettings" in t.read_text() for t in (tmp_path / "cdk.out").glob("*.json"))
    else:
        # A deploy needs an AWS account: check instead that the CLI knows every option the README uses.
        result = subprocess.run(
            [*argv[:3], "--help"], cwd=REPO, env=env, capture_output=True, text=True, timeout=120
        )
        assert result.returncode == 0, result.stderr[-3000:]
        options = {a.split("=", 1)[0] for a in argv[3:] if a.startswith("-")}
        unknown = {o for o in options if o not in result.stdout + result.stderr}
        assert not unknown, f"npx cdk {argv[2]} has no option {unknown}"


def _command_lines() -> list[tuple[str, str]]:
    """(doc, arguments) of every ``sms-pool-settings`` command a doc's code blocks show, as typed: after
    an optional ``$ `` or ``run: ``, up to a comment, ``||`` or a redirection; continuation lines joined,
    and ``$NAME`` expanded from a ``NAME="..."`` line of the same block. Lines with placeholders
    (``<...>``, ``...``, ``[--option]``) are syntax, not commands one can type."""
    found = []
    start = re.compile(r"^\s*(?:\$ |(?:- )?run: )?(?:\S*/)?sms-pool-settings (.*)$")
    for doc in DOCS:
        for block in re.findall(r"```[a-z]*\n(.*?)```", _text(doc), flags=re.DOTALL):
            variables = dict(re.findall(r'^([A-Z_]+)="([^"]*)"$', block, flags=re.M))
            for line in block.replace("\\\n", " ").splitlines():
                match = start.match(line)
                if not match:
                    continue
                arguments = re.split(r" +#| \|\|| >| &&", match.group(1), maxsplit=1)[0].strip()
                arguments = re.sub(
                    r"\$([A-Z_]+)", lambda m, v=variables: v.get(m.group(1), m.group(0)), arguments
                )
                if not re.search(r"<|\.\.\.|\[-|\$", arguments) and not arguments.split()[0].endswith(":"):
                    found.append((doc.name, arguments))
    return found


COMMAND_LINES = _command_lines()


def test_the_docs_show_the_command_and_its_local_subcommands():
    shown = {arguments.split()[0] for _, arguments in COMMAND_LINES}
    assert {"drift", "status", "local"} <= shown
    assert len([a for _, a in COMMAND_LINES if a.startswith("local ")]) >= 4


@pytest.mark.parametrize(("doc", "arguments"), COMMAND_LINES, ids=[f"{d}: {a}" for d, a in COMMAND_LINES])
def test_every_command_line_a_doc_shows_parses(doc, arguments):
    # The parsers the installed command uses; `local`'s is the extra's own.
    from sms_pool_settings_cli.main import build_parser
    from sms_pool_settings_local.deploy.cli import build_parser as build_local_parser

    argv = shlex.split(arguments)
    local = "local" in argv and argv[0] not in ("drift", "status")
    try:
        if local:
            build_local_parser().parse_args(argv[argv.index("local") + 1 :])
        else:
            build_parser().parse_args(argv)
    except SystemExit as exc:  # --help prints and exits 0
        assert exc.code == 0, f"{doc}: sms-pool-settings {arguments}"
