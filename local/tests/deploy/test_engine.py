"""Unit tests of the engine's CloudFormation semantics, with hand-written templates and fake providers."""

from __future__ import annotations

import itertools
import threading
import time
from typing import Any

import pytest
from sms_pool_settings_local.deploy.engine import Deployment, Outcome, Request, StackStatusError
from sms_pool_settings_local.deploy.errors import DeployError, TemplateError
from sms_pool_settings_local.deploy.intrinsics import pseudo_parameters
from sms_pool_settings_local.deploy.output import EventLog
from sms_pool_settings_local.deploy.state import StackState
from sms_pool_settings_local.deploy.template import Template

PSEUDO = pseudo_parameters(region="us-east-1", account="123456789012", stack_name="S", stack_id="arn:stack")


class FakeProvider:
    """Records every call; fails the operations listed in ``fail``; ``Name`` is create-only."""

    local = True
    attributes = frozenset({"Arn"})

    def __init__(self, calls, fail, counter, local=True, gates=None, started=None) -> None:
        self.calls, self.fail, self.local, self.counter = calls, fail, local, counter
        self.gates, self.started = gates or {}, started if started is not None else []

    def _maybe_fail(self, op: str, request: Request) -> None:
        if (op, request.logical_id, 2) in self.fail:  # fails twice: now, and the next time
            self.fail.discard((op, request.logical_id, 2))
            self.fail.add((op, request.logical_id))
        elif (op, request.logical_id) in self.fail:
            self.fail.discard((op, request.logical_id))  # one shot, like an injected fault
        else:
            return
        raise DeployError(f"{op} {request.logical_id} rejected", physical_id=f"failed-{request.logical_id}")

    def create(self, request: Request) -> Outcome:
        self.calls.append(("create", request.logical_id, request.properties))
        gate = self.gates.get(request.logical_id)
        if gate is not None:  # a slow sibling: it waits until the test lets it finish
            self.started.append(request.logical_id)
            assert gate.wait(10)
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
    def __init__(self, max_parallel: int = 1) -> None:
        self.max_parallel = max_parallel
        self.gates: dict[str, Any] = {}
        self.started: list[str] = []
        self.calls: list[tuple[Any, ...]] = []
        self.fail: set[tuple[str, str]] = set()
        self.state = StackState("S", "arn:stack")
        self.saved = 0
        self.counter = itertools.count(1)
        self.log = EventLog("S")

    def providers(self, resource_type: str, logical_id: str) -> Any:
        if resource_type.startswith("Unknown::"):
            raise TemplateError(f"{logical_id}: resource type {resource_type} cannot be emulated locally")
        return FakeProvider(
            self.calls,
            self.fail,
            self.counter,
            local=resource_type != "AWS::IAM::Role",
            gates=self.gates,
            started=self.started,
        )

    def run(self, tmpl: Template | None, destroy: bool = False, **options: Any) -> bool:
        self.calls.clear()
        self.log = EventLog("S")

        def save(_state: StackState) -> None:
            self.saved += 1

        options.setdefault("max_parallel", self.max_parallel)
        self.deployment = Deployment(
            tmpl, self.state, self.providers, PSEUDO, self.log, on_change=save, **options
        )
        return self.deployment.destroy() if destroy else self.deployment.deploy()

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
        # CloudFormation emits the cleanup status after every successful update, even with nothing to delete
        ("S", "UPDATE_COMPLETE_CLEANUP_IN_PROGRESS"),
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
    assert h.calls == [] and h.log.events == []  # refused before the first change


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
        (
            {"Resources": {"R": {"Type": "T::Pool", "Condition": "IsProd"}}},
            "R: Condition 'IsProd' is not in the template's Conditions",
        ),
    ],
)
def test_transforms_and_unknown_conditions_are_refused_before_any_change(h, body, message):
    with pytest.raises(TemplateError, match=message):
        h.run(Template("S", {"Resources": {}, **body}))
    assert h.calls == []


def test_an_interrupted_deploy_leaves_valid_state_and_the_next_deploy_carries_on(tmp_path):
    from sms_pool_settings_local.deploy.state import StateStore

    store = StateStore(tmp_path)
    h = Harness()
    original_providers = h.providers

    def interrupting(resource_type, logical_id):
        provider = original_providers(resource_type, logical_id)
        if logical_id == "Pool":
            provider.create = lambda request: (_ for _ in ()).throw(KeyboardInterrupt())
        return provider

    log = EventLog("S")
    # Serial, as the harness runs (List before Pool, by logical ID): in parallel, Pool's interruption could
    # come before List was applied, and the state would rightly hold nothing.
    deployment = Deployment(
        app(), h.state, interrupting, PSEUDO, log, on_change=store.save, max_parallel=h.max_parallel
    )
    with pytest.raises(KeyboardInterrupt):
        deployment.deploy()
    # THEN the file on disk is whole and holds what was applied before the interruption
    saved = store.load("S")
    assert set(saved.resources) == {"List"}
    # WHEN the next run starts from it
    h.state = saved
    assert h.run(app())
    assert [c[:2] for c in h.calls] == [("create", "Pool"), ("create", "Role"), ("create", "Settings")]


def test_an_unsupported_intrinsic_late_in_the_walk_stops_the_deploy_before_any_event(h):
    # GIVEN a resource that comes last in dependency order and uses a function the driver cannot evaluate
    late = {
        "Type": "T::Pool",
        "Properties": {"After": {"Ref": "Settings"}, "Cidr": {"Fn::Cidr": ["x", 1, 1]}},
    }
    # WHEN / THEN: nothing is created first (on today's main List, Pool and Settings were)
    with pytest.raises(TemplateError, match="Zed: intrinsic function Fn::Cidr is not supported"):
        h.run(app(extra={"Zed": late}))
    assert h.calls == [] and h.log.events == [] and h.state.resources == {}


def test_a_changed_type_fails_the_resource_with_cloudformations_reason_and_rolls_back(h):
    h.run(app())
    tmpl = app(settings_value="b")
    tmpl.body["Resources"]["List"]["Type"] = "T::Pool"
    assert not h.run(tmpl)
    failed = [e for e in h.log.events if e.status == "UPDATE_FAILED"]
    assert [(e.logical_id, e.reason) for e in failed] == [
        ("List", "Update of resource type is not permitted")
    ]
    assert h.statuses()[-1] == ("S", "UPDATE_ROLLBACK_COMPLETE")
    assert h.state.resources["List"].type == "T::List"


def test_after_a_failed_first_create_the_stack_only_allows_a_delete(h):
    h.fail.add(("create", "Settings"))
    assert not h.run(app())
    assert h.state.status == "ROLLBACK_COMPLETE"
    # WHEN the next deploy comes
    with pytest.raises(
        StackStatusError, match=r"Stack:arn:stack is in ROLLBACK_COMPLETE state and can not be updated"
    ):
        h.run(app())
    assert h.calls == []
    # THEN only a delete is allowed, and it ends the stack
    assert h.run(None, destroy=True)
    assert h.statuses()[-1] == ("S", "DELETE_COMPLETE")


def test_a_created_resource_that_fails_to_delete_in_the_rollback_stays_in_the_stack(h):
    # GIVEN a first deploy whose rollback cannot delete the pool it created (today: forgotten, orphaned)
    h.fail.update({("create", "Settings"), ("delete", "Pool")})
    assert not h.run(app())
    assert h.state.status == "ROLLBACK_FAILED"
    pool_id = h.state.resources["Pool"].physical_id
    with pytest.raises(StackStatusError, match="is in ROLLBACK_FAILED state and can not be updated"):
        h.run(app())
    # WHEN the stack is deleted
    assert h.run(None, destroy=True)
    # THEN the very pool the rollback could not delete is deleted now
    assert ("delete", "Pool", pool_id) in h.calls
    assert h.state.resources == {}


def test_update_rollback_failed_allows_only_continue_update_rollback_or_delete(h):
    h.run(app())
    h.fail.add(("update", "Settings", 2))  # the Update fails, and so does its rollback
    assert not h.run(app(settings_value="b"))
    assert h.state.status == "UPDATE_ROLLBACK_FAILED"
    with pytest.raises(StackStatusError, match="is in UPDATE_ROLLBACK_FAILED state and can not be updated"):
        h.run(app(settings_value="c"))
    # WHEN the rollback is continued
    h.calls.clear()
    assert h.deployment.continue_update_rollback()
    # THEN the rollback Update is sent again, old and new swapped, and the stack can be updated again
    assert [c[:2] for c in h.calls] == [("update", "Settings")]
    assert h.calls[0][2]["Value"] == "a" and h.calls[0][3]["Value"] == "b"
    assert h.state.status == "UPDATE_ROLLBACK_COMPLETE"
    assert h.run(app(settings_value="c"))


def test_continue_update_rollback_is_refused_unless_the_rollback_failed(h):
    h.run(app())
    with pytest.raises(StackStatusError, match="only a stack in UPDATE_ROLLBACK_FAILED can continue"):
        h.deployment.continue_update_rollback()


def test_every_update_rollback_emits_its_cleanup_status(h):
    h.run(app())
    h.fail.add(("update", "Settings"))
    assert not h.run(app(settings_value="b"))
    statuses = [status for name, status in h.statuses() if name == "S"]
    assert statuses == [
        "UPDATE_IN_PROGRESS",
        "UPDATE_ROLLBACK_IN_PROGRESS",
        "UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS",
        "UPDATE_ROLLBACK_COMPLETE",
    ]


def test_independent_resources_start_together_and_a_failures_siblings_finish_then_roll_back():
    # GIVEN List, Pool and Role depend on nothing; List is slow, Pool fails at once
    h = Harness(max_parallel=4)
    h.gates["List"] = threading.Event()
    h.fail.add(("create", "Pool"))

    def release_list_once_pool_started() -> None:
        # List can only finish once Pool has been called: a serial walk would wait on List forever.
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if "List" in h.started and ("create", "Pool") in [c[:2] for c in h.calls]:
                break
            time.sleep(0.01)
        time.sleep(0.1)
        h.gates["List"].set()

    threading.Thread(target=release_list_once_pool_started, daemon=True).start()
    # WHEN
    assert not h.run(app())
    # THEN the sibling finished, then got its Delete; the dependent resource never started
    statuses = h.statuses()
    assert statuses.index(("Pool", "CREATE_FAILED")) < statuses.index(("List", "CREATE_COMPLETE"))
    assert statuses.index(("List", "CREATE_COMPLETE")) < statuses.index(("S", "ROLLBACK_IN_PROGRESS"))
    assert [c[1] for c in h.calls if c[0] == "delete"] == ["Pool", "List"]
    assert "Settings" not in [c[1] for c in h.calls]
    assert h.state.status == "ROLLBACK_COMPLETE" and h.state.resources == {}


def test_the_serial_walk_runs_one_resource_at_a_time_in_dependency_order(h):
    assert h.run(app(), max_parallel=1)
    assert [c[:2] for c in h.calls] == [
        ("create", "List"), ("create", "Pool"), ("create", "Role"), ("create", "Settings"),
    ]  # fmt: skip


def test_a_false_condition_leaves_a_resource_out_and_fn_if_picks_the_value(h):
    tmpl = app(extra={"Extra": {"Type": "T::Pool", "Condition": "IsProd", "Properties": {}}})
    tmpl.body["Parameters"] = {"Env": {"Type": "String", "Default": "dev", "AllowedValues": ["dev", "prod"]}}
    tmpl.body["Conditions"] = {"IsProd": {"Fn::Equals": [{"Ref": "Env"}, "prod"]}}
    tmpl.body["Resources"]["Pool"]["Properties"]["Flag"] = {"Fn::If": ["IsProd", True, False]}
    assert h.run(tmpl)
    assert "Extra" not in h.state.resources and h.state.resources["Pool"].properties == {"Flag": False}
    # WHEN the parameter makes the condition true
    assert h.run(tmpl, parameters={"Env": "prod"})
    assert "Extra" in h.state.resources and h.state.resources["Pool"].properties == {"Flag": True}
    # AND a value the parameter does not allow changes nothing
    with pytest.raises(TemplateError, match="Parameter 'Env' must be one of AllowedValues, got 'test'"):
        h.run(tmpl, parameters={"Env": "test"})
    assert h.calls == []


def test_outputs_are_resolved_after_the_resources_and_imports_come_from_the_lookup(h):
    tmpl = app()
    tmpl.body["Outputs"] = {
        "PoolArn": {"Value": {"Fn::GetAtt": ["Pool", "Arn"]}, "Export": {"Name": "SharedPoolArn"}},
        "Imported": {"Value": {"Fn::ImportValue": "OtherExport"}},
    }
    assert h.run(tmpl, import_value=lambda name: f"value-of-{name}")
    assert h.state.outputs["PoolArn"] == {
        "Value": "arn:Pool--2",
        "Export": "SharedPoolArn",
        "Description": "",
    }
    assert h.state.outputs["Imported"]["Value"] == "value-of-OtherExport"
    assert h.state.imports == ["OtherExport"]
