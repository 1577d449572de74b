"""The presigned ResponseURL is a credential: it never appears in a log line, a Reason or Data.

Every logger is opened to DEBUG (root, crhelper's, ours, botocore's, urllib3's), stdout and stderr are
captured at the file-descriptor level, and a representative set of events runs: each success path and
each kind of failure, plus a response URL that answers 503, drops the connection or does not listen.
Then every captured line and every response body is searched for the URL, its path and its signature.
"""

from __future__ import annotations

import json
import logging
import socket
import traceback
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from hardening_support import (
    FAST_LAMBDA_TIMEOUT,
    NEW,
    OLD,
    OLD_SETTINGS,
    POOL_ID,
    Harness,
    context_left,
)
from pool_settings_handler.handler import handler
from sms_pool_settings_local.lambda_runtime import LambdaContext
from sms_pool_settings_local.response_receiver import PATH_PREFIX

LOGGERS = (
    None,  # root
    "crhelper",
    "crhelper.resource_helper",
    "crhelper.utils",
    "crhelper.log_helper",
    "pool_settings_handler",
    "botocore",
    "boto3",
    "urllib3",
    "sms_pool_settings_local.emulator",
)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _secrets_of(url: str) -> list[str]:
    """The URL, its path's unique part and its signature: none may be written anywhere."""
    path_part = url.split("?")[0].split(PATH_PREFIX)[1]
    signature = url.split("X-Amz-Signature=")[1]
    return [url, url.split("?")[0], path_part, signature]


Scenario = Callable[[Harness], "dict[str, Any] | None"]


def _success_create(h: Harness) -> dict[str, Any]:
    return h.event("Create", NEW)


def _success_update(h: Harness) -> dict[str, Any]:
    return h.event("Update", NEW, old_properties=OLD)


def _no_op_update(h: Harness) -> dict[str, Any]:
    return h.event("Update", OLD, old_properties=OLD)


def _delete(h: Harness) -> dict[str, Any]:
    return h.event("Delete", NEW)


def _invalid_property(h: Harness) -> dict[str, Any]:
    return h.event("Create", {"TwoWayEnabled": "yes"})


def _unknown_property(h: Harness) -> dict[str, Any]:
    return h.event("Update", {"SharedRoutsEnabled": "true"}, old_properties=OLD)


def _not_an_object(h: Harness) -> dict[str, Any]:
    return h.event("Create", raw_properties=["PoolId", POOL_ID])


def _missing_pool(h: Harness) -> dict[str, Any]:
    return h.event("Create", NEW, pool_id="pool-doesnotexist")


def _missing_opt_out_list(h: Harness) -> dict[str, Any]:
    return h.event("Create", {"OptOutListName": "NoSuchList"})


def _conflict(h: Harness) -> dict[str, Any]:
    h.control.add_fault("UpdatePool", "conflict", reason="DELETION_PROTECTION_ENABLED")
    return h.event("Update", NEW, old_properties=OLD)


def _access_denied(h: Harness) -> dict[str, Any]:
    h.control.add_fault("DescribePools", "access_denied")
    return h.event("Create", NEW)


def _service_validation(h: Harness) -> dict[str, Any]:
    # Two-way on a pool that has no channel: the service's ValidationException, with Fields.
    h.seed({}, pool_id="pool-nochannel")
    return h.event("Create", {"TwoWayEnabled": "true"}, pool_id="pool-nochannel")


def _throttled_until_deadline(h: Harness) -> dict[str, Any]:
    h.control.add_fault("*", "throttle", count=None)
    return h.event("Update", NEW, old_properties=OLD)


def _hung_api(h: Harness) -> dict[str, Any]:
    h.control.add_fault("UpdatePool", "hang", count=None, seconds=1.2)
    return h.event("Create", NEW)


def _connection_resets(h: Harness) -> dict[str, Any]:
    h.control.add_fault("*", "connection_reset", count=None)
    return h.event("Create", NEW)


def _stays_creating(h: Harness) -> dict[str, Any]:
    h.control.set_pool_statuses(POOL_ID, ["CREATING"])
    return h.event("Create", NEW)


def _response_url_answers_503_first(h: Harness) -> dict[str, Any]:
    h.receiver.fail_next(2, status=503)
    return h.event("Create", NEW)


def _response_url_drops_the_connection_first(h: Harness) -> dict[str, Any]:
    h.receiver.drop_next(1)
    return h.event("Update", NEW, old_properties=OLD)


def _duplicate_delivery(h: Harness) -> dict[str, Any]:
    # Delivered once here; the test delivers it again, and the answer is replayed from the ledger.
    event = h.event("Update", NEW, old_properties=OLD)
    h.run(event)
    return event


def _event_without_request_fields(h: Harness) -> dict[str, Any]:
    event = h.event("Create", NEW)
    for name in ("StackId", "RequestId", "LogicalResourceId"):
        del event[name]
    return event


def _unknown_request_type(h: Harness) -> dict[str, Any]:
    return {**h.event("Update", NEW, old_properties=OLD), "RequestType": "Upsert"}


def _role_never_assumable(h: Harness) -> dict[str, Any]:
    h.control.add_role(str(NEW["TwoWayChannelRole"]), 3600)
    return h.event("Create", NEW)


SCENARIOS: dict[str, Scenario] = {
    "create-success": _success_create,
    "update-success": _success_update,
    "update-no-op": _no_op_update,
    "delete": _delete,
    "invalid-property": _invalid_property,
    "unknown-property": _unknown_property,
    "properties-not-an-object": _not_an_object,
    "missing-pool": _missing_pool,
    "missing-opt-out-list": _missing_opt_out_list,
    "conflict": _conflict,
    "access-denied": _access_denied,
    "service-validation-error": _service_validation,
    "throttled-until-deadline": _throttled_until_deadline,
    "hung-api": _hung_api,
    "connection-resets": _connection_resets,
    "pool-stays-creating": _stays_creating,
    "response-url-503-then-200": _response_url_answers_503_first,
    "response-url-drops-connection": _response_url_drops_the_connection_first,
    "duplicate-delivery": _duplicate_delivery,
    "event-without-request-fields": _event_without_request_fields,
    "unknown-request-type": _unknown_request_type,
    "role-never-assumable": _role_never_assumable,
}


def _record_texts(caplog: pytest.LogCaptureFixture) -> list[tuple[str, str]]:
    """(where, everything the record could print) for each captured record."""
    found = []
    for record in caplog.records:
        parts = [record.getMessage(), repr(record.args)]
        if record.exc_info:
            parts.append("".join(traceback.format_exception(*record.exc_info)))
        parts += [record.exc_text or "", record.stack_info or ""]
        where = f"{record.levelname} {record.name} {record.pathname}:{record.lineno}"
        found.append((where, "\n".join(parts)))
    return found


def _assert_nowhere(url: str, scenario: str, caplog: pytest.LogCaptureFixture, *texts: str) -> None:
    """Fail naming where a secret appeared, without printing the secret (or the log) itself."""
    secrets = _secrets_of(url)
    leaks = [where for where, text in _record_texts(caplog) if any(s in text for s in secrets)]
    leaks += [f"captured text #{i}" for i, text in enumerate(texts) if any(s in text for s in secrets)]
    assert not leaks, f"{scenario}: the ResponseURL was written by: {sorted(set(leaks))}"


@pytest.fixture
def every_logger_at_debug(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    for name in LOGGERS:
        caplog.set_level(logging.DEBUG, logger=name)
    return caplog


@pytest.mark.parametrize("scenario", list(SCENARIOS), ids=list(SCENARIOS))
def test_the_response_url_reaches_no_log_line_reason_or_data(
    harness: Harness,
    every_logger_at_debug: pytest.LogCaptureFixture,
    capfd: pytest.CaptureFixture[str],
    scenario: str,
) -> None:
    # GIVEN every logger at DEBUG and a pool with the old settings
    h = harness
    h.seed(OLD_SETTINGS)
    event = SCENARIOS[scenario](h)
    assert event is not None

    # WHEN the handler answers the event
    result = h.run(event)
    h.inflight.wait_quiet()

    # THEN the logs say something (the capture works) and no part of the URL is anywhere
    out, err = capfd.readouterr()
    messages = [record.getMessage() for record in every_logger_at_debug.records]
    assert any('"Result"' in m for m in messages), "the handler's structured line was not captured"
    bodies = json.dumps(result.answers)
    _assert_nowhere(event["ResponseURL"], scenario, every_logger_at_debug, out, err, bodies)


def test_an_unreachable_response_url_is_not_logged_either(
    harness: Harness,
    every_logger_at_debug: pytest.LogCaptureFixture,
    capfd: pytest.CaptureFixture[str],
) -> None:
    # GIVEN a ResponseURL where nothing listens (the answer can only fail, and be logged as failing)
    h = harness
    h.seed(OLD_SETTINGS)
    event = h.event("Create", NEW)
    event["ResponseURL"] = (
        f"https://127.0.0.1:{_free_port()}{PATH_PREFIX}{uuid.uuid4()}"
        f"?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Signature={uuid.uuid4().hex}{uuid.uuid4().hex}"
    )
    context = LambdaContext(FAST_LAMBDA_TIMEOUT)

    # WHEN the handler runs (it returns: the retries of the answer are bounded)
    handler(event, context)

    # THEN it returned before the deadline and said the answer failed, without the URL
    assert context_left(context) > 0
    out, err = capfd.readouterr()
    messages = [record.getMessage() for record in every_logger_at_debug.records]
    assert any("not delivered" in m or "not sent" in m for m in messages)
    _assert_nowhere(event["ResponseURL"], "unreachable-response-url", every_logger_at_debug, out, err)
