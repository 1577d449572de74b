"""Fixtures of the driver's own tests: the test handlers of ``cr_handlers.py``."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from sms_pool_settings_local.offline_env import isolate

# Dummy credentials, one region, no AWS configuration: as tests/conftest.py does for the product's tests
# (this directory is also run on its own).
isolate()

HERE = Path(__file__).resolve().parent


@pytest.fixture(autouse=True)
def _no_endpoint_another_test_left(monkeypatch):
    """Every test starts without ``AWS_ENDPOINT_URL_<SERVICE>``: a variable set by a fixture of another
    directory for its whole session would be taken for the user's own endpoint (the driver then starts
    no stand-in of its own). A test that wants one sets it itself."""
    for name in [k for k in os.environ if k.startswith("AWS_ENDPOINT_URL")]:
        monkeypatch.delenv(name)


@pytest.fixture
def handlers(monkeypatch):
    """``cr_handlers`` (the test handlers a template names in ``Handler``), importable and reset."""
    monkeypatch.syspath_prepend(str(HERE))
    import cr_handlers

    cr_handlers.reset()
    return cr_handlers
