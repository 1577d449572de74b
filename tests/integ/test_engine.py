"""Unit tests of the engine's CloudFormation semantics, with hand-written templates and fake providers."""

from __future__ import annotations

import itertools
from typing import Any

import pytest
from local_deploy.engine import Deployment, Outcome, Request
from local_deploy.errors import DeployError, TemplateError
from local_deploy.intrinsics import pseudo_parameters
from local_deploy.output import EventLog
from local_deploy.state import StackState
from local_deploy.template import Template

PSEUDO = pseudo_parameters(region="us-east-1", account="123456789012", stack_name="S", stack_id="arn:stack")


class FakeProvider:
    """Records every call; fails the operations listed in ``fail``; ``Name`` is create-only."""

    local = True

    def __init__(self, calls: list[tuple[Any, ...]], fail: set[tuple[str, str]], counter, local=True) -> None:
        self.calls, self.fail, self.local, self.counter = calls, fail, local, counter

    def _maybe_fail(self, op: str, request: Request) -> None:
        if (op, request.logical_id) in self.fail:
            self.fail.discard((op, request.logical_id))  # one shot, like an injected fault
            raise DeployError(
                f"{op} {request.logical_id} rejected", physical_id=f"failed-{request.logical_id}"
            )

    def create(self, request: Request) -> Outcome:
        self.calls.append(("create", request.logical_id, request.properties))
        self._maybe_fail("create", request)
        physical = f"{request.logical_id}-{request.properties.get('Name', '')}-{next(self.counter)}"
        return Outcome(physical, {"Arn": f"arn:{physical}"})

    def update(self, request: Request) -> Outcome:
        self.calls.append(("update", request.logical_id, request.properties, request.old_properties))
        self._maybe_fail("update", request)
        physical = request.properties.get("NewPhysicalId", request.physical_id)
        return Outcome(physical, {"Arn": f"arn:{physical}"})

    def delete(self, request: Request) -> None:
        self.calls.append(("delete", request.logical_id, request.physical_id))
        self._maybe_fail("delete", request)

    def replacement_properties(self, old: dict[str, Any], new: dict[str, Any]) -> list[str]:
        return ["Name"] if old.get("Name") != new.get("Name") else []

    def ref(self, physical_id: str, attributes: dict[str, Any]) -> Any:
        return physical_id


def template(**resources: dict[str, Any]) -> Template:
    return Template("S", {"Resources": resources})


# Base: Pool <- Settings (GetAtt), List <- Settings (Ref), Role (not applied)
def app(settings_value: str = "a", list_name: str = "one", extra: dict[str, Any] | None = None) -> Template:
    resources: dict[str, Any] = {
        "Role": {"Type": "AWS::IAM::Role", "Properties": {}},
        "List": {"Type": "T::List", "Properties": {"Name": list_name}},
        "Pool": {"Type": "T::Pool", "Properties": {"Flag": True}},
        "Settings": {
            "Type": "Custom::X",
            "Properties": {
                "PoolId": {"Fn::GetAtt": ["Pool", "Arn"]},
                "List": {"Ref": "List"},
                "Value": settings_value,
            },
        },
    }
    resources.update(extra or {})
    return template(**resources)


class Harness:
    def __init__(self) -> None:
        self.calls: list[tuple[Any, ...]] = []
        self.fail: set[tuple[str, str]] = set()
        self.state = StackState("S", "arn:stack")
        self.saved = 0
        self.counter = itertools.count(1)
        self.log = EventLog("S")

    def providers(self, resource_type: str, logical_id: str) -> Any:
        if resource_type.startswith("Unknown::"):
            raise TemplateError(f"{logical_id}: resource type {resource_type} cannot be emulated locally")
        return FakeProvider(self.calls, self.fail, self.counter, local=resource_type != "AWS::IAM::Role")

    def run(self, tmpl: Template | None, destroy: bool = False) -> bool:
        self.calls.clear()
        self.log = EventLog("S")

        def save(_state: StackState) -> None:
            self.saved += 1

        deployment = Deployment(tmpl, self.state, self.providers, PSEUDO, self.log, on_change=save)
        return deployment.destroy() if destroy else deployment.deploy()

    def statuses(self) -> list[tuple[str, str]]:
        return [(e.logical_id, e.status) for e in self.log.events]


@pytest.fixture
def h(capsys: pytest.CaptureFixture[str]) -> Harness:
    return Harness()


def test_first_deploy_creates_in_dependency_order_and_records_not_applied_resources_silently(h):
    assert h.run(app())
    assert [c[:2] for c in h.calls] == [
        ("create", "List"),
        ("create", "Pool"),
        ("create", "Role"),
        ("create", "Settings"),
    ]
    assert ("Role", "CREATE_IN_PROGRESS") not in h.statuses()
    assert h.statuses()[0] == ("S", "CREATE_IN_PROGRESS") and h.statuses()[-1] == ("S", "CREATE_COMPLETE")
    settings = h.state.resources["Settings"]
    assert settings.properties == {"PoolId": "arn:Pool--2", "List": "List-one-1", "Value": "a"}
    assert settings.depends_on == ["List", "Pool"]
    assert h.state.resources["Role"].local is False
    assert h.saved >= 4


def test_a_deploy_with_nothing_changed_sends_nothing_and_prints_no_event(h):
    h.run(app())
    assert h.run(app())
    assert h.calls == [] and h.log.events == []


def test_only_the_changed_resource_gets_an_update_with_its_old_properties(h):
    h.run(app())
    assert h.run(app(settings_value="b"))
    assert h.calls == [
        (
            "update",
            "Settings",
            {"PoolId": "arn:Pool--2", "List": "List-one-1", "Value": "b"},
            {"PoolId": "arn:Pool--2", "List": "List-one-1", "Value": "a"},
        )
    ]
    assert h.statuses() == [
        ("S", "UPDATE_IN_PROGRESS"),
        ("Settings", "UPDATE_IN_PROGRESS"),
        ("Settings", "UPDATE_COMPLETE"),
        ("S", "UPDATE_COMPLETE"),
    ]


def test_a_create_only_change_replaces_the_resource_updates_dependents_and_deletes_the_old_one_in_cleanup(h):
    h.run(app())
    assert h.run(app(list_name="two"))
    assert [c[:2] for c in h.calls] == [("create", "List"), ("update", "Settings"), ("delete", "List")]
    assert h.calls[-1] == ("delete", "List", "List-one-1")
    assert h.calls[1][2]["List"] == "List-two-5"
    assert ("S", "UPDATE_COMPLETE_CLEANUP_IN_PROGRESS") in h.statuses()
    assert h.state.resources["List"].physical_id == "List-two-5"


def test_a_new_physical_id_from_an_update_is_a_replacement_and_the_old_id_gets_a_delete(h):
    h.run(app())
    tmpl = app()
    tmpl.body["Resources"]["Settings"]["Properties"]["NewPhysicalId"] = "other-pool"
    assert h.run(tmpl)
    assert h.calls[-1] == ("delete", "Settings", "Settings--4")
    assert h.state.resources["Settings"].physical_id == "other-pool"


def test_a_failed_update_rolls_back_with_old_and_new_swapped_for_every_updated_resource(h):
    h.run(app())
    before = {k: (v.physical_id, v.properties) for k, v in h.state.resources.items()}
    tmpl = app(settings_value="b")
    tmpl.body["Resources"]["Pool"]["Properties"]["Flag"] = False
    h.fail.add(("update", "Settings"))
    assert not h.run(tmpl)
    updates = [c for c in h.calls if c[0] == "update"]
    assert updates == [
        ("update", "Pool", {"Flag": False}, {"Flag": True}),
        ("update", "Settings", {"PoolId": "arn:Pool--2", "List": "List-one-1", "Value": "b"}, updates[1][3]),
        # rollback: the failed resource first, then the others in reverse order, old and new swapped
        ("update", "Settings", {"PoolId": "arn:Pool--2", "List": "List-one-1", "Value": "a"}, updates[2][3]),
        ("update", "Pool", {"Flag": True}, {"Flag": False}),
    ]
    assert updates[2][3]["Value"] == "b"
    statuses = h.statuses()
    assert ("Settings", "UPDATE_FAILED") in statuses
    assert statuses[-1] == ("S", "UPDATE_ROLLBACK_COMPLETE")
    assert h.log.events[statuses.index(("Settings", "UPDATE_FAILED"))].reason == "update Settings rejected"
    assert {k: (v.physical_id, v.properties) for k, v in h.state.resources.items()} == before


def test_a_failed_create_in_an_update_is_followed_by_a_delete_of_it_and_of_what_was_created(h):
    h.run(app())
    new = {"Type": "T::Pool", "Properties": {"Flag": False}}
    broken = {"Type": "Custom::X", "Properties": {"Pool": {"Ref": "Pool2"}}}
    h.fail.add(("create", "Zed"))
    assert not h.run(app(extra={"Pool2": new, "Zed": broken}))
    assert [c[:2] for c in h.calls] == [
        ("create", "Pool2"),
        ("create", "Zed"),
        ("delete", "Zed"),
        ("delete", "Pool2"),
    ]
    assert h.calls[2] == ("delete", "Zed", "failed-Zed")
    assert "Pool2" not in h.state.resources and h.state.status == "UPDATE_ROLLBACK_COMPLETE"


def test_a_failed_first_create_rolls_back_to_an_empty_stack(h):
    h.fail.add(("create", "Settings"))
    assert not h.run(app())
    deletes = [c for c in h.calls if c[0] == "delete"]
    assert [d[1] for d in deletes] == ["Settings", "Pool", "List"]
    assert h.statuses()[-1] == ("S", "ROLLBACK_COMPLETE")
    assert h.state.resources == {}


def test_a_resource_removed_from_the_template_is_deleted_during_cleanup(h):
    h.run(app(extra={"Extra": {"Type": "T::Pool", "Properties": {}}}))
    extra_id = h.state.resources["Extra"].physical_id
    assert h.run(app())
    assert h.calls == [("delete", "Extra", extra_id)]
    assert "Extra" not in h.state.resources


def test_destroy_deletes_in_reverse_dependency_order_and_stops_at_a_failure(h):
    h.run(app())
    assert h.run(None, destroy=True)
    assert [c[1] for c in h.calls] == ["Settings", "Pool", "List"]
    assert h.state.resources == {} and h.statuses()[-1] == ("S", "DELETE_COMPLETE")


def test_a_failed_delete_keeps_the_resource_and_what_it_depends_on(h):
    h.run(app())
    h.fail.add(("delete", "Settings"))
    assert not h.run(None, destroy=True)
    assert [c[1] for c in h.calls] == ["Settings"]
    assert set(h.state.resources) == {"Settings", "Pool", "List"}
    assert h.log.events[-1].reason == "The following resource(s) failed to delete: [Settings]."
    assert h.statuses()[-1] == ("S", "DELETE_FAILED")


def test_an_unsupported_type_is_refused_before_any_change(h):
    with pytest.raises(TemplateError, match="Bad: resource type Unknown::Thing cannot be emulated locally"):
        h.run(app(extra={"Bad": {"Type": "Unknown::Thing"}}))
    assert h.calls == []


def test_get_att_of_an_unknown_attribute_names_the_resource_and_the_known_ones(h):
    tmpl = app(extra={"Use": {"Type": "T::Pool", "Properties": {"X": {"Fn::GetAtt": ["Pool", "Nope"]}}}})
    with pytest.raises(
        TemplateError,
        match=r"Use: Fn::GetAtt Pool.Nope: T::Pool has no attribute 'Nope' locally \(known: Arn\)",
    ):
        h.run(tmpl)


def test_a_retained_resource_is_skipped_on_destroy_with_a_delete_skipped_event(h):
    tmpl = app()
    tmpl.body["Resources"]["Pool"]["DeletionPolicy"] = "Retain"
    h.run(tmpl)
    assert h.run(None, destroy=True)
    assert [c[1] for c in h.calls] == ["Settings", "List"]
    assert ("Pool", "DELETE_SKIPPED") in h.statuses()


def test_retain_except_on_create_is_deleted_by_the_rollback_of_a_failed_create(h):
    tmpl = app()
    tmpl.body["Resources"]["Pool"]["DeletionPolicy"] = "RetainExceptOnCreate"
    tmpl.body["Resources"]["List"]["DeletionPolicy"] = "Retain"
    h.fail.add(("create", "Settings"))
    assert not h.run(tmpl)
    assert [c[1] for c in h.calls if c[0] == "delete"] == ["Settings", "Pool"]
    assert ("List", "DELETE_SKIPPED") in h.statuses()


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (
            {"Transform": "AWS::Serverless-2016-10-31"},
            "Transform 'AWS::Serverless-2016-10-31' is not supported",
        ),
        ({"Conditions": {"IsProd": {"Fn::Equals": ["a", "b"]}}}, r"Conditions \(IsProd\) are not supported"),
        (
            {"Resources": {"R": {"Type": "T::Pool", "Condition": "IsProd"}}},
            "R: Condition 'IsProd' is not supported",
        ),
    ],
)
def test_transforms_and_conditions_are_refused_before_any_change(h, body, message):
    with pytest.raises(TemplateError, match=message):
        h.run(Template("S", {"Resources": {}, **body}))
    assert h.calls == []


def test_an_interrupted_deploy_leaves_valid_state_and_the_next_deploy_carries_on(tmp_path):
    from local_deploy.state import StateStore

    store = StateStore(tmp_path)
    h = Harness()
    original_providers = h.providers

    def interrupting(resource_type, logical_id):
        provider = original_providers(resource_type, logical_id)
        if logical_id == "Pool":
            provider.create = lambda request: (_ for _ in ()).throw(KeyboardInterrupt())
        return provider

    log = EventLog("S")
    deployment = Deployment(app(), h.state, interrupting, PSEUDO, log, on_change=store.save)
    with pytest.raises(KeyboardInterrupt):
        deployment.deploy()
    # THEN the file on disk is whole and holds what was applied before the interruption
    saved = store.load("S")
    assert set(saved.resources) == {"List"}
    # WHEN the next run starts from it
    h.state = saved
    assert h.run(app())
    assert [c[:2] for c in h.calls] == [("create", "Pool"), ("create", "Role"), ("create", "Settings")]
