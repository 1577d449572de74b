"""``pool=PoolSelector.tag(key, value)``: the property the construct emits, the IAM the lookup needs, and
the synth-time checks."""

from __future__ import annotations

import json
import warnings
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from aws_cdk import CfnParameter
from aws_cdk.assertions import Match, Template
from pool_settings_handler.constants import PROP_POOL_ID, PROP_POOL_SELECTOR, RESOURCE_TYPE
from pool_settings_handler.lookup import PoolTag
from pool_settings_handler.properties import parse_properties
from sms_pool_settings import PoolSelector, PoolSettings

with warnings.catch_warnings():
    warnings.simplefilter("ignore", UserWarning)  # parliament imports pkg_resources
    from parliament import analyze_policy_string

POOLS = "arn:aws:sms-voice:us-east-1:123456789012:pool/*"


def lookup_statements(template: dict[str, Any]) -> list[dict[str, Any]]:
    """The provider role's statements on the SMS service (its log, records and stack statements aside)."""

    def actions(statement: dict[str, Any]) -> list[str]:
        action = statement["Action"]
        return [action] if isinstance(action, str) else list(action)

    return [
        s
        for r in template["Resources"].values()
        if r["Type"] == "AWS::IAM::Policy"
        for s in r["Properties"]["PolicyDocument"]["Statement"]
        if all(a.startswith("sms-voice:") for a in actions(s))
    ]


@pytest.fixture
def literal_stack(h: SimpleNamespace) -> Any:
    """A stack in 123456789012/us-east-1 whose ARNs are literal strings (cdk init's partition literals)."""
    return h.new_stack(context=h.PARTITION_LITERALS)


def test_a_selector_is_emitted_as_the_pool_selector_property_instead_of_a_pool_id(literal_stack: Any) -> None:
    # GIVEN / WHEN
    PoolSettings(
        literal_stack, "Alerts", pool=PoolSelector.tag("team", "alerts"), deletion_protection_enabled=True
    )

    # THEN
    (resource,) = Template.from_stack(literal_stack).find_resources(RESOURCE_TYPE).values()
    properties = resource["Properties"]
    assert properties[PROP_POOL_SELECTOR] == {"TagKey": "team", "TagValue": "alerts"}
    assert PROP_POOL_ID not in properties
    # AND the handler reads exactly what the construct wrote
    parsed = parse_properties({k: v for k, v in properties.items() if k != "ServiceToken"})
    assert (parsed.pool_selector, parsed.pool_id) == (PoolTag("team", "alerts"), "")


def test_the_role_may_list_pools_read_their_tags_and_update_only_a_tagged_pool(literal_stack: Any) -> None:
    # GIVEN / WHEN
    PoolSettings(
        literal_stack, "Alerts", pool=PoolSelector.tag("team", "alerts"), deletion_protection_enabled=True
    )

    # THEN exactly these statements, scoped as narrowly as each action allows
    assert lookup_statements(Template.from_stack(literal_stack).to_json()) == [
        {"Action": "sms-voice:DescribePools", "Effect": "Allow", "Resource": "*"},
        {"Action": "sms-voice:ListTagsForResource", "Effect": "Allow", "Resource": POOLS},
        {
            "Action": "sms-voice:UpdatePool",
            "Condition": {"StringEquals": {"aws:ResourceTag/team": "alerts"}},
            "Effect": "Allow",
            "Resource": POOLS,
        },
    ]


def test_selectors_of_one_key_share_a_statement_and_another_key_gets_its_own(literal_stack: Any) -> None:
    # GIVEN / WHEN three selectors, two of one key
    for name, key, value in (("A", "team", "alerts"), ("B", "team", "billing"), ("C", "tier", "gold")):
        PoolSettings(literal_stack, name, pool=PoolSelector.tag(key, value), shared_routes_enabled=False)
    PoolSettings(literal_stack, "D", pool=PoolSelector.tag("team", "alerts"), shared_routes_enabled=False)

    # THEN one list and one tags statement, and one update statement per key with its values
    statements = lookup_statements(Template.from_stack(literal_stack).to_json())
    updates = [s["Condition"]["StringEquals"] for s in statements if s["Action"] == "sms-voice:UpdatePool"]
    assert updates == [
        {"aws:ResourceTag/team": ["alerts", "billing"]},
        {"aws:ResourceTag/tier": "gold"},
    ]
    assert [s["Action"] for s in statements].count("sms-voice:DescribePools") == 1


def test_a_selector_next_to_a_pool_id_keeps_the_pool_ids_own_statement(literal_stack: Any, h: Any) -> None:
    # GIVEN / WHEN
    PoolSettings(literal_stack, "ById", pool=h.pool_id(1), deletion_protection_enabled=True)
    PoolSettings(
        literal_stack, "ByTag", pool=PoolSelector.tag("team", "alerts"), deletion_protection_enabled=True
    )

    # THEN the pool by ID still has its own statement: this account and region's pools, unconditioned
    Template.from_stack(literal_stack).has_resource_properties(
        "AWS::IAM::Policy",
        {
            "PolicyDocument": {
                "Statement": Match.array_with(
                    [
                        {
                            "Action": ["sms-voice:DescribePools", "sms-voice:UpdatePool"],
                            "Effect": "Allow",
                            "Resource": "arn:aws:sms-voice:us-east-1:123456789012:pool/*",
                        }
                    ]
                )
            }
        },
    )


def test_parliament_finds_nothing_in_the_lookup_policy(literal_stack: Any) -> None:
    # GIVEN
    PoolSettings(
        literal_stack, "Alerts", pool=PoolSelector.tag("team", "alerts"), deletion_protection_enabled=True
    )
    statements = lookup_statements(Template.from_stack(literal_stack).to_json())

    # WHEN
    findings = analyze_policy_string(json.dumps({"Version": "2012-10-17", "Statement": statements})).findings

    # THEN
    assert [(f.issue, f.detail) for f in findings] == []


def test_an_env_agnostic_stack_scopes_the_lookup_with_its_pseudo_parameters(h: SimpleNamespace) -> None:
    # GIVEN an environment-agnostic stack
    stack = h.new_stack(account=None, region=None)

    # WHEN
    PoolSettings(stack, "Alerts", pool=PoolSelector.tag("team", "alerts"), deletion_protection_enabled=True)

    # THEN the tag statements name the pools of the account and region deployed to
    pattern = h.AGNOSTIC_POOL_PATTERN
    statements = lookup_statements(Template.from_stack(stack).to_json())
    assert [s["Resource"] for s in statements] == ["*", pattern, pattern]


def test_a_tag_value_from_a_parameter_reaches_the_property_and_the_condition(h: SimpleNamespace) -> None:
    # GIVEN
    stack = h.new_stack(context=h.PARTITION_LITERALS)
    team = CfnParameter(stack, "Team", type="String")

    # WHEN
    PoolSettings(
        stack, "Alerts", pool=PoolSelector.tag("team", team.value_as_string), shared_routes_enabled=True
    )

    # THEN
    template = Template.from_stack(stack)
    template.has_resource_properties(
        RESOURCE_TYPE, {"PoolSelector": {"TagKey": "team", "TagValue": {"Ref": "Team"}}}
    )
    updates = [s for s in lookup_statements(template.to_json()) if s["Action"] == "sms-voice:UpdatePool"]
    assert updates[0]["Condition"] == {"StringEquals": {"aws:ResourceTag/team": {"Ref": "Team"}}}


@pytest.mark.parametrize(
    ("key", "value", "error", "message"),
    [
        ("", "alerts", ValueError, "PoolSelector.tag key must be 1 to 128 characters, got '' (0)"),
        (
            "k" * 129,
            "alerts",
            ValueError,
            "PoolSelector.tag key must be 1 to 128 characters, got '" + "k" * 129 + "' (129)",
        ),
        (
            "team",
            "v" * 257,
            ValueError,
            "PoolSelector.tag value must be at most 256 characters, got 257 characters",
        ),
        ("team", 7, TypeError, "PoolSelector.tag value must be a string, got 7"),
        (None, "alerts", TypeError, "PoolSelector.tag key must be a string, got None"),
    ],
)
def test_a_bad_tag_is_refused_naming_the_argument(key: Any, value: Any, error: type, message: str) -> None:
    with pytest.raises(error) as excinfo:
        PoolSelector.tag(key, value)

    assert str(excinfo.value) == message


def test_a_tag_key_from_a_parameter_is_refused_because_it_names_a_condition_key(h: SimpleNamespace) -> None:
    stack = h.new_stack()
    key = CfnParameter(stack, "Key", type="String").value_as_string

    with pytest.raises(ValueError) as excinfo:
        PoolSelector.tag(key, "alerts")

    assert str(excinfo.value).startswith(
        "PoolSelector.tag key must be a literal string (it names an IAM condition key), got '${Token["
    )


def test_pool_of_another_kind_is_refused_naming_the_selector_too(h: SimpleNamespace) -> None:
    with pytest.raises(TypeError) as excinfo:
        PoolSettings(h.new_stack(), "Bad", pool=42, shared_routes_enabled=True)  # type: ignore[arg-type]

    assert str(excinfo.value) == (
        "pool must be a pool ID, a pool ARN, an aws_smsvoice.CfnPool or a PoolSelector, got 42"
    )


def test_a_selector_in_a_stackset_needs_no_parameter_and_fixes_no_name(tmp_path: Any) -> None:
    # GIVEN a cdk-stacksets StackSetStack whose PoolSettings find the pool by tag in every account
    import cdk_stacksets as stacksets
    from aws_cdk import App, Environment, Stack
    from aws_cdk import aws_s3 as s3

    app = App(outdir=str(tmp_path))
    parent = Stack(app, "Parent", env=Environment(account="111111111111", region="us-east-1"))
    bucket = s3.Bucket.from_bucket_name(parent, "Assets", "sms-assets-us-east-1")
    template_stack = stacksets.StackSetStack(
        parent, "Settings", asset_buckets=[bucket], asset_bucket_prefix="sms-assets"
    )
    PoolSettings(
        template_stack, "Alerts", pool=PoolSelector.tag("team", "alerts"), deletion_protection_enabled=True
    )

    # WHEN
    assembly = app.synth()
    (path,) = Path(assembly.directory).glob("*.stackset.template.json")
    template = json.loads(path.read_text(encoding="utf-8"))

    # THEN no parameter is needed, the selector is the property, and the role has no fixed name
    assert "Parameters" not in template
    (resource,) = [r for r in template["Resources"].values() if r["Type"] == RESOURCE_TYPE]
    assert resource["Properties"]["PoolSelector"] == {"TagKey": "team", "TagValue": "alerts"}
    (role,) = [r for r in template["Resources"].values() if r["Type"] == "AWS::IAM::Role"]
    assert "RoleName" not in role["Properties"]
    updates = [s for s in lookup_statements(template) if s["Action"] == "sms-voice:UpdatePool"]
    assert updates[0]["Condition"] == {"StringEquals": {"aws:ResourceTag/team": "alerts"}}
