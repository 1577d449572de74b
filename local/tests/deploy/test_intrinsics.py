"""Unit tests of intrinsic resolution and the dependency graph (pure, no emulator)."""

import pytest
from sms_pool_settings_local.deploy.errors import TemplateError
from sms_pool_settings_local.deploy.intrinsics import (
    Pending,
    Scope,
    creation_order,
    deletion_order,
    dependencies,
    evaluate_conditions,
    pseudo_parameters,
    references,
    resolve,
)

PSEUDO = pseudo_parameters(
    region="eu-west-1", account="123456789012", stack_name="S", stack_id="arn:aws:cloudformation:x"
)


def scope(**attrs):
    def ref(name):
        if name == "Pool":
            return "pool-1"
        raise TemplateError(f"no {name}")

    def get_att(name, attribute):
        return attrs[f"{name}.{attribute}"]

    return Scope(PSEUDO, {"Param": "p-value", "List": ["a", "b"]}, ref, get_att, where="R")


def test_ref_resolves_resources_parameters_and_pseudo_parameters():
    value = {"A": {"Ref": "Pool"}, "B": {"Ref": "Param"}, "C": {"Ref": "AWS::Region"}}
    assert resolve(value, scope()) == {"A": "pool-1", "B": "p-value", "C": "eu-west-1"}


def test_partition_and_url_suffix_follow_the_region():
    china = pseudo_parameters(region="cn-north-1", account="1", stack_name="S", stack_id="x")
    assert (china["AWS::Partition"], china["AWS::URLSuffix"]) == ("aws-cn", "amazonaws.com.cn")
    assert (PSEUDO["AWS::Partition"], PSEUDO["AWS::URLSuffix"]) == ("aws", "amazonaws.com")


def test_get_att_accepts_the_list_and_the_dotted_form():
    s = scope(**{"Pool.Arn": "arn:pool"})
    assert resolve({"Fn::GetAtt": ["Pool", "Arn"]}, s) == "arn:pool"
    assert resolve({"Fn::GetAtt": "Pool.Arn"}, s) == "arn:pool"


def test_join_select_and_split_compose():
    value = {"Fn::Select": [1, {"Fn::Split": [",", {"Fn::Join": [",", ["x", {"Ref": "Param"}, "z"]]}]}]}
    assert resolve(value, scope()) == "p-value"


def test_sub_replaces_refs_attributes_variables_and_keeps_escaped_literals():
    s = scope(**{"Pool.Arn": "arn:pool"})
    text = "${AWS::AccountId}/${Pool}/${Pool.Arn}/${Var}/${!Literal}"
    assert resolve({"Fn::Sub": [text, {"Var": {"Ref": "Param"}}]}, s) == (
        "123456789012/pool-1/arn:pool/p-value/${Literal}"
    )


def test_ref_to_no_value_removes_the_key_and_the_list_item():
    value = {"Keep": "x", "Drop": {"Ref": "AWS::NoValue"}, "L": ["a", {"Ref": "AWS::NoValue"}]}
    assert resolve(value, scope()) == {"Keep": "x", "L": ["a"]}


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ({"Fn::Cidr": ["10.0.0.0/16", 2, 8]}, "R: intrinsic function Fn::Cidr is not supported"),
        ({"Fn::If": ["C", "a", "b"]}, "R: Fn::If names condition 'C', which is not in the template's"),
        ({"Fn::FindInMap": ["M", "x", "y"]}, "R: Fn::FindInMap [M, x, y]: no such key in the template's"),
        ({"Fn::ImportValue": "Shared"}, "R: Fn::ImportValue 'Shared': no exports are known here"),
        ({"Ref": "AWS::NotificationARNs"}, "R: pseudo parameter AWS::NotificationARNs is not supported"),
        ({"Fn::GetAtt": "NoDot"}, "R: Fn::GetAtt must be [LogicalId, Attribute], got 'NoDot'"),
        ({"Fn::Select": [5, ["a"]]}, "R: Fn::Select index 5 is not in ['a']"),
        ({"Fn::Join": [",", "notalist"]}, "R: Fn::Join needs a list of values, got 'notalist'"),
        ({"Ref": "Missing"}, "no Missing"),
    ],
)
def test_unsupported_or_malformed_intrinsics_are_named_in_the_error(value, message):
    with pytest.raises(TemplateError) as exc:
        resolve(value, scope())
    assert message in str(exc.value)


def test_references_come_from_ref_get_att_and_sub_but_not_pseudo_parameters_or_sub_variables():
    value = {
        "A": {"Ref": "One"},
        "B": {"Fn::GetAtt": ["Two", "Arn"]},
        "C": {"Fn::Sub": ["${Three.Arn}-${AWS::Region}-${Local}-${!Escaped}", {"Local": {"Ref": "Four"}}]},
        "D": [{"Ref": "AWS::StackName"}],
    }
    assert references(value) == {"One", "Two", "Three", "Four"}


def test_dependencies_include_depends_on_and_ignore_parameters():
    resources = {
        "Role": {"Type": "AWS::IAM::Role"},
        "Fn": {"Type": "AWS::Lambda::Function", "Properties": {"Role": {"Fn::GetAtt": ["Role", "Arn"]}}},
        "Pool": {"Type": "AWS::SMSVOICE::Pool", "Properties": {"X": {"Ref": "Param"}}},
        "Settings": {
            "Type": "Custom::SmsPoolSettings",
            "DependsOn": ["Pool"],
            "Properties": {"ServiceToken": {"Fn::GetAtt": ["Fn", "Arn"]}},
        },
    }
    graph = dependencies(resources)
    assert graph == {"Role": set(), "Fn": {"Role"}, "Pool": set(), "Settings": {"Fn", "Pool"}}
    order = creation_order(graph)
    assert order.index("Role") < order.index("Fn") < order.index("Settings")
    assert order.index("Pool") < order.index("Settings")
    assert deletion_order(graph) == list(reversed(order))
    assert deletion_order(graph, ["Role", "Settings"]) == ["Settings", "Role"]


def test_a_cycle_and_a_dangling_depends_on_are_template_errors():
    with pytest.raises(TemplateError, match="Circular dependency between resources: A, B"):
        creation_order({"A": {"B"}, "B": {"A"}})
    with pytest.raises(TemplateError, match="A: DependsOn names 'Ghost', which is not a resource"):
        dependencies({"A": {"Type": "T", "DependsOn": "Ghost"}})


def test_conditions_evaluate_equals_and_or_not_and_named_conditions():
    conditions = {
        "IsEu": {"Fn::Equals": [{"Ref": "AWS::Region"}, "eu-west-1"]},
        "IsProd": {"Fn::Equals": ["prod", {"Ref": "Env"}]},
        "EuProd": {"Fn::And": [{"Condition": "IsEu"}, {"Condition": "IsProd"}]},
        "NotProd": {"Fn::Not": [{"Condition": "IsProd"}]},
        "Either": {"Fn::Or": [{"Condition": "IsProd"}, {"Condition": "IsEu"}]},
    }
    values = evaluate_conditions(conditions, PSEUDO, {"Env": "dev"})
    assert values == {"IsEu": True, "IsProd": False, "EuProd": False, "NotProd": True, "Either": True}


def test_a_condition_cycle_and_a_condition_that_refs_a_resource_are_template_errors():
    with pytest.raises(TemplateError, match="Circular dependency between conditions: A, B, A"):
        evaluate_conditions({"A": {"Condition": "B"}, "B": {"Condition": "A"}}, PSEUDO, {})
    with pytest.raises(TemplateError, match="Condition C: a condition can only Ref parameters"):
        evaluate_conditions({"C": {"Fn::Equals": [{"Ref": "Pool"}, "x"]}}, PSEUDO, {})


def test_if_picks_a_branch_and_no_value_in_a_branch_removes_the_key():
    s = scope()
    s.conditions = {"Yes": True, "No": False}
    value = {"A": {"Fn::If": ["Yes", "a", "b"]}, "B": {"Fn::If": ["No", "x", {"Ref": "AWS::NoValue"}]}}
    assert resolve(value, s) == {"A": "a"}


def test_find_in_map_resolves_its_keys_and_import_value_asks_the_scope():
    s = scope()
    s.mappings = {"Sizes": {"p-value": {"Small": "1"}}}
    s.import_value = lambda name: f"exported:{name}"
    assert resolve({"Fn::FindInMap": ["Sizes", {"Ref": "Param"}, "Small"]}, s) == "1"
    assert resolve({"Fn::ImportValue": {"Fn::Sub": "${AWS::Region}-Vpc"}}, s) == "exported:eu-west-1-Vpc"


def test_a_pending_value_flows_through_join_sub_split_and_select_without_a_false_error():
    s = Scope(PSEUDO, {}, lambda name: Pending(f"<{name}>"), lambda n, a: Pending(f"<{n}.{a}>"), "R")
    value = {
        "Select": {"Fn::Select": [4, {"Fn::Split": [":", {"Fn::GetAtt": ["Pool", "Arn"]}]}]},
        "Join": {"Fn::Join": ["/", ["x", {"Ref": "Pool"}]]},
        "Sub": {"Fn::Sub": "${Pool.Arn}/y"},
    }
    resolved = resolve(value, s)
    assert all(isinstance(v, Pending) for v in resolved.values())
    assert resolved["Join"] == "x/<Pool>" and resolved["Sub"] == "<Pool.Arn>/y"
