"""A user's view: the wheel installed into a fresh venv outside the repository synthesizes an app.

Third-party dependencies. The tests may not download anything, and installing aws-cdk-lib and its
dependencies from the index took 20 s with a network, so the fresh venv is given the repository
venv's ``site-packages`` by one line in a ``.pth`` file. Python adds that directory to ``sys.path``
but does not process the ``.pth`` files inside it, so the repository's editable-install finder stays
inactive: ``aws_cdk``, ``constructs`` and ``crhelper`` import from there, while ``sms_pool_settings``
and ``pool_settings_handler`` can only come from the wheel installed in the new venv, which the test
proves from their ``__file__``.
"""

import json
import os
import re
import subprocess
import sysconfig
import venv
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
HANDLER_STRING = "pool_settings_handler.handler.handler"
POOL_ID = "pool-0123456789abcdef0123456789abcdef"

# The user's app: a stack with one PoolSettings, synthesized to the directory given as argument.
USER_APP = f'''
import json
import sys

import aws_cdk as cdk
import crhelper
import pool_settings_handler
import sms_pool_settings
from sms_pool_settings import PoolSettings

app = cdk.App(outdir=sys.argv[1])
stack = cdk.Stack(app, "UserStack", env=cdk.Environment(account="111111111111", region="us-east-1"))
PoolSettings(stack, "Settings", pool="{POOL_ID}", deletion_protection_enabled=True)
app.synth()
print(json.dumps({{
    "sms_pool_settings": sms_pool_settings.__file__,
    "pool_settings_handler": pool_settings_handler.__file__,
    "crhelper": crhelper.__file__,
    "aws_cdk": cdk.__file__,
    "sys_path": sys.path,
    "version": sms_pool_settings.__version__,
    "public": sorted(sms_pool_settings.__all__),
    "init_doc": PoolSettings.__init__.__doc__ or "",
}}))
'''


def _clean_env() -> dict[str, str]:
    """The user's environment: no PYTHONPATH, no pip configuration, no repository entries on PATH."""
    env = {key: value for key, value in os.environ.items() if not key.startswith(("PIP_", "PYTHON"))}
    env.pop("VIRTUAL_ENV", None)
    env["PATH"] = os.pathsep.join(
        entry for entry in env.get("PATH", "").split(os.pathsep) if not entry.startswith(str(REPO_ROOT))
    )
    env.update({"PIP_CONFIG_FILE": os.devnull, "PIP_NO_INDEX": "1", "PIP_DISABLE_PIP_VERSION_CHECK": "1"})
    return env


def _run(command: list[str], cwd: Path, env: dict[str, str]) -> str:
    result = subprocess.run(
        command, cwd=cwd, env=env, capture_output=True, text=True, timeout=600, check=False
    )
    assert result.returncode == 0, f"{command} failed:\n{result.stdout}\n{result.stderr}"
    return result.stdout


@pytest.fixture(scope="module")
def user_venv(tmp_path_factory: pytest.TempPathFactory, wheel_path: Path) -> tuple[Path, Path, str]:
    """A fresh venv with the wheel installed; returns (venv dir, its site-packages, marker text)."""
    root = tmp_path_factory.mktemp("user")
    assert not root.is_relative_to(REPO_ROOT)
    venv_dir = root / "venv"
    # ensurepip installs pip from the wheel bundled with Python: no download.
    venv.EnvBuilder(with_pip=True, clear=True).create(venv_dir)
    python = venv_dir / "bin" / "python"
    env = _clean_env()
    _run(
        [str(python), "-m", "pip", "install", "--quiet", "--no-index", "--no-deps", str(wheel_path)],
        root,
        env,
    )
    site_packages = Path(
        _run([str(python), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"], root, env).strip()
    )
    # Added only after the install, so pip never sees the repository venv's distributions.
    repo_site_packages = sysconfig.get_path("purelib")
    (site_packages / "repo_venv_dependencies.pth").write_text(repo_site_packages + "\n", encoding="utf-8")
    # Marks the installed copy of the handler, so the asset is proved to be staged from the installed
    # package rather than from lambda/ (which is byte-for-byte the same otherwise). A statement, not a
    # comment: the asset is staged without comments and docstrings.
    marker = '_INSTALLED_COPY_MARKER = "tests/packaging"\n'
    installed_handler = site_packages / "pool_settings_handler" / "handler.py"
    assert installed_handler.is_file(), f"the wheel installed no {installed_handler}"
    with installed_handler.open("a", encoding="utf-8") as handler:
        handler.write(marker)
    return venv_dir, site_packages, marker


@pytest.fixture(scope="module")
def synthesized(user_venv: tuple[Path, Path, str], tmp_path_factory: pytest.TempPathFactory) -> dict:
    """Synthesize the user app from a working directory outside the repository."""
    venv_dir, _, _ = user_venv
    app_dir = tmp_path_factory.mktemp("user-app")
    (app_dir / "app.py").write_text(USER_APP, encoding="utf-8")
    outdir = app_dir / "cdk.out"
    env = _clean_env()
    # The construct stages its asset under the temporary directory: keep it inside this test's own.
    env["TMPDIR"] = str(app_dir / "tmp")
    (app_dir / "tmp").mkdir()
    stdout = _run([str(venv_dir / "bin" / "python"), "app.py", str(outdir)], app_dir, env)
    report = json.loads(stdout.strip().splitlines()[-1])
    report["outdir"] = outdir
    report["template"] = json.loads((outdir / "UserStack.template.json").read_text(encoding="utf-8"))
    return report


def _handler_asset(report: dict) -> Path:
    """The asset directory of the Lambda whose handler is the package's entry point."""
    functions = [
        resource
        for resource in report["template"]["Resources"].values()
        if resource["Type"] == "AWS::Lambda::Function"
        and resource["Properties"].get("Handler") == HANDLER_STRING
    ]
    assert len(functions) == 1, f"expected one Lambda with handler {HANDLER_STRING}, got {functions}"
    s3_key = functions[0]["Properties"]["Code"]["S3Key"]
    asset_hash = s3_key.removesuffix(".zip")
    asset_dir = report["outdir"] / f"asset.{asset_hash}"
    assert asset_dir.is_dir(), f"no staged asset {asset_dir.name} for S3Key {s3_key}"
    return asset_dir


@pytest.mark.slow
def test_construct_and_handler_are_imported_from_the_new_venv(
    user_venv: tuple[Path, Path, str], synthesized: dict
) -> None:
    _, site_packages, _ = user_venv

    for package in ("sms_pool_settings", "pool_settings_handler"):
        location = Path(synthesized[package])
        assert location.is_relative_to(site_packages), f"{package} imported from {location}"
        assert not location.is_relative_to(REPO_ROOT)


@pytest.mark.slow
def test_no_repository_source_folder_is_on_the_user_sys_path(synthesized: dict) -> None:
    source_folders = {REPO_ROOT, REPO_ROOT / "cdk", REPO_ROOT / "lambda", REPO_ROOT / "local"}

    on_path = [entry for entry in synthesized["sys_path"] if entry and Path(entry) in source_folders]

    assert on_path == []


@pytest.mark.slow
def test_synthesized_asset_holds_the_installed_handler_and_crhelper(
    user_venv: tuple[Path, Path, str], synthesized: dict
) -> None:
    _, site_packages, marker = user_venv

    asset_dir = _handler_asset(synthesized)

    handler = asset_dir / "pool_settings_handler" / "handler.py"
    assert handler.is_file()
    staged_text = handler.read_text(encoding="utf-8")
    installed_text = (site_packages / "pool_settings_handler" / "handler.py").read_text(encoding="utf-8")
    assert staged_text.endswith(marker)
    # Staged without comments, each line on its installed line number (tracebacks point at the source).
    assert staged_text != installed_text
    assert staged_text.count("\n") == installed_text.count("\n")
    assert (asset_dir / "crhelper").is_dir()
    assert (asset_dir / "crhelper" / "__init__.py").is_file()
    assert (asset_dir / "crhelper" / "resource_helper.py").is_file()


@pytest.mark.slow
def test_synthesized_template_declares_the_custom_resource_for_the_pool(synthesized: dict) -> None:
    custom = [
        resource
        for resource in synthesized["template"]["Resources"].values()
        if resource["Type"] == "Custom::SmsPoolSettings"
    ]

    assert len(custom) == 1
    assert custom[0]["Properties"]["PoolId"] == POOL_ID
    assert custom[0]["Properties"]["DeletionProtectionEnabled"] in (True, "true")


@pytest.mark.slow
def test_the_installed_package_reports_its_version_and_its_public_names(synthesized: dict) -> None:
    # THEN: __version__ is the wheel's (pyproject.toml's, the one place it is written)
    config = (REPO_ROOT / "pyproject.toml").read_text(encoding="utf-8")
    (version,) = re.findall(r'^version = "([^"]+)"$', config, flags=re.MULTILINE)
    assert synthesized["version"] == version
    # THEN: the names docs/construct.md documents are exported (a later feature may add more)
    assert {"BoolArgument", "PoolSettings", "PoolSettingsProvider", "ProviderOptions", "__version__"} <= set(
        synthesized["public"]
    )
    # THEN: pydoc shows PoolSettings' own constructor text, not Construct's
    assert synthesized["init_doc"].startswith("Declare the settings of ``pool``")
    assert "reconcile_token" in synthesized["init_doc"]
