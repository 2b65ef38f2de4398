"""How rows are reached: index-only scans that still visit the table, parallel workers that never came."""

from __future__ import annotations

from typing import Iterator

from pgdiag.core.findings import Finding
from pgdiag.core.sqltext import qualified
from pgdiag.explain.insights.base import InsightContext, insight, level, pretty_rows


@insight("plan_heap_fetches", levels=(10.0, 50.0), min_fetches=100)
def heap_fetches(context: InsightContext, levels: tuple[float, ...], min_fetches: int) -> Iterator[Finding]:
    """An index-only scan still fetched rows from the table (``Heap Fetches``).

    Fires when heap fetches are at least ``min_fetches`` and more than 10 % of the rows returned
    (PostgreSQL reports the total over all loops); low above 10 %, medium above 50 %. An index-only
    scan can skip the table only for pages the visibility map marks all-visible, which VACUUM
    maintains; a table that is written often and vacuumed rarely loses the benefit.
    """
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


@insight("plan_workers_not_launched")
def workers_not_launched(context: InsightContext) -> Iterator[Finding]:
    """Parallel workers were planned but fewer (or none) were launched.

    Fires for a Gather or Gather Merge with ``Workers Launched`` below ``Workers Planned``; low when
    some were launched, medium when none were. The plan's cost assumed the work would be shared;
    without the workers the leader does it all. Workers come from ``max_parallel_workers`` (and
    ``max_worker_processes``), shared by every session.
    """
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
