"""The migration rules: one module per rule in this package, found by scanning it (like ``pgdiag.checks``)."""

from __future__ import annotations

from functools import cache

from pgdiag.core.plugins import discover
from pgdiag.lint.rules.base import Rule


@cache
def registry() -> dict[str, type[Rule]]:
    """Every rule class by id, in module name order."""
    return discover(__name__, __path__, Rule)
