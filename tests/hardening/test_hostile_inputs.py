"""A table of hostile ResourceProperties, each sent as a Create and as an Update through the real handler.

Each must get exactly one FAILED answer whose Reason names the property (at most 256 printable
characters, no traceback), with no call to UpdatePool, and the Update's physical ID left unchanged.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import pytest
from hardening_support import OLD, OLD_SETTINGS, POOL_ID, Harness, managed
from pool_settings_handler import constants as c

ACCOUNT = "123456789012"
KB4 = "a" * 4096

# Sentinel for "leave the key out".
ABSENT = object()


@dataclass(frozen=True)
class Hostile:
    """One hostile input.

    Attributes:
        id: the case's name.
        key: the property it sets (or removes, with ABSENT).
        value: the value.
        names: text the Reason must contain. Default: - the key itself (its first 40 characters).
        raw: replaces ResourceProperties whole (for properties that are not an object).
    """

    id: str
    key: str = ""
    value: Any = None
    names: str | None = None
    raw: Any = ABSENT

    def properties(self) -> Any:
        if self.raw is not ABSENT:
            return self.raw
        properties: dict[str, Any] = {c.PROP_POOL_ID: POOL_ID, **OLD}
        if self.value is ABSENT:
            properties.pop(self.key, None)
        else:
            properties[self.key] = self.value
        return properties

    def expected_name(self) -> str:
        return self.names if self.names is not None else self.key[:40]


WRONG_TYPES: list[Any] = [None, 0, 1, 1.5, -7, [], ["x"], {}, {"Ref": "Pool"}, {"Fn::GetAtt": ["P", "Arn"]}]


def _shown(key: str) -> str:
    # A key with control or bidi characters must be shown escaped, as repr shows it: raw, a newline or a
    # right-to-left override would disguise the Reason a person reads in the console.
    return key[:40] if key.isprintable() else repr(key)[1:-1][:40]


def _typed(key: str) -> list[Hostile]:
    return [Hostile(f"{key}-type-{type(v).__name__}-{i}", key, v) for i, v in enumerate(WRONG_TYPES)]


def _strings(key: str, values: list[str]) -> list[Hostile]:
    return [
        Hostile(f"{key}-{i}-{re.sub('[^A-Za-z0-9]+', '_', v[-20:])}", key, v) for i, v in enumerate(values)
    ]


POOL_IDS = [
    "",
    " ",
    " pool-1",
    "pool 1",
    'pool-1\n{"Result": "SUCCESS"}',
    "pool-1\x00",
    "pööl-1",
    "pool-\U0001f600",
    "\u202epool-1",
    "pool.1",
    "pool-1;DROP",
    "p" * 257,
    KB4,
    # ARNs of the wrong service, region, partition, account, resource type, or without an ID.
    f"arn:aws:sns:us-east-1:{ACCOUNT}:pool/pool-1",
    f"arn:aws:sms-voice:eu-west-1:{ACCOUNT}:pool/pool-1",
    f"arn:aws-cn:sms-voice:us-east-1:{ACCOUNT}:pool/pool-1",
    f"arn:aws-us-gov:sms-voice:us-east-1:{ACCOUNT}:pool/pool-1",
    "arn:aws:sms-voice:us-east-1:12345:pool/pool-1",
    f"arn:aws:sms-voice:us-east-1:{ACCOUNT}:opt-out-list/pool-1",
    f"arn:aws:sms-voice:us-east-1:{ACCOUNT}:pool/",
    f"arn:aws:sms-voice:us-east-1:{ACCOUNT}:pool/pool 1",
]
FULLWIDTH_TRUE = "\uff54\uff52\uff55\uff45"
BOOLEANS = ["", "True", "TRUE", "False", "1", "0", "yes", "no", " true", "true ", "t", FULLWIDTH_TRUE, "null"]
BOOLEANS.append(KB4)
CHANNELS = [
    "",
    f"arn:aws:sqs:us-east-1:{ACCOUNT}:queue",
    f"arn:aws:sns:eu-west-1:{ACCOUNT}:topic",
    f"arn:aws-cn:sns:us-east-1:{ACCOUNT}:topic",
    f"arn:aws:sns:us-east-1:{ACCOUNT}:töpic",
    f"arn:aws:sns:us-east-1:{ACCOUNT}:topic/../x",
    "connect.eu-west-1.amazonaws.com",
    "connect.us-east-1.amazonaws.com.evil.example",
    "https://sns.us-east-1.amazonaws.com/topic",
    "arn:aws:sns",
    f"arn:aws:sns:us-east-1:{ACCOUNT}:" + "t" * 4000,
    KB4,
]
ROLES = [
    "",
    f"arn:aws:sts::{ACCOUNT}:assumed-role/role/session",
    f"arn:aws:iam::{ACCOUNT}:user/someone",
    f"arn:aws-cn:iam::{ACCOUNT}:role/r",
    f"arn:aws:iam:us-east-1:{ACCOUNT}:role/r",
    f"arn:aws:iam::{ACCOUNT}:role/",
    f"arn:aws:iam::{ACCOUNT}:role/rôle",
    "role/r",
    KB4,
]
OPT_OUT_LISTS = [
    "",
    "has space",
    "a" * 65,
    "ünicode",
    "name/with/slash",
    f"arn:aws:sms-voice:eu-west-1:{ACCOUNT}:opt-out-list/Main",
    f"arn:aws-cn:sms-voice:us-east-1:{ACCOUNT}:opt-out-list/Main",
    f"arn:aws:sns:us-east-1:{ACCOUNT}:opt-out-list/Main",
    f"arn:aws:sms-voice:us-east-1:{ACCOUNT}:pool/pool-1",
    KB4,
]
UNKNOWN_KEYS = [
    "SharedRoutsEnabled",
    "poolid",
    "POOLID",
    "PoolArn",
    "ResponseURL",
    "Data",
    "ServiceToken ",
    "Ünknown",
    "Two\u202eWayEnabled",
    "Bad\x00Key",
    "Line\nBreak",
    "x" * 4096,
]

CASES: list[Hostile] = [
    # ResourceProperties itself is not an object.
    *(
        Hostile(f"properties-{type(v).__name__}", raw=v, names="ResourceProperties")
        for v in (None, [], ["PoolId", POOL_ID], "PoolId=pool-1", 42, True)
    ),
    Hostile("pool-id-missing", c.PROP_POOL_ID, ABSENT),
    *_typed(c.PROP_POOL_ID),
    *_strings(c.PROP_POOL_ID, POOL_IDS),
    *(h for name in c.BOOLEAN_SETTINGS for h in _typed(name)),
    *(h for name in c.BOOLEAN_SETTINGS for h in _strings(name, BOOLEANS)),
    *_typed(c.PROP_TWO_WAY_CHANNEL_ARN),
    *_strings(c.PROP_TWO_WAY_CHANNEL_ARN, CHANNELS),
    *_typed(c.PROP_TWO_WAY_CHANNEL_ROLE),
    *_strings(c.PROP_TWO_WAY_CHANNEL_ROLE, ROLES),
    *_typed(c.PROP_OPT_OUT_LIST_NAME),
    *_strings(c.PROP_OPT_OUT_LIST_NAME, OPT_OUT_LISTS),
    *(Hostile(f"unknown-key-{i}", key, "true", names=_shown(key)) for i, key in enumerate(UNKNOWN_KEYS)),
    Hostile("unknown-key-empty", "", "true", names="unknown property"),
    # CloudFormation's own keys are accepted only as strings.
    *(
        Hostile(f"{key}-{type(v).__name__}", key, v)
        for key in (c.PROP_SERVICE_TIMEOUT, c.PROP_RECONCILE_TOKEN)
        for v in ([], {})
    ),
]


@pytest.mark.parametrize("request_type", ["Create", "Update"])
@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_each_hostile_input_fails_with_a_reason_naming_it_and_makes_no_write(
    harness: Harness, case: Hostile, request_type: str
) -> None:
    # GIVEN a pool with known settings and an event carrying the hostile input
    h = harness
    h.seed(OLD_SETTINGS)
    event = h.event("Create") if request_type == "Create" else h.event("Update", old_properties=OLD)
    event["ResourceProperties"] = case.properties()

    # WHEN the handler answers it
    result = h.run(event)

    # THEN one FAILED answer, a short printable Reason naming the input, no write, the pool untouched
    assert len(result.answers) == 1
    body = result.body
    reason = body["Reason"]
    assert body["Status"] == "FAILED", f"{case.id}: accepted: {body}"
    assert case.expected_name() in reason, reason
    assert len(reason) <= c.MAX_REASON_LENGTH
    assert reason.isprintable(), f"Reason has control or format characters: {reason!r}"
    assert "Traceback" not in reason and "Internal error" not in reason, reason
    assert body["Data"] == {}
    assert h.calls("UpdatePool") == []
    assert managed(h.pool()) == OLD_SETTINGS
    if request_type == "Update":
        assert body["PhysicalResourceId"] == event["PhysicalResourceId"]
    else:
        assert not body["PhysicalResourceId"].startswith("arn:"), body["PhysicalResourceId"]


def test_the_table_tries_every_kind_of_hostile_input_the_issue_names() -> None:
    ids = " ".join(case.id for case in CASES)
    for kind in ("list", "int", "float", "dict", "NoneType"):  # wrong types, null included
        assert f"-type-{kind}-" in ids
    values = [case.value for case in CASES if isinstance(case.value, str)]
    assert "" in values and KB4 in values  # empty and a 4 KB property
    assert any(not v.isascii() for v in values)  # Unicode
    assert any(case.key.startswith("SharedRouts") for case in CASES)  # unknown keys


# --- Hostile events: the request fields crhelper dispatches on -----------------------------------------

REQUEST_FIELDS = ("RequestType", "RequestId", "StackId", "LogicalResourceId")
HOSTILE_REQUEST_TYPES: list[Any] = [
    None,
    123,
    ["Create"],
    {"Create": True},
    "",
    "create",
    "CREATE",
    "Create ",
    "Upsert",
    "Crea\u202ete",
    "Create\n",
    "\x00",
    KB4,
]
HOSTILE_EVENTS: list[tuple[str, dict[str, Any], str]] = [
    *((f"without-{name}", {name: ABSENT}, f"no {name}") for name in REQUEST_FIELDS),
    *((f"{name}-not-a-string", {name: ["x"]}, f"no {name}") for name in REQUEST_FIELDS[1:]),
    ("without-every-request-field", dict.fromkeys(REQUEST_FIELDS, ABSENT), "no " + ", ".join(REQUEST_FIELDS)),
    *(
        (f"request-type-{index}-{type(value).__name__}", {"RequestType": value}, "RequestType")
        for index, value in enumerate(HOSTILE_REQUEST_TYPES)
    ),
]


@pytest.mark.parametrize(
    ("changes", "names"), [case[1:] for case in HOSTILE_EVENTS], ids=[c[0] for c in HOSTILE_EVENTS]
)
def test_each_hostile_event_gets_one_failed_answer_naming_the_field_and_makes_no_call(
    harness: Harness, changes: dict[str, Any], names: str
) -> None:
    # GIVEN an Update event with its request fields removed or replaced
    h = harness
    h.seed(OLD_SETTINGS)
    event = h.event("Update", dict(OLD), old_properties=OLD)
    for name, value in changes.items():
        if value is ABSENT:
            del event[name]
        else:
            event[name] = value

    # WHEN the handler gets it
    result = h.run(event)

    # THEN exactly one FAILED answer before the deadline, a short printable sentence naming the field,
    # no call at all, the pool untouched
    assert len(result.answers) == 1
    reason = result.body["Reason"]
    assert result.body["Status"] == "FAILED"
    assert reason.startswith("Invalid event: ") and names in reason, reason
    assert reason.endswith("nothing was changed"), reason
    assert len(reason) <= c.MAX_REASON_LENGTH and reason.isprintable(), repr(reason)
    assert h.calls() == []
    assert managed(h.pool()) == OLD_SETTINGS
