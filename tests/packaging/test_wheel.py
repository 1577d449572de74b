"""What the wheel holds: its packages complete, the product typed, its metadata, nothing of the repository."""

import zipfile
from email.message import Message
from email.parser import Parser
from pathlib import Path

import pytest
from packaging.requirements import Requirement

REPO_ROOT = Path(__file__).resolve().parents[2]
# Written in pyproject.toml only; a change of version is a change to this test too.
VERSION = "0.1.0"
DIST_INFO = f"sms_pool_settings-{VERSION}.dist-info"
# Installed package name -> its source directory, relative to the repository root.
PACKAGES = {
    "sms_pool_settings": Path("cdk", "sms_pool_settings"),
    "pool_settings_handler": Path("lambda", "pool_settings_handler"),
    "sms_pool_settings_cli": Path("cli", "sms_pool_settings_cli"),
    "sms_pool_settings_local": Path("local", "sms_pool_settings_local"),
}
# The product, strictly typed (mypy); the stand-ins of the `local` extra make no typing promise.
TYPED_PACKAGES = {"sms_pool_settings", "pool_settings_handler", "sms_pool_settings_cli"}
RUNTIME_DEPENDENCIES = {"aws-cdk-lib", "boto3", "constructs", "crhelper"}
LOCAL_EXTRA = {"cfn-lint", "moto", "trustme"}


def _names(wheel: Path) -> list[str]:
    with zipfile.ZipFile(wheel) as archive:
        return archive.namelist()


def _metadata(wheel: Path) -> Message:
    with zipfile.ZipFile(wheel) as archive:
        return Parser().parsestr(archive.read(f"{DIST_INFO}/METADATA").decode("utf-8"))


def _pinned_versions() -> dict[str, str]:
    """Package name -> version, from the `name==version` lines of requirements(-local).txt."""
    pins = {}
    lines = [
        line
        for name in ("requirements.txt", "requirements-local.txt")
        for line in (REPO_ROOT / name).read_text(encoding="utf-8").splitlines()
    ]
    for line in lines:
        requirement = line.split("#", 1)[0].strip()
        if requirement:
            parsed = Requirement(requirement)
            (spec,) = parsed.specifier
            assert spec.operator == "==", f"requirements.txt must pin exactly, got {requirement!r}"
            pins[parsed.name.lower()] = spec.version
    return pins


def test_wheel_holds_only_its_packages_and_its_metadata(wheel_path: Path) -> None:
    top_level = {name.split("/", 1)[0] for name in _names(wheel_path)}

    assert top_level == {*PACKAGES, DIST_INFO}


@pytest.mark.parametrize("package", sorted(PACKAGES))
def test_wheel_ships_every_module_of_each_package_unchanged(
    wheel_source: Path, wheel_path: Path, package: str
) -> None:
    # The copy the wheel was built from: the working tree itself may be edited meanwhile.
    source_dir = wheel_source / PACKAGES[package]
    expected = {
        f"{package}/{path.relative_to(source_dir).as_posix()}": path.read_bytes()
        for path in source_dir.rglob("*.py")
        if "__pycache__" not in path.parts
    }

    with zipfile.ZipFile(wheel_path) as archive:
        shipped = {name: archive.read(name) for name in archive.namelist() if name.endswith(".py")}

    assert f"{package}/__init__.py" in expected
    missing = sorted(set(expected) - set(shipped))
    assert not missing, f"modules left out of the wheel: {missing}"
    changed = sorted(name for name in expected if shipped[name] != expected[name])
    assert not changed, f"wheel copies differ from their source: {changed}"


@pytest.mark.parametrize("package", sorted(TYPED_PACKAGES))
def test_product_packages_are_marked_as_typed(wheel_path: Path, package: str) -> None:
    assert f"{package}/py.typed" in _names(wheel_path)


def test_wheel_never_ships_tests_emulator_benchmarks_example_app_or_bytecode(wheel_path: Path) -> None:
    forbidden = [
        name
        for name in _names(wheel_path)
        if name.split("/", 1)[0] in {"tests", "local", "benchmarks", "cdk", "cli", "lambda"}
        or name.endswith((".pyc", "/app.py", "conftest.py"))
        or "__pycache__" in name
    ]

    assert forbidden == []


def test_wheel_metadata_names_the_project_version_license_and_readme(
    wheel_source: Path, wheel_path: Path
) -> None:
    metadata = _metadata(wheel_path)

    assert metadata["Name"] == "sms-pool-settings"
    assert metadata["Version"] == VERSION
    assert metadata["License-Expression"] == "Apache-2.0"
    assert metadata.get_all("License-File") == ["LICENSE"]
    assert f"{DIST_INFO}/licenses/LICENSE" in _names(wheel_path)
    assert metadata["Description-Content-Type"] == "text/markdown"
    assert metadata.get_payload().strip() == (wheel_source / "README.md").read_text(encoding="utf-8").strip()
    assert "Typing :: Typed" in metadata.get_all("Classifier")
    assert "Framework :: AWS CDK :: 2" in metadata.get_all("Classifier")


def test_dependencies_are_bounded_ranges_and_the_stand_ins_need_the_local_extra(wheel_path: Path) -> None:
    requirements = [Requirement(line) for line in _metadata(wheel_path).get_all("Requires-Dist")]
    unconditional = {req.name.lower(): req for req in requirements if req.marker is None}
    local = {req.name.lower(): req for req in requirements if str(req.marker) == 'extra == "local"'}

    assert set(unconditional) == RUNTIME_DEPENDENCIES
    assert set(local) == LOCAL_EXTRA
    assert {req.name.lower() for req in requirements} == RUNTIME_DEPENDENCIES | LOCAL_EXTRA
    for requirement in [*unconditional.values(), *local.values()]:
        operators = {spec.operator for spec in requirement.specifier}
        assert operators == {">=", "<"}, f"{requirement} must be a range with a lower and an upper bound"


def test_versions_pinned_for_the_tests_fall_inside_the_wheel_dependency_ranges(wheel_path: Path) -> None:
    pins = _pinned_versions()
    requirements = [Requirement(line) for line in _metadata(wheel_path).get_all("Requires-Dist")]

    for requirement in requirements:
        pinned = pins[requirement.name.lower()]
        assert requirement.specifier.contains(pinned), f"{requirement} excludes the tested {pinned}"
