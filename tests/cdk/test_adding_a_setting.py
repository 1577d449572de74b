"""CONTRIBUTING.md's "Adding a setting" is exactly the edits needed: a row, its argument, its emulator rule.

A table with one more row (a setting ``UpdatePool`` does not have, so nothing real answers for it) is
picked up by the handler's parser, the construct's validation and the driver's CfnPool mapping with no
other edit; and the modules that read the table name no setting themselves, so there is no second list
a contributor could forget.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from pool_settings_handler.constants import BOOLEAN, IAM_ROLE, SETTINGS, SettingRow
from pool_settings_handler.errors import InvalidPropertyError
from pool_settings_handler.properties import parse_properties, parse_properties_with_table
from sms_pool_settings import _validation as check
from sms_pool_settings_local.deploy.errors import DeployError
from sms_pool_settings_local.deploy.providers import pool_settings

ROOT = Path(__file__).resolve().parents[2]
PLACE = check.StackPlace(partition="aws", region="us-east-1", account="123456789012")
NEW_FLAG = SettingRow(
    "ExampleEnabled", "example_enabled", BOOLEAN, ("ExampleEnabled",), ("example_enabled",), cfn_default=False
)
NEW_ROLE = SettingRow("ExampleRole", "example_role", IAM_ROLE, ("Example", "Role"), ("example", "role"))
TABLE = (*SETTINGS, NEW_FLAG, NEW_ROLE)


def test_the_handler_parses_a_new_row_by_its_kinds_rule() -> None:
    # WHEN
    parsed = parse_properties_with_table(
        {"PoolId": "pool-1", "ExampleEnabled": "true", "ExampleRole": "arn:aws:iam::123456789012:role/R"},
        TABLE,
        partition="aws",
    )
    # THEN: coerced like every boolean, checked like every role
    assert parsed.settings == {"ExampleEnabled": True, "ExampleRole": "arn:aws:iam::123456789012:role/R"}
    with pytest.raises(InvalidPropertyError) as bad:
        parse_properties_with_table({"PoolId": "pool-1", "ExampleEnabled": "yes"}, TABLE)
    assert str(bad.value) == 'Invalid property ExampleEnabled: expected "true" or "false", got \'yes\''
    with pytest.raises(InvalidPropertyError) as other_partition:
        parse_properties_with_table(
            {"PoolId": "pool-1", "ExampleRole": "arn:aws-cn:iam::123456789012:role/R"}, TABLE, partition="aws"
        )
    assert "expected partition aws" in str(other_partition.value)


def test_without_the_row_the_handler_rejects_the_key() -> None:
    with pytest.raises(InvalidPropertyError, match="Invalid property ExampleEnabled: unknown property"):
        parse_properties({"PoolId": "pool-1", "ExampleEnabled": "true"})


def test_the_constructs_validation_checks_a_new_row_by_its_kinds_rule() -> None:
    # THEN: the construct's boolean rule (a real bool) and its role rule apply to the new arguments
    with pytest.raises(ValueError, match=r"^example_enabled must be True or False, got 'true'$"):
        check.check_settings({"example_enabled": "true"}, PLACE, TABLE)
    with pytest.raises(ValueError, match=r"^example_role must be an IAM role ARN shaped .*, got .SmsRole. "):
        check.check_settings({"example_role": "SmsRole"}, PLACE, TABLE)
    assert check.check_settings({"example_enabled": True}, PLACE, TABLE) == []
    # and without the row the argument is not a setting it knows
    assert check.check_settings({"example_enabled": "true"}, PLACE) == []


def test_the_drivers_cfn_pool_mapping_reads_a_new_row() -> None:
    # WHEN / THEN: the CfnPool property maps to the setting, with the row's default when absent
    assert pool_settings({"ExampleEnabled": "true"}, "Pool", TABLE)["ExampleEnabled"] is True
    assert pool_settings({}, "Pool", TABLE)["ExampleEnabled"] is False
    role = "arn:aws:iam::123456789012:role/R"
    assert pool_settings({"Example": {"Role": role}}, "Pool", TABLE)["ExampleRole"] == role
    assert "ExampleRole" not in pool_settings({}, "Pool", TABLE)
    with pytest.raises(DeployError, match="Pool: ExampleEnabled expected boolean, got 'yes'"):
        pool_settings({"ExampleEnabled": "yes"}, "Pool", TABLE)


# The readers of the table: none of them may spell a setting's key or argument in its code (docstrings
# and the construct's explicit signature aside), or adding a row would need an edit there too.
READERS = [
    "lambda/pool_settings_handler/properties.py",
    "lambda/pool_settings_handler/diff.py",
    "cdk/sms_pool_settings/_validation.py",
]


def _code_strings(tree: ast.AST) -> set[str]:
    docstrings = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, (ast.Module, ast.FunctionDef, ast.ClassDef))
        and node.body
        and isinstance(node.body[0], ast.Expr)
        and isinstance(node.body[0].value, ast.Constant)
    }
    return {
        node.value
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings
    }


@pytest.mark.parametrize("path", READERS)
def test_the_readers_name_no_setting_of_their_own(path: str) -> None:
    strings = _code_strings(ast.parse((ROOT / path).read_text()))
    named = {row.key for row in SETTINGS} | {row.argument for row in SETTINGS}
    assert strings & named == set()


def test_the_construct_reads_its_setting_arguments_through_the_table() -> None:
    # The construct's body maps arguments to properties, checks and CfnPool conflicts through SETTINGS:
    # apart from its signature and docstrings it names only the two it treats apart (the two-way warning).
    tree = ast.parse((ROOT / "cdk/sms_pool_settings/construct.py").read_text())
    names = {node.id for node in ast.walk(tree) if isinstance(node, ast.Name)}
    arguments = {row.argument for row in SETTINGS}
    assert names & arguments == {"two_way_enabled", "two_way_channel"}
    assert _code_strings(tree) & arguments == set()
