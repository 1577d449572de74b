"""Fixtures of the driver's own tests: the test handlers of ``cr_handlers.py``."""

from __future__ import annotations

from pathlib import Path

import pytest
from sms_pool_settings_local.offline_env import isolate

# Dummy credentials, one region, no AWS configuration: as tests/conftest.py does for the product's tests
# (this directory is also run on its own).
isolate()

HERE = Path(__file__).resolve().parent


@pytest.fixture
def handlers(monkeypatch):
    """``cr_handlers`` (the test handlers a template names in ``Handler``), importable and reset."""
    monkeypatch.syspath_prepend(str(HERE))
    import cr_handlers

    cr_handlers.reset()
    return cr_handlers
