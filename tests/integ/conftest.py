"""Fixtures of the product's integration tests: the example app, synthesized once per session with the
pinned CDK CLI."""

from __future__ import annotations

import pytest
from sms_pool_settings_local.deploy.synth import synth

EXISTING_POOL = "pool-0123456789abcdef0123456789abcdef"
OTHER_POOL = "pool-0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b"
STACK = "SmsPoolSettingsExample"
# name -> CDK context of each variant of the example app the tests deploy.
# The example app is synthesized for the emulator's account (its own default is 111111111111).
LOCAL = {"account": "123456789012"}
VARIANTS = {
    "base": {**LOCAL, "existingPoolId": EXISTING_POOL},
    "reconcile": {**LOCAL, "existingPoolId": EXISTING_POOL, "reconcile": "build-1"},
    "other_pool": {**LOCAL, "existingPoolId": OTHER_POOL},
    "foreign_account": {"existingPoolId": EXISTING_POOL},
}


@pytest.fixture(scope="session")
def assemblies(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """name -> cloud assembly directory of each variant, synthesized by ``npx cdk synth --output``."""
    root = tmp_path_factory.mktemp("cdk-out")
    return {name: str(synth(root / name, context)) for name, context in VARIANTS.items()}
