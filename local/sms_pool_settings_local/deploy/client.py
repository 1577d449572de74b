"""Every AWS SDK call the driver makes (the SMS pool API), each ClientError wrapped once, here.

Clients reach the emulator through ``endpoint_url``; with ``endpoint_url=None`` they use the SDK's
standard configuration (``AWS_ENDPOINT_URL_PINPOINT_SMS_VOICE_V2``, credentials chain), so ``drift`` and
``console`` work against real AWS when credentials are present.
"""

from __future__ import annotations

from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from sms_pool_settings_local.deploy.errors import DeployError

SERVICE_NAME = "pinpoint-sms-voice-v2"
_CONFIG = Config(retries={"mode": "standard", "max_attempts": 3}, connect_timeout=5, read_timeout=30)


def _reason(operation: str, target: str, exc: Exception) -> str:
    """``UpdatePool pool-1 rejected: ConflictException DELETION_PROTECTION_ENABLED: <message>``."""
    if isinstance(exc, ClientError):
        error = exc.response.get("Error", {})
        reason = exc.response.get("Reason") or error.get("Reason") or ""
        code = " ".join(p for p in (error.get("Code", "Error"), reason) if p)
        text = f"{operation} {target} rejected: {code}: {error.get('Message', '')}"
    else:
        text = f"{operation} {target} failed: {exc}"
    return text if len(text) <= 256 else text[:253] + "..."


def _call(operation: str, target: str, method: Any, **params: Any) -> dict[str, Any]:
    """``method(**params)`` as a dict; an SDK failure becomes a ``DeployError`` with ``_reason``'s text."""
    try:
        return dict(method(**params))
    except (ClientError, BotoCoreError) as exc:
        raise DeployError(_reason(operation, target, exc)) from exc


class SmsClient:
    """The SMS pool API, with failures raised as ``DeployError`` carrying a CloudFormation-style Reason.

    Args:
        endpoint_url: the API's endpoint. Default: None (the SDK's standard resolution, i.e. real AWS
            unless ``AWS_ENDPOINT_URL_PINPOINT_SMS_VOICE_V2`` is set).
        region: the region. Default: "us-east-1"
        dummy_credentials: sign with throwaway credentials (the emulator checks none). Default: False
            (the SDK's credential chain)
        access_key_id: with ``dummy_credentials``, the access key to sign with (the emulator's account
            follows from it). Default: None ("local", the emulator's default account)

    Example:
        >>> SmsClient("http://127.0.0.1:4566").describe_pool("pool-1")  # doctest: +SKIP
    """

    def __init__(
        self,
        endpoint_url: str | None = None,
        region: str = "us-east-1",
        *,
        dummy_credentials: bool = False,
        access_key_id: str | None = None,
    ) -> None:
        self.endpoint_url = endpoint_url
        self.region = region
        dummy = {"aws_access_key_id": access_key_id or "local", "aws_secret_access_key": "local"}
        keys = dummy if dummy_credentials else {}
        session = boto3.session.Session(region_name=region, **keys)
        kwargs: dict[str, Any] = {"config": _CONFIG}
        if endpoint_url:
            kwargs["endpoint_url"] = endpoint_url
        self._sms = session.client(SERVICE_NAME, **kwargs)

    @staticmethod
    def is_not_found(exc: DeployError) -> bool:
        """True when the wrapped error is a ResourceNotFoundException."""
        cause = exc.__cause__
        return (
            isinstance(cause, ClientError)
            and cause.response["Error"].get("Code") == "ResourceNotFoundException"
        )

    # --- Pools ---
    def create_pool(self, **params: Any) -> dict[str, Any]:
        """CreatePool with the API's parameters; returns its answer (PoolId, PoolArn, ...)."""
        return _call("CreatePool", str(params.get("OriginationIdentity")), self._sms.create_pool, **params)

    def update_pool(self, pool_id: str, **settings: Any) -> dict[str, Any]:
        """UpdatePool with only the given settings."""
        return _call("UpdatePool", pool_id, self._sms.update_pool, PoolId=pool_id, **settings)

    def delete_pool(self, pool_id: str) -> None:
        """DeletePool."""
        _call("DeletePool", pool_id, self._sms.delete_pool, PoolId=pool_id)

    def describe_pool(self, pool_id: str) -> dict[str, Any]:
        """The pool as DescribePools reports it (ID or ARN accepted)."""
        answer = _call("DescribePools", pool_id, self._sms.describe_pools, PoolIds=[pool_id])
        return dict(answer["Pools"][0])

    # --- Opt-out lists ---
    def create_opt_out_list(self, name: str, tags: list[dict[str, str]] | None = None) -> dict[str, Any]:
        """CreateOptOutList; returns its answer (OptOutListArn, OptOutListName, ...)."""
        extra = {"Tags": tags} if tags else {}
        return _call("CreateOptOutList", name, self._sms.create_opt_out_list, OptOutListName=name, **extra)

    def delete_opt_out_list(self, name: str) -> None:
        """DeleteOptOutList."""
        _call("DeleteOptOutList", name, self._sms.delete_opt_out_list, OptOutListName=name)


class SsmClient:
    """The Parameter Store calls the driver makes to carry moto's parameters from one command to the next.

    Args:
        endpoint_url: the SSM endpoint (the moto server the driver started).
        region: the region. Default: "us-east-1"
    """

    def __init__(self, endpoint_url: str, region: str = "us-east-1") -> None:
        session = boto3.session.Session(
            region_name=region,
            aws_access_key_id="local",
            aws_secret_access_key="local",  # noqa: S106 - moto checks none
        )
        self._ssm = session.client("ssm", endpoint_url=endpoint_url, config=_CONFIG)

    def parameters(self) -> list[dict[str, Any]]:
        """Every parameter of the region (GetParametersByPath ``/``, recursive, decrypted, all pages)."""
        found: list[dict[str, Any]] = []
        params: dict[str, Any] = {"Path": "/", "Recursive": True, "WithDecryption": True}
        while True:
            answer = _call("GetParametersByPath", "/", self._ssm.get_parameters_by_path, **params)
            found += answer.get("Parameters", [])
            if not answer.get("NextToken"):
                return found
            params["NextToken"] = answer["NextToken"]

    def put_parameter(self, name: str, value: str, kind: str = "String", data_type: str = "text") -> None:
        """PutParameter (overwriting), Standard tier."""
        _call(
            "PutParameter", name, self._ssm.put_parameter,
            Name=name, Value=value, Type=kind, DataType=data_type, Overwrite=True, Tier="Standard",
        )  # fmt: skip
