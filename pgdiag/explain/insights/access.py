"""How rows are reached: index-only scans that still visit the table, parallel workers that never came."""

from __future__ import annotations

from typing import Any, ClassVar, Iterator

from pgdiag.core.findings import Finding
from pgdiag.core.sqltext import qualified
from pgdiag.explain.insights.base import Insight, InsightContext, Threshold, level, pretty_rows


class HeapFetches(Insight):
    """An index-only scan still fetched rows from the table (``Heap Fetches``).

    Fires when heap fetches are at least ``min_fetches`` and more than ``low_percent`` % of the rows
    returned (PostgreSQL reports the total over all loops); low above ``low_percent`` %, medium above
    ``medium_percent`` %. An index-only
    scan can skip the table only for pages the visibility map marks all-visible, which VACUUM
    maintains; a table that is written often and vacuumed rarely loses the benefit.
    """

    id: ClassVar[str] = "plan_heap_fetches"
    thresholds: ClassVar[dict[str, Threshold]] = {
        "low_percent": Threshold(10.0, "low above this % of the rows returned that were fetched from the table"),
        "medium_percent": Threshold(50.0, "medium above this % of the rows returned that were fetched from the table"),
        "min_fetches": Threshold(100, "fewest heap fetches worth reporting"),
    }

    def run(self, context: InsightContext, settings: Any) -> Iterator[Finding]:
        """This insight's findings in `context`'s plan."""
        levels = (settings.low_percent, settings.medium_percent)
        min_fetches = settings.min_fetches
        for node in context.plan.nodes:
            fetches = float(node.raw.get("Heap Fetches") or 0)
            if node.node_type != "Index Only Scan" or fetches < min_fetches:
                continue
            percent = 100.0 * fetches / max(node.rows_total, 1.0)
            severity = level(min(percent, 100.0), levels)
            if severity is None:
                continue
            table = node.relation or "the table"
            yield context.finding(
                "plan_heap_fetches", severity, node,
                title=f"{node.label()} fetched {pretty_rows(fetches)} rows from the table ({min(percent, 100):.0f} % "
                      "of the rows it returned)",
                why=f"The index holds every column the query needs, but pages of {table} not marked all-visible "
                    "must still be read to check each row's visibility.",
                action=f"VACUUM {table} (and let autovacuum run more often on it) so the visibility map is current.",
                evidence={"heap_fetches": fetches, "rows": node.rows_total, "fetch_percent": round(min(percent, 100), 1)},
                fix_sql=f"VACUUM {qualified(context.schemas.get(node.relation), node.relation)};" if node.relation else None)


class WorkersNotLaunched(Insight):
    """Parallel workers were planned but fewer (or none) were launched.

    Fires for a Gather or Gather Merge with ``Workers Launched`` below ``Workers Planned``; low when
    some were launched, medium when none were. The plan's cost assumed the work would be shared;
    without the workers the leader does it all. Workers come from ``max_parallel_workers`` (and
    ``max_worker_processes``), shared by every session.
    """

    id: ClassVar[str] = "plan_workers_not_launched"

    def run(self, context: InsightContext, settings: Any) -> Iterator[Finding]:
        """This insight's findings in `context`'s plan."""
        for node in context.plan.nodes:
            if node.node_type not in ("Gather", "Gather Merge") or "Workers Launched" not in node.raw:
                continue
            planned, launched = int(node.raw.get("Workers Planned") or 0), int(node.raw["Workers Launched"])
            if launched >= planned:
                continue
            yield context.finding(
                "plan_workers_not_launched", "medium" if launched == 0 else "low", node,
                title=f"{node.label()} launched {launched} of {planned} planned parallel workers",
                why="The planner counted on parallel workers to share the work, but the server had none free, so "
                    "fewer processes did all of it.",
                action="Raise max_parallel_workers (and max_worker_processes, which needs a restart) or run fewer "
                       "parallel queries at once.",
                evidence={"workers_planned": planned, "workers_launched": launched})