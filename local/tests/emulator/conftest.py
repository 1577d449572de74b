"""One emulator per test session, reset before every test; boto3 clients pointed at it."""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Callable, Iterator
from typing import Any

import boto3
import pytest
from botocore.config import Config
from sms_pool_settings_local.emulator import EmulatorControl, EmulatorServer

SERVICE = "pinpoint-sms-voice-v2"


@pytest.fixture(scope="session")
def server() -> Iterator[EmulatorServer]:
    emulator = EmulatorServer()
    emulator.start()
    yield emulator
    emulator.stop()


@pytest.fixture(autouse=True)
def _reset(server: EmulatorServer) -> None:
    server.reset()


@pytest.fixture
def control(server: EmulatorServer) -> EmulatorControl:
    return server.control


def make_client(endpoint_url: str, region: str = "us-east-1", **config: Any) -> Any:
    return boto3.client(SERVICE, endpoint_url=endpoint_url, region_name=region, config=Config(**config))


@pytest.fixture
def sms(server: EmulatorServer) -> Any:
    """A client as the handler builds one, but failing at once (retries would hide the first answer)."""
    return make_client(server.endpoint_url, retries={"total_max_attempts": 1})


@pytest.fixture
def new_client(server: EmulatorServer) -> Callable[..., Any]:
    """``new_client(region="us-east-1", **botocore_config)``: a client of this server."""
    return lambda region="us-east-1", **config: make_client(server.endpoint_url, region, **config)


@pytest.fixture
def client_in(server: EmulatorServer) -> Callable[[str], Any]:
    """A client signing for another region: ``client_in("eu-west-1")``."""
    return lambda region: make_client(server.endpoint_url, region, retries={"total_max_attempts": 1})


@pytest.fixture
def unchecked(server: EmulatorServer) -> Any:
    """A client that sends what it is given: botocore's own parameter checks are off."""
    return make_client(server.endpoint_url, retries={"total_max_attempts": 1}, parameter_validation=False)


@pytest.fixture
def impatient(server: EmulatorServer) -> Any:
    """One attempt, one-second timeouts: for the hang and connection-reset faults."""
    return make_client(
        server.endpoint_url, retries={"total_max_attempts": 1}, read_timeout=1, connect_timeout=1
    )


@pytest.fixture
def raw_post(server: EmulatorServer) -> Callable[..., tuple[int, dict[str, str], Any]]:
    """POST any body with any target, bypassing botocore: (status, headers, decoded JSON body)."""

    def post(
        target: str | None, body: bytes | str | dict[str, Any], headers: dict[str, str] | None = None
    ) -> tuple[int, dict[str, str], Any]:
        data = (
            body
            if isinstance(body, bytes)
            else (body if isinstance(body, str) else json.dumps(body)).encode()
        )
        all_headers = {"Content-Type": "application/x-amz-json-1.0", **(headers or {})}
        if target is not None:
            all_headers["X-Amz-Target"] = target
        request = urllib.request.Request(
            server.endpoint_url + "/", data=data, headers=all_headers, method="POST"
        )
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return response.status, dict(response.headers), json.loads(response.read())
        except urllib.error.HTTPError as exc:
            return exc.code, dict(exc.headers), json.loads(exc.read())

    return post


@pytest.fixture
def new_pool(sms: Any) -> Callable[..., dict[str, Any]]:
    """CreatePool with a sender ID and the given overrides."""

    def create(**kwargs: Any) -> dict[str, Any]:
        params = {"OriginationIdentity": "MySenderId", "IsoCountryCode": "US", "MessageType": "TRANSACTIONAL"}
        return sms.create_pool(**{**params, **kwargs})  # type: ignore[no-any-return]

    return create


def parsed_error(exc: Any) -> dict[str, Any]:
    """The error as botocore parsed it: Code, Message, HTTP status and the modelled members."""
    response = exc.response
    members = {k: v for k, v in response.items() if k not in ("Error", "ResponseMetadata", "Message")}
    return {
        "Code": response["Error"]["Code"],
        "Message": response["Error"]["Message"],
        "Status": response["ResponseMetadata"]["HTTPStatusCode"],
        **members,
    }


@pytest.fixture
def error_of() -> Callable[[Any], dict[str, Any]]:
    """``error_of(excinfo)``: see ``parsed_error``."""
    return lambda excinfo: parsed_error(excinfo.value)
