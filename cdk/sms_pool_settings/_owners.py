"""One owner per setting, checked at synth over the whole app (issue 9).

Two ``PoolSettings`` that manage the same setting of the same pool undo each other on every deploy, so
synth fails naming both construct paths, the pool and the settings. Each ``PoolSettings`` registers its
claim (the pool's identity and the settings it declares) with the app's one check, the validation of
one construct at the app's root (``OwnerCheck``, found through the construct tree like the stack's
provider): it sees every stack and stage of the app, and runs once per synth whatever the number of
``PoolSettings``. Construct paths are read only for a message.

What counts as the same pool (:func:`pool_identity`):

- a pool ID and a pool ARN name the same pool when the ARN's account and region are the stack's: a pool
  ID is in the account and region of the stack it is declared in;
- an ``aws_smsvoice.CfnPool`` and any string made from its tokens (``attr_pool_id``, ``ref``,
  ``attr_arn``, an ARN built from ``attr_pool_id``) name that CfnPool;
- the same pool ID in two stacks of one environment (same account and region) is the same pool; in
  other accounts or regions it is another pool.

What cannot be compared at synth, and is left to the handler's deploy-time check (the records it keeps
in SSM Parameter Store, one owner per setting): a pool ID in a stack whose account or region is a token
(environment-agnostic) is compared only with the same ID in the same stack; a pool given as another
token (a ``CfnParameter``, an import) and a ``PoolSelector`` (the pool is found at deploy time) are not
compared at all.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import jsii
from aws_cdk import Reference, Stack, Tokenization
from aws_cdk import aws_smsvoice as smsvoice
from constructs import Construct, IConstruct, IValidation

from ._provider import PoolSettingsProvider, is_unresolved
from ._validation import POOL_ARN, StackPlace


@dataclass(frozen=True)
class PoolIdentity:
    """A pool as synth can know it; two equal identities are the same pool.

    Attributes:
        key: what is compared: ``("pool", account, region, pool ID)``, ``("stack", stack, pool ID)``
            for a pool ID in an environment-agnostic stack, or ``("cfn", CfnPool)``.
        label: the pool for a message, e.g. ``pool-1 (account 123456789012, region us-east-1)``; for a
            pool of an environment-agnostic stack the message adds the stack's path.
    """

    key: tuple[object, ...]
    label: str


def pool_identity(pool: str | smsvoice.CfnPool, place: StackPlace, stack: IConstruct) -> PoolIdentity | None:
    """The identity of a ``PoolSettings`` pool argument, or None when synth cannot know it.

    Args:
        pool: the argument as given, already checked (a literal ID or ARN, a token, or a CfnPool).
        place: the stack's partition, region and account (None where tokens).
        stack: the stack, for pool IDs of an environment-agnostic stack (its path is not read).

    Example:
        >>> here = StackPlace("aws", "us-east-1", "123456789012")
        >>> by_id = pool_identity("pool-1", here, object())
        >>> by_arn = pool_identity("arn:aws:sms-voice:us-east-1:123456789012:pool/pool-1", here, object())
        >>> by_id == by_arn, by_id.label if by_id else None
        (True, 'pool-1 (account 123456789012, region us-east-1)')
    """
    if isinstance(pool, smsvoice.CfnPool):
        return _cfn_identity(pool)
    if not isinstance(pool, str):
        return None
    if is_unresolved(pool):
        return _token_identity(pool)
    if POOL_ARN.fullmatch(pool):
        _, _, _, region, account, resource = pool.split(":", 5)
        return _literal_identity(resource.split("/", 1)[1], account, region)
    if place.account and place.region:
        return _literal_identity(pool, place.account, place.region)
    return PoolIdentity(("stack", stack, pool), f"{pool} (in an environment-agnostic stack)")


def _literal_identity(pool_id: str, account: str, region: str) -> PoolIdentity:
    return PoolIdentity(("pool", account, region, pool_id), f"{pool_id} (account {account}, region {region})")


def _cfn_identity(pool: smsvoice.CfnPool) -> PoolIdentity:
    # The CfnPool object itself (jsii hands back the one Python object for a construct made in Python);
    # its path is read for a message only.
    return PoolIdentity(("cfn", pool), "CfnPool")


def _token_identity(pool: str) -> PoolIdentity | None:
    """The CfnPool whose attribute (PoolId, Arn, Ref) the token string holds, if any."""
    for token in Tokenization.reverse_string(pool).tokens:
        if isinstance(token, Reference) and isinstance(token.target, smsvoice.CfnPool):
            return _cfn_identity(token.target)
    return None


@dataclass(frozen=True)
class _Claim:
    pool: PoolIdentity
    settings: frozenset[str]
    owner: IConstruct

    def path(self) -> str:
        return self.owner.node.path

    def pool_label(self) -> str:
        kind, *rest = self.pool.key
        if kind == "cfn":
            cfn_pool = rest[0]
            assert isinstance(cfn_pool, smsvoice.CfnPool)
            return f"CfnPool {cfn_pool.node.path}"
        if kind == "stack":
            stack_path = Stack.of(self.owner).node.path
            return f"{rest[1]} (stack {stack_path}, environment-agnostic)"
        return self.pool.label


@jsii.implements(IValidation)
class OneOwnerPerSetting:
    """The app's check: the claims of every PoolSettings of the app, compared at synth.

    It lives in the app's construct tree (``OwnerCheck``), as long as the PoolSettings and CfnPools it holds.
    """

    def __init__(self) -> None:
        self._claims: list[_Claim] = []

    def claim(self, pool: PoolIdentity, settings: Iterable[str], owner: IConstruct) -> None:
        """Register that the PoolSettings ``owner`` manages ``settings`` (argument names) of ``pool``."""
        names = frozenset(settings)
        if names:
            self._claims.append(_Claim(pool, names, owner))

    def validate(self) -> list[str]:
        """One message per pair of PoolSettings that manage a setting of the same pool."""
        messages = []
        by_pool: dict[tuple[object, ...], list[_Claim]] = {}
        for later in self._claims:
            same_pool = by_pool.setdefault(later.pool.key, [])
            for earlier in same_pool:
                shared = earlier.settings & later.settings
                if shared:
                    messages.append(
                        f"PoolSettings {earlier.path()} and PoolSettings {later.path()} both manage "
                        f"{', '.join(sorted(shared))} of pool {later.pool_label()}: two owners of one "
                        "setting undo each other on every deploy; declare each setting of a pool in one "
                        "PoolSettings only"
                    )
            same_pool.append(later)
        return messages


# The construct ID of the app's one check, a child of the app's root construct (the construct tree is the
# registry: a new app has none, so claims never outlive their app).
OWNER_CHECK_ID = "SmsPoolSettingsOwnerCheck"


class OwnerCheck(Construct):
    """The app's single one-owner check, at ``<app root>/SmsPoolSettingsOwnerCheck``; it synthesizes nothing.

    Its validation (``claims``) runs when the app is synthesized and sees every stack and stage of the app.
    Use :func:`check_of` to get it; never the constructor.
    """

    def __init__(self, scope: Construct, construct_id: str) -> None:
        super().__init__(scope, construct_id)
        self.claims = OneOwnerPerSetting()
        """Every PoolSettings' claim in the app."""
        self.node.add_validation(self.claims)


def check_of(stack: Stack) -> OneOwnerPerSetting:
    """The one-owner check of ``stack``'s app: its root's ``SmsPoolSettingsOwnerCheck``, created on first use.

    The stack's provider (found through the construct tree too) keeps it once found, so that only the
    first PoolSettings of a stack walks to the app's root.

    Raises:
        TypeError: the construct ID ``SmsPoolSettingsOwnerCheck`` of the app's root is taken by another
            construct.
    """
    provider = PoolSettingsProvider.cached(stack)
    if provider is not None and provider.owner_check is not None:
        return provider.owner_check
    check = _app_check(stack)
    if provider is not None:
        provider.owner_check = check
    return check


def _app_check(stack: Stack) -> OneOwnerPerSetting:
    root = stack.node.root
    existing = root.node.try_find_child(OWNER_CHECK_ID)
    if existing is None:
        return OwnerCheck(root, OWNER_CHECK_ID).claims  # type: ignore[arg-type]  # root is a Construct
    if isinstance(existing, OwnerCheck):
        return existing.claims
    raise TypeError(
        f"construct ID {OWNER_CHECK_ID} is reserved for the PoolSettings owner check at the app's root, "
        f"got a {type(existing).__name__}"
    )
