"""The migration rules: one module per rule in this package, found by scanning it (like ``pgdiag.checks``)."""

from __future__ import annotations

from functools import cache

from pgdiag.migrations.rules.base import Rule
from pgdiag.plugins import discover

_NOT_RULES = {"base"}


@cache
def registry() -> dict[str, type[Rule]]:
    """Every rule class by id, in module name order."""
    return discover(__name__, __path__, Rule, _NOT_RULES)
