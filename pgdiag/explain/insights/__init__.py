"""Plan insights (DESIGN §5): checks over one plan tree, each a ``plan_*`` finding that points at a node.

Importing the package registers every insight; `run_insights` runs them all.
"""

from pgdiag.explain.insights import access, memory, rows, tenant, timing  # noqa: F401  (registers them)
from pgdiag.explain.insights.base import INSIGHTS, Insight, InsightContext, run_insights

__all__ = ["INSIGHTS", "Insight", "InsightContext", "run_insights"]
