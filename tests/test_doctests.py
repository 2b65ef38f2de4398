"""The doctests in pgdiag's modules are part of the suite."""

import doctest
import importlib

import pytest

MODULES = ["pgdiag.sqltext", "pgdiag.queries"]


@pytest.mark.parametrize("name", MODULES)
def test_module_doctests(name: str) -> None:
    result = doctest.testmod(importlib.import_module(name))
    assert result.attempted > 0 and result.failed == 0
