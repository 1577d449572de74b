"""The answer to CloudFormation: its body (pure) and the HTTPS PUT to the presigned ResponseURL.

Replaces crhelper's ``_send_response``, which retries forever when the URL is unreachable, treats a
non-2xx answer as delivered, cuts the START of a long Reason and logs the URL at DEBUG. Here:

- the Reason is cut at its end, to ``MAX_REASON_LENGTH`` characters, so its cause survives;
- the body stays under ``MAX_RESPONSE_BYTES`` (settings are dropped from ``Data`` if ever needed);
- the PUT is bounded in attempts, per-attempt time and by the deadline; a non-2xx answer is logged
  (its status only) and retried;
- the server is verified against ``AWS_CA_BUNDLE`` when it is set;
- the URL (a presigned credential) is never logged, not even its host.
"""

from __future__ import annotations

import http.client
import json
import logging
import os
import ssl
import time
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from . import constants as c
from .errors import shorten

logger = logging.getLogger("pool_settings_handler")

MAX_ATTEMPTS = 5
# Keys of Data that are never dropped, however long the settings are.
ESSENTIAL_DATA = (c.ATTR_POOL_ARN, c.ATTR_POOL_ID, c.ATTR_STATUS, c.ATTR_MESSAGE_TYPE, c.ATTR_CHANGED_FIELDS)


def build_body(
    *,
    status: str,
    reason: str,
    physical_resource_id: str,
    event: Mapping[str, Any],
    data: Mapping[str, str] | None,
    no_echo: bool = False,
) -> dict[str, Any]:
    """Return the response body, Reason cut at its end, serialized size below ``MAX_RESPONSE_BYTES``.

    When the body would be too large (only possible with very long TwoWayChannelArn/Role values),
    the longest non-essential settings are dropped from ``Data`` first; the identity attributes and
    ChangedFields are kept. Data is sent only with SUCCESS.

    Example:
        >>> build_body(status="FAILED", reason="x" * 300, physical_resource_id="p",
        ...            event={"StackId": "s", "RequestId": "r", "LogicalResourceId": "l"},
        ...            data=None)["Reason"].endswith("...")
        True
    """
    body: dict[str, Any] = {
        "Status": status,
        "Reason": shorten(" ".join(str(reason).split()), c.MAX_REASON_LENGTH),
        "PhysicalResourceId": shorten(str(physical_resource_id), 1024),
        "StackId": str(event.get("StackId", "")),
        "RequestId": str(event.get("RequestId", "")),
        "LogicalResourceId": str(event.get("LogicalResourceId", "")),
        "NoEcho": no_echo,
        "Data": dict(data) if data and status == "SUCCESS" else {},
    }
    droppable = sorted(
        (k for k in body["Data"] if k not in ESSENTIAL_DATA), key=lambda k: -len(body["Data"][k])
    )
    while len(serialize(body)) >= c.MAX_RESPONSE_BYTES and droppable:
        del body["Data"][droppable.pop(0)]
    return body


def serialize(body: Mapping[str, Any]) -> bytes:
    """The exact bytes PUT to CloudFormation."""
    return json.dumps(body, separators=(",", ":")).encode("utf-8")


def ssl_context() -> ssl.SSLContext:
    """A verifying TLS context trusting ``AWS_CA_BUNDLE`` when it is set, else the system's CAs."""
    bundle = os.environ.get("AWS_CA_BUNDLE") or None
    return ssl.create_default_context(cafile=bundle)


def put_response(
    url: str,
    body: Mapping[str, Any],
    *,
    deadline: float,
    attempt_timeout: float,
) -> bool:
    """PUT ``body`` to the presigned ``url``; True once an attempt got a 2xx answer.

    Args:
        url: the event's ResponseURL (never logged).
        body: from ``build_body``.
        deadline: ``time.monotonic()`` value after which no attempt starts.
        attempt_timeout: per-attempt socket timeout, cut to the time left (``Timeouts.response_attempt``).

    Returns:
        False when all ``MAX_ATTEMPTS`` attempts failed or the deadline came; each failure is logged
        without the URL.
    """
    payload = serialize(body)
    parts = urlsplit(url)
    path = urlunsplit(("", "", parts.path or "/", parts.query, ""))
    context = ssl_context()
    for attempt in range(1, MAX_ATTEMPTS + 1):
        left = deadline - time.monotonic()
        if left <= 0.05:
            logger.error("CloudFormation response not sent: deadline reached after %d attempts", attempt - 1)
            return False
        connection = http.client.HTTPSConnection(
            parts.hostname or "", parts.port, timeout=min(attempt_timeout, left), context=context
        )
        try:
            # CloudFormation's presigned URL is signed for an empty content-type.
            connection.request("PUT", path, body=payload, headers={"content-type": ""})
            status = connection.getresponse().status
        except (OSError, http.client.HTTPException) as exc:
            logger.warning(
                "CloudFormation response attempt %d/%d failed: %s", attempt, MAX_ATTEMPTS, type(exc).__name__
            )
        else:
            if 200 <= status < 300:
                logger.debug("CloudFormation response delivered: HTTP %d (attempt %d)", status, attempt)
                return True
            logger.warning(
                "CloudFormation response attempt %d/%d answered HTTP %d", attempt, MAX_ATTEMPTS, status
            )
        finally:
            connection.close()
        if attempt < MAX_ATTEMPTS:
            time.sleep(max(0.0, min(0.2 * 2 ** (attempt - 1), deadline - time.monotonic() - 0.05)))
    logger.error("CloudFormation response not delivered after %d attempts", MAX_ATTEMPTS)
    return False
