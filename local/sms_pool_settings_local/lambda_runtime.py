"""Just enough of the Lambda runtime to invoke the handler in-process.

context = LambdaContext(timeout_seconds=30)
with lambda_environment(endpoint_url, ca_bundle_path):
    handler(event, context)
"""

from __future__ import annotations

import contextlib
import os
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from sms_pool_settings_local.offline_env import DUMMY_CREDENTIALS, REGION

ACCOUNT = "123456789012"


class LambdaContext:
    """A Lambda context whose remaining time counts down from its creation.

    Args:
        timeout_seconds: the function's timeout.
        function_name: Default: "pool-settings-handler"
        aws_request_id: Default: - a random UUID.
        region: used in ``invoked_function_arn``. Default: "us-east-1"
    """

    def __init__(
        self,
        timeout_seconds: float,
        function_name: str = "pool-settings-handler",
        aws_request_id: str | None = None,
        region: str = REGION,
    ) -> None:
        self.function_name = function_name
        self.function_version = "$LATEST"
        self.memory_limit_in_mb = 128
        self.aws_request_id = aws_request_id or str(uuid.uuid4())
        self.invoked_function_arn = f"arn:aws:lambda:{region}:{ACCOUNT}:function:{function_name}"
        self.log_group_name = f"/aws/lambda/{function_name}"
        self.log_stream_name = "local"
        self._end = time.monotonic() + timeout_seconds

    def get_remaining_time_in_millis(self) -> int:
        """Milliseconds left before the (emulated) deadline, never negative."""
        return max(0, int((self._end - time.monotonic()) * 1000))


_environment_lock = threading.Lock()
_environment_users = 0
_environment_saved: dict[str, str | None] = {}


@contextlib.contextmanager
def lambda_environment(
    endpoint_url: str | None = None,
    ca_bundle_path: str | None = None,
    extra: Mapping[str, str] | None = None,
) -> Iterator[None]:
    """Set the variables the Lambda would have (dummy credentials, region, endpoint, CA) and restore them.

    Invocations may overlap (the driver deploys independent resources in parallel, and a handler
    Lambda would have stopped at its Timeout may still be running): the first one in saves the
    variables, the latest one in sets its values, and the last one out restores what was saved.

    Args:
        endpoint_url: sets ``AWS_ENDPOINT_URL_PINPOINT_SMS_VOICE_V2``. Default: - unchanged.
        ca_bundle_path: sets ``AWS_CA_BUNDLE``. Default: - unchanged.
        extra: any other variables; an ``AWS_REGION`` here sets ``AWS_DEFAULT_REGION`` too.
            Default: - none.
    """
    global _environment_users
    values = {**DUMMY_CREDENTIALS, "AWS_REGION": REGION, "AWS_DEFAULT_REGION": REGION}
    if endpoint_url is not None:
        values["AWS_ENDPOINT_URL_PINPOINT_SMS_VOICE_V2"] = endpoint_url
    if ca_bundle_path is not None:
        values["AWS_CA_BUNDLE"] = ca_bundle_path
    values.update(extra or {})
    # Lambda always sets both to the function's region, and boto3 reads AWS_DEFAULT_REGION.
    values["AWS_DEFAULT_REGION"] = values["AWS_REGION"]
    with _environment_lock:
        if not _environment_users:
            _environment_saved.clear()
        for key in values:
            _environment_saved.setdefault(key, os.environ.get(key))
        os.environ.update(values)
        _environment_users += 1
    try:
        yield
    finally:
        with _environment_lock:
            _environment_users -= 1
            if not _environment_users:
                for key, old in _environment_saved.items():
                    if old is None:
                        os.environ.pop(key, None)
                    else:
                        os.environ[key] = old


def invoke(
    handler: Callable[[dict[str, Any], Any], Any],
    event: dict[str, Any],
    timeout_seconds: float = 30.0,
    **environment: Any,
) -> Any:
    """Call ``handler(event, LambdaContext(timeout_seconds))`` within ``lambda_environment(**environment)``.

    Example:
        invoke(handler, event, 30, endpoint_url=emulator.endpoint_url, ca_bundle_path=receiver.ca_bundle_path)
    """
    with lambda_environment(**environment):
        return handler(event, LambdaContext(timeout_seconds))
