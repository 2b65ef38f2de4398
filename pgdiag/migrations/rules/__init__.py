"""The migration rules: one module per rule in this package, found by scanning it (like ``pgdiag.checks``)."""

from __future__ import annotations

import importlib
import pkgutil
from functools import cache

from pgdiag.migrations.rules.base import Rule

_NOT_RULES = {"base"}


@cache
def registry() -> dict[str, type[Rule]]:
    """Every rule class by id, in module name order."""
    found: dict[str, type[Rule]] = {}
    for module_info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        if module_info.name in _NOT_RULES:
            continue
        module = importlib.import_module(f"{__name__}.{module_info.name}")
        for value in vars(module).values():
            if isinstance(value, type) and issubclass(value, Rule) and value is not Rule \
                    and value.__module__ == module.__name__:
                found[value.id] = value
    return found
