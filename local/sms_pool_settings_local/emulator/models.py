"""State and rules of the emulated SMS pool API: pools and opt-out lists per region, no HTTP.

Errors are raised as exception classes named after the service's error shapes, carrying the modelled
members (``Reason``, ``ResourceType``, ``ResourceId``, ``Fields``), so ``responses.py`` can serialise them
as botocore expects. Everything stored is plain JSON (API member names, epoch-second timestamps), which
is what ``to_json``/``from_json`` write to and read from the state file.
"""

from __future__ import annotations

import base64
import binascii
import copy
import functools
import json
import re
import threading
import time
import uuid
from typing import Any

import botocore.exceptions
import botocore.session

ACCOUNT_ID = "123456789012"
DEFAULT_REGION = "us-east-1"
DEFAULT_OPT_OUT_LIST = "Default"
# The service does not document a default page size; the model's maximum is used.
DEFAULT_MAX_RESULTS = 100
POOL_STATUSES = ("CREATING", "ACTIVE", "DELETING")
# Version 2 keeps each account's regions ("accounts"); a version 1 file ("regions") is the default
# account's.
STATE_VERSION = 2
# Tags a resource may carry (boto3's TagResource documentation: "Each resource can have a maximum of 50
# tags"); the model's 200 is only the length of one request's list.
MAX_TAGS_PER_RESOURCE = 50
_ACCOUNT = re.compile(r"\d{12}")

_POOL_ARN = re.compile(
    r"arn:(?P<partition>[^:]*):sms-voice:(?P<region>[^:]*):(?P<account>[^:]*):pool/(?P<id>.+)"
)
_LIST_ARN = re.compile(
    r"arn:(?P<partition>[^:]*):sms-voice:(?P<region>[^:]*):(?P<account>[^:]*):opt-out-list/(?P<name>.+)"
)
# An IAM role ARN: global (no region), a 12-digit account, a path and name of IAM's characters (IAM User
# Guide, "IAM identifiers").
_ROLE_ARN = re.compile(r"arn:(?P<partition>[\w-]+):iam::\d{12}:role/[\w+=,.@/-]+")

# UpdatePool members that change a stored setting, in the API's order.
POOL_SETTINGS = (
    "TwoWayEnabled",
    "TwoWayChannelArn",
    "TwoWayChannelRole",
    "SelfManagedOptOutsEnabled",
    "OptOutListName",
    "SharedRoutesEnabled",
    "DeletionProtectionEnabled",
)
_FILTER_FIELDS = {
    "status": "Status",
    "message-type": "MessageType",
    "two-way-enabled": "TwoWayEnabled",
    "self-managed-opt-outs-enabled": "SelfManagedOptOutsEnabled",
    "opt-out-list-name": "OptOutListName",
    "shared-routes-enabled": "SharedRoutesEnabled",
    "deletion-protection-enabled": "DeletionProtectionEnabled",
    "two-way-channel-arn": "TwoWayChannelArn",
}


# --- Errors, named by the service's error shapes --------------------------------------------------
class ServiceError(Exception):
    """An error the API answers with: ``code`` is the shape name, ``status`` the HTTP status."""

    code = "ServiceError"
    status = 400

    def __init__(self, message: str, **members: Any) -> None:
        super().__init__(message)
        self.message = message
        self.members = {k: v for k, v in members.items() if v is not None}

    def body(self) -> dict[str, Any]:
        """The JSON 1.0 error body: ``__type``, ``Message`` and the modelled members."""
        return {"__type": self.code, "Message": self.message, **self.members}


class ConflictException(ServiceError):
    code = "ConflictException"

    def __init__(
        self, message: str, *, reason: str, resource_type: str | None = None, resource_id: str | None = None
    ) -> None:
        super().__init__(message, Reason=reason, ResourceType=resource_type, ResourceId=resource_id)


class ResourceNotFoundException(ServiceError):
    code = "ResourceNotFoundException"

    def __init__(self, message: str, *, resource_type: str, resource_id: str) -> None:
        super().__init__(message, ResourceType=resource_type, ResourceId=resource_id)


class ValidationException(ServiceError):
    code = "ValidationException"

    def __init__(self, message: str, *, reason: str, fields: list[dict[str, str]] | None = None) -> None:
        super().__init__(message, Reason=reason, Fields=fields)


class ThrottlingException(ServiceError):
    code = "ThrottlingException"
    # The botocore model declares no HTTP status for this service's errors; 429 is what throttling
    # answers commonly carry, and botocore retries it as throttling either way.
    status = 429


class InternalServerException(ServiceError):
    code = "InternalServerException"
    status = 500

    def __init__(self, message: str, *, request_id: str | None = None) -> None:
        super().__init__(message, RequestId=request_id)


class AccessDeniedException(ServiceError):
    code = "AccessDeniedException"
    status = 403

    def __init__(self, message: str, *, reason: str | None = None) -> None:
        super().__init__(message, Reason=reason)


class ServiceQuotaExceededException(ServiceError):
    code = "ServiceQuotaExceededException"

    def __init__(self, message: str, *, reason: str | None = None) -> None:
        super().__init__(message, Reason=reason)


class UnknownOperationException(ServiceError):
    """What JSON 1.0 AWS services answer for an ``X-Amz-Target`` they do not know."""

    code = "UnknownOperationException"


class SerializationException(ServiceError):
    """What JSON 1.0 AWS services answer for a body that is not a JSON object."""

    code = "SerializationException"


# --- Helpers ---------------------------------------------------------------------------------------
@functools.lru_cache(maxsize=64)
def partition_of(region: str) -> str:
    """The ARN partition of ``region`` (``cn-north-1`` -> ``aws-cn``, ``us-gov-west-1`` -> ``aws-us-gov``,
    ``us-iso-east-1`` -> ``aws-iso``), from the installed botocore's partition data (the table the SDKs
    build ARNs and endpoints from); ``aws`` for a region botocore does not know."""
    try:
        return str(botocore.session.get_session().get_partition_for_region(region))
    except botocore.exceptions.UnknownRegionError:
        return "aws"


def pool_arn(region: str, pool_id: str, account: str = ACCOUNT_ID) -> str:
    """``arn:<partition>:sms-voice:<region>:<account>:pool/<id>`` (Service Authorization Reference)."""
    return f"arn:{partition_of(region)}:sms-voice:{region}:{account}:pool/{pool_id}"


def opt_out_list_arn(region: str, name: str, account: str = ACCOUNT_ID) -> str:
    """``arn:<partition>:sms-voice:<region>:<account>:opt-out-list/<name>`` (Service Authorization
    Reference)."""
    return f"arn:{partition_of(region)}:sms-voice:{region}:{account}:opt-out-list/{name}"


def invalid_arn(field: str, message: str) -> ValidationException:
    """``ValidationException`` ``INVALID_ARN`` naming ``field`` in ``Fields`` (the model's
    ValidationExceptionReason and ValidationExceptionField shapes)."""
    return ValidationException(message, reason="INVALID_ARN", fields=[{"Name": field, "Message": message}])


def check_partition(region: str, field: str, arn: str) -> None:
    """Refuse an ARN of another partition than the region's: a resource of ``aws`` cannot be named in
    ``aws-cn`` (ARNs carry the partition, "Identify AWS resources with Amazon Resource Names")."""
    partition = partition_of(region)
    if arn.split(":", 2)[1:2] != [partition]:
        raise invalid_arn(field, f"{field} '{arn}' is not an ARN of partition {partition} (region {region}).")


def check_two_way_channel(region: str, value: str) -> None:
    """``TwoWayChannelArn``: an SNS topic ARN of the request's partition and region, or
    ``connect.<region>.amazonaws.com`` for Amazon Connect (user guide, "Two-way SMS messaging";
    terraform-provider-aws#44321). Anything else answers ``ValidationException INVALID_ARN``."""
    partition = partition_of(region)
    topic = rf"arn:{re.escape(partition)}:sns:{re.escape(region)}:\d{{12}}:[A-Za-z0-9_-]{{1,256}}(\.fifo)?"
    if value == f"connect.{region}.amazonaws.com" or re.fullmatch(topic, value):
        return
    raise invalid_arn(
        "TwoWayChannelArn",
        f"TwoWayChannelArn must be an SNS topic ARN (arn:{partition}:sns:{region}:<account>:<topic>) or "
        f"connect.{region}.amazonaws.com, got '{value}'.",
    )


def check_role_arn(region: str, field: str, value: str) -> None:
    """An IAM role ARN of the request's partition: ``arn:<partition>:iam::<account>:role/<path/name>``
    (IAM identifiers, "IAM ARNs"). Anything else answers ``ValidationException INVALID_ARN``."""
    partition = partition_of(region)
    match = _ROLE_ARN.fullmatch(value)
    if match is None or match.group("partition") != partition:
        raise invalid_arn(
            field,
            f"{field} must be an IAM role ARN (arn:{partition}:iam::<account>:role/<name>), got '{value}'.",
        )


def pool_id_of(value: str) -> str:
    """The pool ID in ``value``, which is a pool ID or a pool ARN (of any region)."""
    match = _POOL_ARN.fullmatch(value)
    return match.group("id") if match else value


def _encode_token(operation: str, offset: int) -> str:
    raw = json.dumps({"op": operation, "offset": offset}).encode()
    return base64.urlsafe_b64encode(raw).decode()


def _decode_token(operation: str, token: str) -> int:
    try:
        data = json.loads(base64.urlsafe_b64decode(token.encode()))
        if data["op"] == operation and isinstance(data["offset"], int) and data["offset"] >= 0:
            return int(data["offset"])
    except (ValueError, KeyError, TypeError, binascii.Error):
        pass
    raise ValidationException(
        f"Invalid NextToken '{token}': it is not a token this operation returned.",
        reason="INVALID_NEXT_TOKEN",
        fields=[{"Name": "NextToken", "Message": "Invalid next token"}],
    )


def _page(
    operation: str, items: list[dict[str, Any]], params: dict[str, Any]
) -> tuple[list[Any], str | None]:
    start = _decode_token(operation, params["NextToken"]) if "NextToken" in params else 0
    size = params.get("MaxResults", DEFAULT_MAX_RESULTS)
    page = items[start : start + size]
    more = start + size < len(items)
    return page, _encode_token(operation, start + size) if more else None


def _refuse_together(params: dict[str, Any], first: str, second: str) -> None:
    if first in params and second in params:
        message = f"The {first} and {second} parameters can't be used at the same time."
        raise ValidationException(
            message,
            reason="PARAMETERS_CANNOT_BE_USED_TOGETHER",
            fields=[{"Name": first, "Message": message}, {"Name": second, "Message": message}],
        )


def _filter_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)


_RESOURCE_TYPES = frozenset(
    botocore.session.get_session().get_service_model("pinpoint-sms-voice-v2").shape_for("ResourceType").enum
)


def _reserved_tag_error(field: str, key: str) -> ValidationException:
    message = f"Tag key '{key}' uses the prefix aws:, which is reserved for AWS use."
    return ValidationException(
        message, reason="INVALID_PARAMETER", fields=[{"Name": field, "Message": message}]
    )


def merge_tags(existing: list[dict[str, str]], added: list[dict[str, str]]) -> list[dict[str, str]]:
    """``existing`` with ``added`` applied (a key already there takes the new value), as a new list.

    Rules (the resource's tags stay as they were when one is broken):
    - a key may appear once per request (API reference, TagResource: "Tag keys must be unique per
      resource"): ``ValidationException INVALID_PARAMETER`` naming the key (*emulator's choice* of
      reason);
    - the ``aws:`` prefix is reserved (the AWS tag rule as the Pinpoint Email and SES v2 API
      references state it, shape Tag: "The aws: prefix is reserved for use by AWS; you can't use it in
      any tag keys or values that you define"; the SMS reference does not restate it, so applying it
      here is the *emulator's choice*): ``ValidationException INVALID_PARAMETER``;
    - at most ``MAX_TAGS_PER_RESOURCE`` tags on the resource (TagResource documentation: "Each resource
      can have a maximum of 50 tags"): ``ServiceQuotaExceededException TAGS_PER_RESOURCE`` (the model's
      reason for it).
    """
    keys = [t["Key"] for t in added]
    repeated = sorted({k for k in keys if keys.count(k) > 1})
    if repeated:
        message = f"Tag key '{repeated[0]}' appears more than once in Tags; tag keys must be unique."
        raise ValidationException(
            message, reason="INVALID_PARAMETER", fields=[{"Name": "Tags", "Message": message}]
        )
    reserved = [k for k in keys if k.lower().startswith("aws:")]
    if reserved:
        raise _reserved_tag_error("Tags", reserved[0])
    merged = {t["Key"]: t["Value"] for t in existing}
    merged.update({t["Key"]: t["Value"] for t in added})
    if len(merged) > MAX_TAGS_PER_RESOURCE:
        raise ServiceQuotaExceededException(
            f"A resource can have at most {MAX_TAGS_PER_RESOURCE} tags; this request would leave "
            f"{len(merged)}.",
            reason="TAGS_PER_RESOURCE",
        )
    return [{"Key": k, "Value": v} for k, v in merged.items()]


class SmsBackend:
    """Pools and opt-out lists per account and region. Thread-safe (one lock around every call).

    Every region of every account starts with an opt-out list named ``Default``. Methods take the
    region, the request parameters (already validated against the model) and the ``account``
    (Default: ``ACCOUNT_ID``), and return the stored records; they raise the ``*Exception`` classes
    above. Two accounts, or two regions, share nothing: each has its own pools and lists, and an ARN of
    another account or region is a resource that does not exist here.

    Example:
        >>> backend = SmsBackend()
        >>> pool = backend.create_pool("us-east-1", {"OriginationIdentity": "+12065550100",
        ...                                          "MessageType": "TRANSACTIONAL"})
        >>> pool["Status"]
        'ACTIVE'
    """

    def __init__(self) -> None:
        self.lock = threading.RLock()
        # account -> region -> {"pools": {...}, "opt_out_lists": {...}}
        self.accounts: dict[str, dict[str, dict[str, dict[str, dict[str, Any]]]]] = {}
        # SigV4 access key ID -> account (set_account); any other key is ACCOUNT_ID's.
        self.access_keys: dict[str, str] = {}
        self.status_sequences: dict[str, list[str]] = {}
        # Sequences armed by the next successful UpdatePool of the pool (set_pool_statuses after_update).
        self.statuses_after_update: dict[str, list[str]] = {}
        self.client_tokens: dict[tuple[str, str, str], str] = {}
        # Role ARN -> epoch second from which the service can assume it (add_role).
        self.roles: dict[str, float] = {}
        # Bumped on every change of stored state, so the server knows when to write the state file.
        self.version = 0

    # --- State ---
    def reset(self) -> None:
        """Forget every pool, opt-out list and status sequence (each region's Default list returns)."""
        with self.lock:
            self.accounts.clear()
            self.access_keys.clear()
            self.status_sequences.clear()
            self.statuses_after_update.clear()
            self.client_tokens.clear()
            self.roles.clear()
            self.version += 1

    def region(self, region: str, account: str = ACCOUNT_ID) -> dict[str, dict[str, dict[str, Any]]]:
        with self.lock:
            regions = self.accounts.setdefault(account, {})
            if region not in regions:
                regions[region] = {
                    "pools": {},
                    "opt_out_lists": {
                        DEFAULT_OPT_OUT_LIST: {
                            "OptOutListArn": opt_out_list_arn(region, DEFAULT_OPT_OUT_LIST, account),
                            "OptOutListName": DEFAULT_OPT_OUT_LIST,
                            "CreatedTimestamp": time.time(),
                        }
                    },
                }
            return regions[region]

    # --- Accounts ---
    def set_account(self, access_key_id: str, account_id: str) -> dict[str, str]:
        """Requests signed with ``access_key_id`` act in ``account_id`` from now on (control API).

        The account follows from the request's credentials, as in AWS (an access key belongs to one
        account: IAM User Guide, "Manage access keys for IAM users"); a key never registered acts in
        ``ACCOUNT_ID``. Raises ValueError for an empty key or an account that is not 12 digits (IAM
        User Guide, "Your AWS account ID and its alias").
        """
        if not isinstance(access_key_id, str) or not re.fullmatch(r"[!-~]{1,128}", access_key_id):
            raise ValueError(f"access_key_id must be 1-128 printable characters, got {access_key_id!r}")
        if not isinstance(account_id, str) or not _ACCOUNT.fullmatch(account_id):
            raise ValueError(f"account_id must be 12 digits, got {account_id!r}")
        with self.lock:
            self.access_keys[access_key_id] = account_id
            self.version += 1
            return {"access_key_id": access_key_id, "account_id": account_id}

    def account_of(self, access_key_id: str | None) -> str:
        """The account a request signed with ``access_key_id`` acts in (``ACCOUNT_ID`` by default)."""
        with self.lock:
            return self.access_keys.get(access_key_id or "", ACCOUNT_ID)

    def account_records(self) -> list[dict[str, str]]:
        """The registered access keys: ``access_key_id``, ``account_id``."""
        with self.lock:
            return [{"access_key_id": k, "account_id": a} for k, a in self.access_keys.items()]

    def to_json(self) -> dict[str, Any]:
        """A deep copy of the stored state, as written to the state file."""
        with self.lock:
            return {
                "version": STATE_VERSION,
                "accounts": copy.deepcopy(self.accounts),
                "access_keys": dict(self.access_keys),
            }

    def from_json(self, data: dict[str, Any]) -> None:
        """Replace the stored state with ``data`` (from ``to_json``; a version 1 state's ``regions`` are
        the default account's). Raises ValueError if malformed."""
        if not isinstance(data, dict) or data.get("version") not in (1, STATE_VERSION):
            raise ValueError(
                f"state must be an object with version 1 or {STATE_VERSION}, got {str(data)[:80]!r}"
            )
        accounts = {ACCOUNT_ID: data.get("regions")} if data["version"] == 1 else data.get("accounts")
        access_keys = data.get("access_keys", {})
        if not isinstance(accounts, dict) or not all(
            isinstance(regions, dict)
            and all(
                isinstance(r, dict)
                and isinstance(r.get("pools"), dict)
                and isinstance(r.get("opt_out_lists"), dict)
                for r in regions.values()
            )
            for regions in accounts.values()
        ):
            raise ValueError(
                "state 'accounts' must map each account to regions, each with 'pools' and 'opt_out_lists'"
            )
        if not isinstance(access_keys, dict):
            raise ValueError(f"state 'access_keys' must be an object, got {access_keys!r}")
        with self.lock:
            self.accounts = copy.deepcopy(accounts)
            self.access_keys = dict(access_keys)
            self.status_sequences.clear()
            self.statuses_after_update.clear()
            self.version += 1

    def pools(self, region: str, account: str = ACCOUNT_ID) -> list[dict[str, Any]]:
        """Deep copies of the stored pools of ``region`` in ``account``, in creation order."""
        with self.lock:
            return copy.deepcopy(list(self.region(region, account)["pools"].values()))

    # --- Lookups ---
    def _pool(
        self, region: str, value: str, field: str = "PoolId", account: str = ACCOUNT_ID
    ) -> dict[str, Any]:
        match = _POOL_ARN.fullmatch(value)
        if match:
            check_partition(region, field, value)
        if match and (match.group("region") != region or match.group("account") != account):
            pool = None
        else:
            pool = self.region(region, account)["pools"].get(pool_id_of(value))
        if pool is None:
            raise ResourceNotFoundException(
                f"Pool {value} does not exist.", resource_type="pool", resource_id=value
            )
        return pool

    def _opt_out_list(
        self, region: str, value: str, field: str = "OptOutListName", account: str = ACCOUNT_ID
    ) -> dict[str, Any]:
        match = _LIST_ARN.fullmatch(value)
        lists = self.region(region, account)["opt_out_lists"]
        if match:
            check_partition(region, field, value)
            ok = match.group("region") == region and match.group("account") == account
            found = lists.get(match.group("name")) if ok else None
        else:
            found = lists.get(value)
        if found is None:
            raise ResourceNotFoundException(
                f"Opt-out list {value} does not exist.", resource_type="opt-out-list", resource_id=value
            )
        return found

    def _advance_status(self, pool: dict[str, Any]) -> None:
        sequence = self.status_sequences.get(pool["PoolId"])
        if not sequence:
            return
        pool["Status"] = sequence.pop(0)
        if not sequence:
            del self.status_sequences[pool["PoolId"]]
        self.version += 1

    def _refuse_unassumable(self, role_arn: str) -> None:
        # IAM is eventually consistent: a role just created may not be assumable by the service yet
        # (IAM User Guide, "Changes that I make are not always immediately visible"). Terraform's pool
        # resource retries UpdatePool on a ValidationException whose message contains "Could not
        # assume IAM role" or RESOURCE_NOT_ACCESSIBLE (internal/service/pinpointsmsvoicev2/pool.go).
        assumable_at = self.roles.get(role_arn)
        if assumable_at is not None and time.time() < assumable_at:
            message = f"Could not assume IAM role {role_arn}."
            raise ValidationException(
                message,
                reason="RESOURCE_NOT_ACCESSIBLE",
                fields=[{"Name": "TwoWayChannelRole", "Message": message}],
            )

    def add_role(self, role_arn: str, assumable_after_seconds: float) -> dict[str, Any]:
        """Register a role (control API) that the service can assume only ``assumable_after_seconds``
        from now; UpdatePool naming it in ``TwoWayChannelRole`` before then is refused. Unregistered
        roles are assumable. Raises ValueError for a bad ARN or a negative delay."""
        if not isinstance(role_arn, str) or not _ROLE_ARN.fullmatch(role_arn):
            raise ValueError(
                "role_arn must be an IAM role ARN (arn:<partition>:iam::<account>:role/<name>), "
                f"got {role_arn!r}"
            )
        if (
            isinstance(assumable_after_seconds, bool)
            or not isinstance(assumable_after_seconds, (int, float))
            or assumable_after_seconds < 0
        ):
            raise ValueError(
                f"assumable_after_seconds must be a number >= 0, got {assumable_after_seconds!r}"
            )
        with self.lock:
            self.roles[role_arn] = time.time() + assumable_after_seconds
            return {"role_arn": role_arn, "assumable_at": self.roles[role_arn]}

    def role_records(self) -> list[dict[str, Any]]:
        """The registered roles: ``role_arn``, ``assumable_at`` (epoch seconds)."""
        with self.lock:
            return [{"role_arn": arn, "assumable_at": at} for arn, at in self.roles.items()]

    @staticmethod
    def _refuse_unless_active(pool: dict[str, Any]) -> None:
        if pool["Status"] != "ACTIVE":
            raise ConflictException(
                f"Pool {pool['PoolId']} is not ACTIVE (status {pool['Status']}).",
                reason="RESOURCE_NOT_ACTIVE",
                resource_type="pool",
                resource_id=pool["PoolId"],
            )

    # --- Pools ---
    def create_pool(self, region: str, params: dict[str, Any], account: str = ACCOUNT_ID) -> dict[str, Any]:
        """CreatePool: a new ACTIVE pool with the service's defaults and the ``Tags`` given (checked
        with ``merge_tags``). A repeated ClientToken returns the pool it created."""
        with self.lock:
            token = params.get("ClientToken")
            key = (f"{account}/{region}", "pool", token) if token else None
            if key and key in self.client_tokens:
                existing = self.region(region, account)["pools"].get(self.client_tokens[key])
                if existing is not None:
                    return copy.deepcopy(existing)
            tags = merge_tags([], params.get("Tags", []))
            pool_id = "pool-" + uuid.uuid4().hex
            pool = self._new_pool(
                region,
                pool_id,
                message_type=params["MessageType"],
                deletion_protection=params.get("DeletionProtectionEnabled", False),
                account=account,
            )
            if tags:
                pool["Tags"] = tags
            if key:
                self.client_tokens[key] = pool_id
            return copy.deepcopy(pool)

    def _new_pool(
        self,
        region: str,
        pool_id: str,
        *,
        message_type: str,
        deletion_protection: bool,
        status: str = "ACTIVE",
        account: str = ACCOUNT_ID,
    ) -> dict[str, Any]:
        pool = {
            "PoolArn": pool_arn(region, pool_id, account),
            "PoolId": pool_id,
            "Status": status,
            "MessageType": message_type,
            "TwoWayEnabled": False,
            "SelfManagedOptOutsEnabled": False,
            "OptOutListName": DEFAULT_OPT_OUT_LIST,
            "SharedRoutesEnabled": False,
            "DeletionProtectionEnabled": bool(deletion_protection),
            "CreatedTimestamp": time.time(),
        }
        self.region(region, account)["pools"][pool_id] = pool
        self.version += 1
        return pool

    def describe_pools(
        self, region: str, params: dict[str, Any], account: str = ACCOUNT_ID
    ) -> dict[str, Any]:
        """DescribePools: by IDs or ARNs (each must exist), filtered, paginated. ``Owner`` with
        ``PoolIds`` is refused (API reference: "can't be used at the same time")."""
        with self.lock:
            _refuse_together(params, "Owner", "PoolIds")
            if params.get("Owner") == "SHARED":
                candidates: list[dict[str, Any]] = []
            elif params.get("PoolIds"):
                candidates = []
                for value in params["PoolIds"]:
                    pool = self._pool(region, value, "PoolIds", account)
                    if pool not in candidates:
                        candidates.append(pool)
            else:
                candidates = list(self.region(region, account)["pools"].values())
            matched = [p for p in candidates if self._matches(p, params.get("Filters", []))]
            page, token = _page("DescribePools", matched, params)
            for pool in page:
                self._advance_status(pool)
            result: dict[str, Any] = {"Pools": copy.deepcopy(page)}
            if token:
                result["NextToken"] = token
            return result

    @staticmethod
    def _matches(pool: dict[str, Any], filters: list[dict[str, Any]]) -> bool:
        for item in filters:
            name, values = item["Name"], item["Values"]
            if name.endswith("-enabled"):
                bad = [v for v in values if v not in ("true", "false")]
                if bad:
                    raise ValidationException(
                        f"Invalid values {bad} for filter {name}: expected 'true' or 'false'.",
                        reason="INVALID_FILTER_VALUES",
                        fields=[{"Name": "Filters", "Message": f"Invalid value for filter {name}"}],
                    )
            if _filter_text(pool.get(_FILTER_FIELDS[name])) not in values:
                return False
        return True

    def update_pool(self, region: str, params: dict[str, Any], account: str = ACCOUNT_ID) -> dict[str, Any]:
        """UpdatePool: changes only the members given; the pool must be ACTIVE.

        Enabling two-way with no channel ARN given or stored is rejected with ``ValidationException``
        ``TWO_WAY_CHANNEL_NOT_PRESENT`` (a choice of the emulator). ``OptOutListName`` may be a name or
        an ARN of this region; the name is stored.
        """
        with self.lock:
            pool = self._pool(region, params["PoolId"], account=account)
            self._advance_status(pool)
            self._refuse_unless_active(pool)
            changes = {k: params[k] for k in POOL_SETTINGS if k in params}
            if "TwoWayChannelArn" in changes:
                check_two_way_channel(region, changes["TwoWayChannelArn"])
            if "TwoWayChannelRole" in changes:
                check_role_arn(region, "TwoWayChannelRole", changes["TwoWayChannelRole"])
                self._refuse_unassumable(changes["TwoWayChannelRole"])
            if "OptOutListName" in changes:
                changes["OptOutListName"] = self._opt_out_list(
                    region, changes["OptOutListName"], account=account
                )["OptOutListName"]
            if changes.get("TwoWayEnabled") is True and not (
                changes.get("TwoWayChannelArn") or pool.get("TwoWayChannelArn")
            ):
                raise ValidationException(
                    f"Pool {pool['PoolId']} cannot enable two-way messaging without a TwoWayChannelArn.",
                    reason="TWO_WAY_CHANNEL_NOT_PRESENT",
                    fields=[
                        {
                            "Name": "TwoWayChannelArn",
                            "Message": "Member must be set when TwoWayEnabled is true",
                        }
                    ],
                )
            if changes:
                pool.update(changes)
                self.version += 1
            after = self.statuses_after_update.pop(pool["PoolId"], None)
            if after:
                self.status_sequences[pool["PoolId"]] = after
                self._advance_status(pool)
            return copy.deepcopy(pool)

    def delete_pool(self, region: str, params: dict[str, Any], account: str = ACCOUNT_ID) -> dict[str, Any]:
        """DeletePool: refused while the pool is not ACTIVE or deletion protection is on (API reference:
        "If the pool status isn't active or if deletion protection is enabled, an error is returned");
        answers the pool with Status DELETING."""
        with self.lock:
            pool = self._pool(region, params["PoolId"], account=account)
            self._refuse_unless_active(pool)
            if pool["DeletionProtectionEnabled"]:
                raise ConflictException(
                    f"Pool {pool['PoolId']} has deletion protection enabled.",
                    reason="DELETION_PROTECTION_ENABLED",
                    resource_type="pool",
                    resource_id=pool["PoolId"],
                )
            return self.remove_pool(region, pool["PoolId"], account) or {}

    def remove_pool(self, region: str, pool_id: str, account: str = ACCOUNT_ID) -> dict[str, Any] | None:
        """Delete a pool regardless of deletion protection (the ``delete_pool`` fault). None if absent."""
        with self.lock:
            pool = self.region(region, account)["pools"].pop(pool_id_of(pool_id), None)
            if pool is None:
                return None
            self.status_sequences.pop(pool["PoolId"], None)
            self.statuses_after_update.pop(pool["PoolId"], None)
            self.version += 1
            return {**copy.deepcopy(pool), "Status": "DELETING"}

    def seed_pool(
        self,
        region: str,
        pool_id: str | None,
        *,
        message_type: str = "TRANSACTIONAL",
        status: str = "ACTIVE",
        settings: dict[str, Any] | None = None,
        tags: dict[str, str] | None = None,
        account: str = ACCOUNT_ID,
    ) -> dict[str, Any]:
        """Create a pool directly (control API), with a chosen ID, status, settings (API names) and
        tags (``{key: value}``, checked as TagResource checks them), in ``account``.

        Raises ValueError naming the argument for a bad ID, duplicate ID, status, message type,
        setting, tag or account, or an opt-out list that does not exist.
        """
        settings = dict(settings or {})
        with self.lock:
            pool_id = pool_id or "pool-" + uuid.uuid4().hex
            if not re.fullmatch(r"[A-Za-z0-9_-]{1,256}", pool_id):
                raise ValueError(f"pool_id must match [A-Za-z0-9_-]{{1,256}}, got {pool_id!r}")
            if not isinstance(account, str) or not _ACCOUNT.fullmatch(account):
                raise ValueError(f"account must be 12 digits, got {account!r}")
            if not isinstance(tags, (dict, type(None))) or not all(
                isinstance(k, str) and isinstance(v, str) for k, v in (tags or {}).items()
            ):
                raise ValueError(f"tags must map strings to strings, got {tags!r}")
            try:
                checked_tags = merge_tags([], [{"Key": k, "Value": v} for k, v in (tags or {}).items()])
            except ServiceError as exc:
                raise ValueError(f"tags: {exc.message}") from None
            if pool_id in self.region(region, account)["pools"]:
                raise ValueError(f"pool_id {pool_id!r} already exists in {region}")
            if status not in POOL_STATUSES:
                raise ValueError(f"status must be one of {list(POOL_STATUSES)}, got {status!r}")
            if message_type not in ("TRANSACTIONAL", "PROMOTIONAL"):
                raise ValueError(f"message_type must be TRANSACTIONAL or PROMOTIONAL, got {message_type!r}")
            unknown = sorted(set(settings) - set(POOL_SETTINGS))
            if unknown:
                raise ValueError(f"unknown pool settings {unknown}; known: {list(POOL_SETTINGS)}")
            for key, value in settings.items():
                want_bool = key.endswith("Enabled")
                if want_bool != isinstance(value, bool) or not isinstance(value, (bool, str)):
                    kind = "a boolean" if want_bool else "a string"
                    raise ValueError(f"setting {key} must be {kind}, got {value!r}")
            if "OptOutListName" in settings:
                try:
                    found = self._opt_out_list(region, settings["OptOutListName"], account=account)
                except ResourceNotFoundException as exc:
                    raise ValueError(f"setting OptOutListName: {exc.message}") from None
                settings["OptOutListName"] = found["OptOutListName"]
            pool = self._new_pool(
                region,
                pool_id,
                message_type=message_type,
                deletion_protection=False,
                status=status,
                account=account,
            )
            pool.update(settings)
            if checked_tags:
                pool["Tags"] = checked_tags
            return copy.deepcopy(pool)

    def set_pool_statuses(self, pool_id: str, statuses: list[str], *, after_update: bool = False) -> None:
        """Each DescribePools/UpdatePool answering for the pool takes the next status; the last sticks.

        With ``after_update`` the sequence waits for the next successful UpdatePool of the pool, whose
        answer takes the first status (Terraform's pool resource waits for ACTIVE after every update:
        hashicorp/terraform-provider-aws internal/service/pinpointsmsvoicev2/pool.go).
        """
        bad = [s for s in statuses if s not in POOL_STATUSES]
        if not statuses or bad:
            raise ValueError(f"statuses must be a non-empty list of {list(POOL_STATUSES)}, got {statuses!r}")
        with self.lock:
            target = self.statuses_after_update if after_update else self.status_sequences
            target[pool_id_of(pool_id)] = list(statuses)

    # --- Opt-out lists ---
    def create_opt_out_list(
        self, region: str, params: dict[str, Any], account: str = ACCOUNT_ID
    ) -> dict[str, Any]:
        """CreateOptOutList: the name is unique per region (ConflictException RESOURCE_ALREADY_EXISTS);
        ``Tags`` are checked with ``merge_tags``."""
        with self.lock:
            name = params["OptOutListName"]
            lists = self.region(region, account)["opt_out_lists"]
            if name in lists:
                raise ConflictException(
                    f"Opt-out list {name} already exists.",
                    reason="RESOURCE_ALREADY_EXISTS",
                    resource_type="opt-out-list",
                    resource_id=name,
                )
            tags = merge_tags([], params.get("Tags", []))
            record: dict[str, Any] = {
                "OptOutListArn": opt_out_list_arn(region, name, account),
                "OptOutListName": name,
                "CreatedTimestamp": time.time(),
            }
            if tags:
                record["Tags"] = tags
            lists[name] = record
            self.version += 1
            return copy.deepcopy(record)

    def describe_opt_out_lists(
        self, region: str, params: dict[str, Any], account: str = ACCOUNT_ID
    ) -> dict[str, Any]:
        """DescribeOptOutLists: by names or ARNs (each must exist), paginated. ``Owner`` with
        ``OptOutListNames`` is refused (API reference: "can't be used at the same time")."""
        with self.lock:
            _refuse_together(params, "Owner", "OptOutListNames")
            if params.get("Owner") == "SHARED":
                found: list[dict[str, Any]] = []
            elif params.get("OptOutListNames"):
                found = []
                for value in params["OptOutListNames"]:
                    record = self._opt_out_list(region, value, "OptOutListNames", account)
                    if record not in found:
                        found.append(record)
            else:
                found = list(self.region(region, account)["opt_out_lists"].values())
            page, token = _page("DescribeOptOutLists", found, params)
            result: dict[str, Any] = {"OptOutLists": copy.deepcopy(page)}
            if token:
                result["NextToken"] = token
            return result

    def delete_opt_out_list(
        self, region: str, params: dict[str, Any], account: str = ACCOUNT_ID
    ) -> dict[str, Any]:
        """DeleteOptOutList. The Default list, or a list a pool uses, is refused with ConflictException
        RESOURCE_DELETION_NOT_ALLOWED (a choice of the emulator)."""
        with self.lock:
            record = self._opt_out_list(region, params["OptOutListName"], account=account)
            name = record["OptOutListName"]
            here = self.region(region, account)
            users = [p["PoolId"] for p in here["pools"].values() if p["OptOutListName"] == name]
            if name == DEFAULT_OPT_OUT_LIST or users:
                why = "is the region's default list" if not users else f"is used by pool {users[0]}"
                raise ConflictException(
                    f"Opt-out list {name} cannot be deleted: it {why}.",
                    reason="RESOURCE_DELETION_NOT_ALLOWED",
                    resource_type="opt-out-list",
                    resource_id=name,
                )
            del here["opt_out_lists"][name]
            self.version += 1
            return copy.deepcopy(record)

    # --- Tags ---
    def _tagged(self, region: str, arn: str, account: str) -> dict[str, Any]:
        """The pool or opt-out list ``arn`` names in this account and region. Another partition is
        ``INVALID_ARN``; another account, region or resource type (the emulator keeps tags only for
        pools and opt-out lists) is ``ResourceNotFoundException``."""
        check_partition(region, "ResourceArn", arn)
        if _POOL_ARN.fullmatch(arn):
            return self._pool(region, arn, "ResourceArn", account)
        if _LIST_ARN.fullmatch(arn):
            return self._opt_out_list(region, arn, "ResourceArn", account)
        kind = arn.split(":", 5)[5].split("/", 1)[0] if arn.count(":") >= 5 else "unknown"
        raise ResourceNotFoundException(
            f"Resource {arn} does not exist.",
            resource_type=kind if kind in _RESOURCE_TYPES else "account",
            resource_id=arn,
        )

    def tags_of(self, region: str, arn: str, account: str = ACCOUNT_ID) -> dict[str, str] | None:
        """The tags of the pool or opt-out list ``arn`` as ``{key: value}``, or None when it names none of
        this account and region's (for ``aws:ResourceTag`` in IAM enforcement)."""
        if not arn.startswith("arn:"):
            return None
        with self.lock:
            try:
                record = self._tagged(region, arn, account)
            except ServiceError:
                return None
            return {t["Key"]: t["Value"] for t in record.get("Tags", [])}

    def list_tags_for_resource(
        self, region: str, params: dict[str, Any], account: str = ACCOUNT_ID
    ) -> dict[str, Any]:
        """ListTagsForResource: ``ResourceArn`` and its ``Tags`` (``[]`` when it has none)."""
        with self.lock:
            record = self._tagged(region, params["ResourceArn"], account)
            return {"ResourceArn": params["ResourceArn"], "Tags": copy.deepcopy(record.get("Tags", []))}

    def tag_resource(self, region: str, params: dict[str, Any], account: str = ACCOUNT_ID) -> dict[str, Any]:
        """TagResource: adds the tags, overwriting the value of a key already there (API reference,
        TagResource: "When you specify an existing tag key, the value is overwritten"); checked with
        ``merge_tags``, nothing is written when any tag is refused."""
        with self.lock:
            record = self._tagged(region, params["ResourceArn"], account)
            record["Tags"] = merge_tags(record.get("Tags", []), params["Tags"])
            self.version += 1
            return {}

    def untag_resource(
        self, region: str, params: dict[str, Any], account: str = ACCOUNT_ID
    ) -> dict[str, Any]:
        """UntagResource: removes the keys named (a key the resource does not carry is ignored); a key
        with the reserved ``aws:`` prefix is refused as in ``merge_tags``."""
        with self.lock:
            record = self._tagged(region, params["ResourceArn"], account)
            reserved = [k for k in params["TagKeys"] if k.lower().startswith("aws:")]
            if reserved:
                raise _reserved_tag_error("TagKeys", reserved[0])
            keys = set(params["TagKeys"])
            record["Tags"] = [t for t in record.get("Tags", []) if t["Key"] not in keys]
            self.version += 1
            return {}
