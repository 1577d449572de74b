"""``sms-pool-settings status``: per resource, the pool, the owner, the settings it manages with their
applied and prior values, the released ones, what a Delete would put back, and the last change."""

from __future__ import annotations

import json

from pool_settings_handler.records import parse_record

from . import app

ALERTS, MARKETING = "Alerts91F83244", "Marketing3B454061"


def _record_of(world, logical_id: str, region: str = app.EAST) -> tuple[str, str]:
    (name,) = [n for n in world.record_names(region) if n.endswith(f"/{logical_id}")]
    return name, world.records[region][name]


def test_status_shows_each_resource_as_its_record_has_it(deployed, cli):
    # GIVEN
    name, text = _record_of(deployed, ALERTS)
    record = parse_record(name, text)
    role = record.settings["TwoWayChannelRole"]["Applied"]
    topic = deployed.physical_id(app.MESSAGING, "Inbound")
    # WHEN
    result = cli("status", "--stack", app.MESSAGING)
    # THEN
    assert (result.code, result.err) == (0, "")
    lines = result.out.splitlines()
    start = lines.index(f"  {ALERTS} (CREATE_COMPLETE): pool {record.pool_arn}")
    assert lines[0] == f"{app.MESSAGING} (us-east-1, CREATE_COMPLETE)"
    assert lines[start + 1 : start + 12] == [
        f"    owner: stack {app.MESSAGING}, logical ID {ALERTS}",
        f"    record: {name}, last change {record.changed}",
        # the seeded pool had shared routes on and the rest off (the priors a Delete puts back)
        "    manages: TwoWayEnabled applied true, prior false",
        f"             TwoWayChannelArn applied {topic}, prior (none)",
        f"             TwoWayChannelRole applied {role}, prior (none)",
        "             SharedRoutesEnabled applied false, prior true",
        "             DeletionProtectionEnabled applied true, prior false",
        "    released: (none)",
        "    a Delete that puts the pool back writes: TwoWayEnabled=false, SharedRoutesEnabled=true, "
        "DeletionProtectionEnabled=false",
        f"  {MARKETING} (CREATE_COMPLETE): pool "
        f"arn:aws:sms-voice:us-east-1:{app.ACCOUNT}:pool/{app.MARKETING_POOL}",
        f"    owner: stack {app.MESSAGING}, logical ID {MARKETING}",
    ]
    assert record.stack_id == deployed.states[app.MESSAGING].stack_id


def test_status_json_is_the_record_as_stored_with_what_a_delete_restores(deployed, cli):
    name, text = _record_of(deployed, MARKETING)
    stored = json.loads(text)

    result = cli("status", "--stack", app.MESSAGING, "--output", "json")

    assert result.code == 0
    (stack,) = json.loads(result.out)["Stacks"]
    assert (stack["StackName"], stack["StackId"]) == (app.MESSAGING, deployed.states[app.MESSAGING].stack_id)
    (marketing,) = [r for r in stack["Resources"] if r["LogicalResourceId"] == MARKETING]
    assert marketing["RecordName"] == name
    assert marketing["Record"] == {
        "PoolArn": stored["PoolArn"],
        "Owner": {"StackId": stored["StackId"], "LogicalResourceId": MARKETING},
        "Settings": stored["Settings"],
        "Released": {},
        "Restores": {"SelfManagedOptOutsEnabled": False, "OptOutListName": "Default"},
        "LastChange": stored["LastChange"],
    }


def test_released_settings_are_listed_with_their_prior(deployed, cli):
    # GIVEN the record a retain Update writes when the stack stops managing shared routes
    name, text = _record_of(deployed, ALERTS, app.WEST)
    stored = json.loads(text)
    stored["Released"] = {"SharedRoutesEnabled": stored["Settings"].pop("SharedRoutesEnabled")["Prior"]}
    deployed.ssm(app.WEST).put_parameter(Name=name, Value=json.dumps(stored), Type="String", Overwrite=True)
    # WHEN
    result = cli("status", "--stack", app.MESSAGING_EU, "--region", app.WEST)
    # THEN
    assert result.code == 0
    assert "    released: SharedRoutesEnabled (prior true)" in result.out.splitlines()
    assert "SharedRoutesEnabled applied" not in result.out


def test_a_resource_without_a_record_is_shown_as_such(deployed, cli):
    name, _ = _record_of(deployed, ALERTS)
    deployed.ssm().delete_parameter(Name=name)

    result = cli("status", "--stack", app.MESSAGING)

    assert result.code == 0
    assert (
        f"  {ALERTS} (CREATE_COMPLETE): no record at {name} (deployed by a version before records, or the "
        "record was deleted): what it manages and the priors are unknown; `drift` reads the template"
    ) in result.out.splitlines()


def test_a_record_that_is_not_the_handlers_is_an_error_naming_the_parameter(deployed, cli):
    name, _ = _record_of(deployed, ALERTS)
    deployed.ssm().put_parameter(Name=name, Value="not json", Type="String", Overwrite=True)

    result = cli("status", "--stack", app.MESSAGING)

    assert result.code == 1
    assert result.err.splitlines() == [
        f"error: {app.MESSAGING} {ALERTS}: record {name} is not a record of this handler (JSONDecodeError)"
    ]


def test_a_record_naming_another_owner_is_not_read(deployed, cli):
    name, text = _record_of(deployed, ALERTS)
    stored = json.loads(text)
    stored["LogicalResourceId"] = MARKETING
    deployed.ssm().put_parameter(Name=name, Value=json.dumps(stored), Type="String", Overwrite=True)

    result = cli("drift", "--stack", app.MESSAGING)

    assert result.code == 1
    assert result.err.splitlines() == [
        f"error: {app.MESSAGING} {ALERTS}: record {name} names another owner ({stored['StackId']} "
        f"{MARKETING}); not read"
    ]
