"""The contract between construct and handler: the construct can emit exactly the keys the handler accepts.

Both sides read lambda/pool_settings_handler/constants.py. A key the construct emits and the handler does
not know fails every deploy; a key the handler knows and the construct cannot emit is a setting users
cannot reach.
"""

from __future__ import annotations

import subprocess
import sys
from types import SimpleNamespace

from aws_cdk import RemovalPolicy
from aws_cdk.assertions import Template
from pool_settings_handler.constants import (
    ALL_PROPERTIES,
    MANAGED_SETTINGS,
    PROP_POOL_ID,
    PROP_POOL_SELECTOR,
    RESOURCE_TYPE,
)
from sms_pool_settings import PoolSelector, PoolSettings


def test_every_argument_given_emits_exactly_the_handlers_property_keys(h: SimpleNamespace) -> None:
    # GIVEN
    stack = h.new_stack()
    # WHEN: every argument in its forms that emit a key; the pool is a PoolId or a PoolSelector (exactly
    # one of the two), so two resources between them emit every key
    PoolSettings(
        stack,
        "ByTag",
        pool=PoolSelector.tag("team", "alerts"),
        deletion_protection_enabled=True,
        removal_policy=RemovalPolicy.DESTROY,
    )
    PoolSettings(
        stack,
        "Everything",
        pool="pool-0123456789abcdef0123456789abcdef",
        two_way_enabled=True,
        two_way_channel=f"arn:aws:sns:us-east-1:{h.ACCOUNT}:inbound",
        two_way_channel_role=f"arn:aws:iam::{h.ACCOUNT}:role/inbound",
        self_managed_opt_outs_enabled=True,
        opt_out_list="customers",
        shared_routes_enabled=False,
        deletion_protection_enabled=True,
        reconcile_token="build-1",
        removal_policy=RemovalPolicy.DESTROY,
    )
    # THEN
    resources = Template.from_stack(stack).find_resources(RESOURCE_TYPE)
    by_tag, everything = (set(resources[k]["Properties"]) for k in sorted(resources))
    assert sorted(by_tag | everything) == sorted(ALL_PROPERTIES)
    assert (PROP_POOL_ID in by_tag, PROP_POOL_SELECTOR in by_tag) == (False, True)
    assert (PROP_POOL_ID in everything, PROP_POOL_SELECTOR in everything) == (True, False)


def test_no_argument_given_emits_no_managed_setting(h: SimpleNamespace) -> None:
    # GIVEN
    stack = h.new_stack()
    # WHEN
    PoolSettings(stack, "Nothing", pool="pool-0123456789abcdef0123456789abcdef")
    # THEN
    (resource,) = Template.from_stack(stack).find_resources(RESOURCE_TYPE).values()
    assert PROP_POOL_ID in resource["Properties"]
    assert not set(resource["Properties"]) & set(MANAGED_SETTINGS)


def test_importing_the_construct_loads_only_the_handlers_constants() -> None:
    # WHEN: a fresh interpreter imports the construct package
    code = (
        "import sys, sms_pool_settings; "
        "watched = ('pool_settings_handler', 'crhelper', 'boto3'); "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in watched))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True
    )
    # THEN: no crhelper, no boto3, no handler code at synth time
    assert result.stdout.strip() == "['pool_settings_handler', 'pool_settings_handler.constants']"
