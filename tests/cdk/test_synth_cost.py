"""The synth-time shortcuts give exactly what aws-cdk-lib's public API gives, and the singletons live in
the construct tree.

What the construct saves (memoized ``Token.is_unresolved`` of a string, ARNs built once per provider, the
provider and the app's one-owner check found through the construct tree) must answer as CDK answers,
and nothing of it may reach into jsii's or aws-cdk-lib's private modules. What it costs is measured in
``benchmarks/synth.py`` (synth time against AwsCustomResource, and jsii round trips per pool), never here.
"""

from __future__ import annotations

import ast
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import jsii
import pytest
from aws_cdk import App, CfnParameter, Environment, Fn, IStringProducer, Lazy, Stack, Stage, Token
from aws_cdk.assertions import Template
from constructs import Construct
from sms_pool_settings import PoolSettings
from sms_pool_settings._owners import OWNER_CHECK_ID, OwnerCheck
from sms_pool_settings._provider import PROVIDER_ID, PoolSettingsProvider, is_unresolved

REPO_ROOT = Path(__file__).resolve().parents[2]
POOL = "pool-0123456789abcdef0123456789abcdef"
HERE = Environment(account="123456789012", region="us-east-1")
# Libraries whose private modules the construct must not import (issue 13, item 5).
LIBRARIES = ("jsii", "aws_cdk", "constructs")


@pytest.mark.parametrize(
    ("env", "context"),
    [
        (None, {}),
        (Environment(account="123456789012", region="eu-west-1"), {}),
        (Environment(region="cn-north-1"), {"@aws-cdk/core:enablePartitionLiterals": True}),
        (Environment(account="123456789012", region="us-gov-west-1"), {}),
    ],
    ids=["environment-agnostic", "concrete", "partition-literal", "account-and-gov-region"],
)
@pytest.mark.parametrize(("resource", "name"), [("pool", "pool-1"), ("opt-out-list", "my-list")])
def test_the_provider_builds_the_same_arn_as_format_arn_every_time(
    env: Environment | None, context: dict[str, Any], resource: str, name: str
) -> None:
    # GIVEN
    stack = Stack(App(context=context), "Stack", env=env)
    provider = PoolSettingsProvider.of(stack)

    # WHEN: asked twice (the second answer is the remembered one)
    first, second = provider.arn(resource, name), provider.arn(resource, name)

    # THEN
    expected = stack.format_arn(service="sms-voice", resource=resource, resource_name=name)
    assert first == second == expected
    assert provider.arn(resource, name + "-other") != expected


def _values(stack: Stack) -> list[Any]:
    parameter = CfnParameter(stack, "Param")
    number = CfnParameter(stack, "Count", type="Number")
    names = CfnParameter(stack, "Names", type="CommaDelimitedList")
    return [
        "pool-1",
        "",
        "Token[ but no token",
        "${Token[nothing]}",
        True,
        False,
        None,
        0,
        1.5,
        stack.region,
        stack.partition,
        stack.format_arn(service="sms-voice", resource="pool", resource_name="pool-1"),
        parameter.value_as_string,
        f"prefix-{parameter.value_as_string}-suffix",
        number.value_as_number,
        Token.as_number(Fn.ref("Param")),
        Lazy.string(producer=_Producer()),
        Fn.ref("Param"),
        ["x"],
        names.value_as_list,
    ]


@jsii.implements(IStringProducer)
class _Producer:
    def produce(self, context: Any) -> str:
        return "produced"


def test_is_unresolved_answers_as_token_is_unresolved_for_every_kind_of_value_every_time() -> None:
    # GIVEN
    stack = Stack(App(), "Stack")

    # WHEN / THEN: the first answer and the remembered one both agree with CDK's
    for value in _values(stack):
        expected = Token.is_unresolved(value)
        assert is_unresolved(value) == expected, value
        assert is_unresolved(value) == expected, value


def test_a_token_string_of_another_app_is_still_unresolved_when_asked_again() -> None:
    # GIVEN: a token string asked in one app
    first = CfnParameter(Stack(App(), "First"), "Param").value_as_string
    assert is_unresolved(first)

    # WHEN: another app asks about the same string and a new one
    second = CfnParameter(Stack(App(), "Second"), "Param").value_as_string

    # THEN
    assert is_unresolved(first) is Token.is_unresolved(first) is True
    assert is_unresolved(second) is Token.is_unresolved(second) is True


# --- One provider per stack, found in the construct tree --------------------------------------------


def test_the_reserved_provider_id_is_still_refused_before_the_first_pool_settings(
    h: SimpleNamespace,
) -> None:
    # GIVEN: something else at the provider's construct ID
    stack = h.new_stack()
    Construct(stack, PROVIDER_ID)

    # WHEN / THEN
    assert PoolSettingsProvider.cached(stack) is None
    with pytest.raises(TypeError, match=f"construct ID {PROVIDER_ID} is reserved"):
        PoolSettings(stack, "Settings", pool=h.pool_id(1))


def test_the_provider_of_a_stack_is_the_construct_at_its_reserved_id(h: SimpleNamespace) -> None:
    # GIVEN: two stacks of two apps, one PoolSettings each, and a stack without any
    first, second, empty = h.new_stack("First"), h.new_stack("Second"), h.new_stack("Empty")
    PoolSettings(first, "Settings", pool=h.pool_id(1))
    PoolSettings(second, "Settings", pool=h.pool_id(2))

    # WHEN / THEN: each stack's provider is its own child; nothing is created by asking
    assert PoolSettingsProvider.cached(first) is first.node.find_child(PROVIDER_ID)
    assert PoolSettingsProvider.cached(second) is second.node.find_child(PROVIDER_ID)
    assert PoolSettingsProvider.cached(first) is not PoolSettingsProvider.cached(second)
    assert PoolSettingsProvider.cached(empty) is None
    assert empty.node.try_find_child(PROVIDER_ID) is None


def test_a_provider_built_by_hand_at_the_reserved_id_is_the_one_used(h: SimpleNamespace) -> None:
    # GIVEN: the provider created directly (no registry outside the construct tree knows it)
    stack = h.new_stack()
    built = PoolSettingsProvider(stack, PROVIDER_ID)

    # WHEN
    PoolSettings(stack, "Settings", pool=h.pool_id(1))

    # THEN: the PoolSettings found it in the tree and used it: one function in the stack
    assert PoolSettingsProvider.of(stack) is built
    Template.from_stack(stack).resource_count_is("AWS::Lambda::Function", 1)


# --- One owner check per app, a child of the app's root ---------------------------------------------


def _owner_checks(app: App) -> list[Construct]:
    return [c for c in app.node.find_all() if isinstance(c, OwnerCheck)]


def test_every_stack_and_stage_of_an_app_registers_with_one_check_at_the_apps_root() -> None:
    # GIVEN: an app with two stacks, one of them in a stage
    app = App()
    first = Stack(app, "First", env=HERE)
    second = Stack(Stage(app, "Stage"), "Second", env=HERE)

    # WHEN
    PoolSettings(first, "A", pool=POOL, deletion_protection_enabled=True)
    PoolSettings(second, "B", pool=f"pool-{1:032x}", deletion_protection_enabled=True)

    # THEN: one check, at the documented path, and no resource or artifact of its own
    (check,) = _owner_checks(app)
    assert check.node.path == OWNER_CHECK_ID
    assert app.node.find_child(OWNER_CHECK_ID) is check
    assembly = app.synth()
    assert [a.id for a in assembly.artifacts if OWNER_CHECK_ID in a.id] == []
    assert OWNER_CHECK_ID not in str(Template.from_stack(first).to_json())


def test_the_check_compares_claims_across_the_stacks_and_stages_of_one_app() -> None:
    # GIVEN: the same setting of one pool in a stack and in a stack of a stage, one environment
    app = App()
    PoolSettings(Stack(app, "First", env=HERE), "A", pool=POOL, deletion_protection_enabled=True)
    PoolSettings(Stack(Stage(app, "Stage"), "Second", env=HERE), "B", pool=POOL, shared_routes_enabled=True)
    PoolSettings(
        Stack(Stage(app, "Other"), "Third", env=HERE), "C", pool=POOL, deletion_protection_enabled=False
    )

    # WHEN / THEN: the claim in the stage meets the first one; the other setting is no conflict
    with pytest.raises(Exception, match="Validation failed") as raised:
        app.synth()
    message = str(raised.value)
    assert (
        "PoolSettings First/A and PoolSettings Other/Third/C both manage deletion_protection_enabled"
        in message
    )
    assert "Stage/Second/B" not in message


def test_claims_of_one_app_never_reach_another_app() -> None:
    # GIVEN: an app that claims a setting of a pool
    first = App()
    PoolSettings(Stack(first, "Stack", env=HERE), "A", pool=POOL, deletion_protection_enabled=True)

    # WHEN: a second app in the same process claims the same setting of the same pool
    second = App()
    PoolSettings(Stack(second, "Stack", env=HERE), "A", pool=POOL, deletion_protection_enabled=True)

    # THEN: each app has its own check, and both synthesize
    assert _owner_checks(first)[0] is not _owner_checks(second)[0]
    first.synth()
    second.synth()


def test_the_reserved_owner_check_id_at_the_apps_root_is_refused() -> None:
    # GIVEN: something else at the check's construct ID
    app = App()
    Construct(app, OWNER_CHECK_ID)

    # WHEN / THEN
    with pytest.raises(TypeError, match=f"construct ID {OWNER_CHECK_ID} is reserved"):
        PoolSettings(Stack(app, "Stack", env=HERE), "A", pool=POOL, deletion_protection_enabled=True)


# --- No private internals of other libraries --------------------------------------------------------


def _private_imports(source: str, name: str) -> list[str]:
    """Every import in ``source`` (the module ``name``) of a module or name with a leading underscore
    from one of ``LIBRARIES``, as ``name:line: module``."""
    found = []
    for node in ast.walk(ast.parse(source, name)):
        if isinstance(node, ast.Import):
            modules = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            modules = [node.module] + [f"{node.module}.{alias.name}" for alias in node.names]
        else:
            continue
        for module in modules:
            parts = module.split(".")
            if parts[0] in LIBRARIES and any(part.startswith("_") for part in parts[1:]):
                found.append(f"{name}:{node.lineno}: {module}")
    return found


def test_the_construct_its_tests_and_the_synth_benchmark_import_no_private_module_of_jsii_or_cdk() -> None:
    # GIVEN: the construct's package, its tests and the synth benchmark
    paths = [
        *sorted((REPO_ROOT / "cdk" / "sms_pool_settings").glob("*.py")),
        *sorted((REPO_ROOT / "tests" / "cdk").glob("*.py")),
        REPO_ROOT / "benchmarks" / "synth.py",
        REPO_ROOT / "benchmarks" / "synth_app.py",
    ]

    # WHEN
    found = [hit for path in paths for hit in _private_imports(path.read_text(encoding="utf-8"), path.name)]

    # THEN
    assert found == []


@pytest.mark.parametrize(
    ("source", "found"),
    [
        (
            "from jsii._kernel.providers import process",
            ["m:1: jsii._kernel.providers", "m:1: jsii._kernel.providers.process"],
        ),
        ("import aws_cdk._jsii", ["m:1: aws_cdk._jsii"]),
        ("def f():\n    from constructs import _private", ["m:2: constructs._private"]),
        ("import jsii\nfrom aws_cdk import Token\nfrom constructs import Construct", []),
        ("from ._provider import is_unresolved\nimport _thread", []),
    ],
    ids=["kernel-module", "private-module", "private-name-in-a-function", "public", "own-or-stdlib"],
)
def test_the_private_import_check_tells_private_from_public(source: str, found: list[str]) -> None:
    assert _private_imports(source, "m") == found
