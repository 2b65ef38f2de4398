"""The doctests in pgdiag's modules are part of the suite: every module that has examples is run."""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

import pgdiag


def modules_with_examples() -> list[str]:
    """Names of pgdiag modules whose docstrings contain doctest examples."""
    finder = doctest.DocTestFinder()
    names = []
    for info in pkgutil.walk_packages(pgdiag.__path__, prefix="pgdiag."):
        if info.name.endswith(".__main__"):  # importing it runs the command line
            continue
        module = importlib.import_module(info.name)
        if any(test.examples for test in finder.find(module)):
            names.append(info.name)
    return names


MODULES = modules_with_examples()


def test_known_doctest_modules_are_found() -> None:
    """Discovery works: the modules known to carry examples are among those found."""
    assert {"pgdiag.core.sqltext", "pgdiag.db.queries", "pgdiag.demo.script"} <= set(MODULES)


@pytest.mark.parametrize("name", MODULES)
def test_module_doctests(name: str) -> None:
    """Every example in the module's docstrings gives the output shown."""
    result = doctest.testmod(importlib.import_module(name))
    assert result.attempted > 0 and result.failed == 0
