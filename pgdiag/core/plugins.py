"""Catalogues found by scanning a package: one module per entry (a check, a migration rule), no list to keep."""

from __future__ import annotations

import importlib
import pkgutil
from typing import Iterable, TypeVar

T = TypeVar("T", bound=type)


def discover(package: str, path: Iterable[str], base: T) -> dict[str, T]:
    """Every subclass of `base` defined in a public module of `package`, by its ``id``, in module name order.

    Modules and packages whose names start with ``_`` hold shared helpers, not entries, and are not imported."""
    found: dict[str, T] = {}
    for module_info in sorted(pkgutil.iter_modules(path), key=lambda m: m.name):
        if module_info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{package}.{module_info.name}")
        for value in vars(module).values():
            if isinstance(value, type) and issubclass(value, base) and value is not base \
                    and value.__module__ == module.__name__:
                found[value.id] = value
    return found
