"""Plan insights (DESIGN §5): checks over one plan tree, each a ``plan_*`` finding that points at a node; one
class per insight in the modules of this package, found by scanning it (`registry`)."""

from __future__ import annotations

from functools import cache

from pgdiag.core.plugins import discover
from pgdiag.explain.insights.base import Insight, InsightContext, run_insights

__all__ = ["Insight", "InsightContext", "registry", "run_insights"]


@cache
def registry() -> dict[str, type[Insight]]:
    """Every insight class by id, in module name order."""
    return discover(__name__, __path__, Insight)
