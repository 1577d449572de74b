"""The examples in the handler's docstrings run and give what they show."""

import doctest
import importlib

import pytest

MODULES = ["errors", "properties", "diff", "response", "lifecycle", "timing"]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples_hold(name):
    module = importlib.import_module(f"pool_settings_handler.{name}")
    result = doctest.testmod(module)
    assert result.attempted > 0
    assert result.failed == 0
