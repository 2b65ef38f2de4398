"""What the explain renderers show of a plan node besides its name: badges for its findings, its details.

Shared by the terminal and HTML renderers so both say the same thing the same way.
"""

from __future__ import annotations

from typing import Any, Callable

from pgdiag.core.findings import Finding, severity_rank
from pgdiag.explain.plan import PlanNode

Badge = tuple[str, str]
"""(text, severity) of one badge."""

# Short badge text per check, from the finding's evidence (a node's time share shows as its bar instead).
_BADGES: dict[str, Callable[[dict[str, Any]], str]] = {
    "plan_misestimate": lambda e: f"rows ×{e.get('factor', 0):,.0f} {e.get('direction', '')}",
    "plan_rows_removed": lambda e: f"filter −{e.get('removed_percent', 0):.0f}%",
    "plan_sort_spill": lambda e: "disk sort",
    "plan_hash_batches": lambda e: "hash on disk",
    "plan_lossy_bitmap": lambda e: "lossy bitmap",
    "plan_heap_fetches": lambda e: "heap fetches",
    "plan_workers_not_launched": lambda e: f"workers {e.get('workers_launched')}/{e.get('workers_planned')}",
    "plan_nested_loop": lambda e: f"{e.get('inner_loops', 0):,} loops",
    "plan_tenant_unfiltered": lambda e: "no tenant filter",
    "missing_index": lambda e: "index fix",
}
DETAIL_KEYS = (
    "Join Type", "Index Cond", "Recheck Cond", "Hash Cond", "Merge Cond", "Join Filter",
    "Filter", "One-Time Filter", "Rows Removed by Filter", "Rows Removed by Join Filter",
    "Rows Removed by Index Recheck", "Sort Key", "Presorted Key", "Group Key", "Sort Method", "Sort Space Used",
    "Sort Space Type", "Hash Buckets", "Hash Batches", "Original Hash Batches", "Peak Memory Usage",
    "HashAgg Batches", "Disk Usage", "Heap Fetches", "Exact Heap Blocks", "Lossy Heap Blocks",
    "Workers Planned", "Workers Launched",
)
UNITS = {"Sort Space Used": " kB", "Peak Memory Usage": " kB", "Disk Usage": " kB"}


def badges_by_node(findings: list[Finding]) -> dict[int, list[Badge]]:
    """The badges to show on each node id: one per finding that points at the node, worst first."""
    found: dict[int, list[tuple[int, Badge]]] = {}
    for finding in findings:
        evidence = finding.evidence or {}
        node = evidence.get("node")
        badge = _BADGES.get(finding.check)
        if isinstance(node, int) and badge is not None:
            found.setdefault(node, []).append((severity_rank(finding.severity), (badge(evidence), finding.severity)))
    return {node: [badge for _, badge in sorted(items, key=lambda item: item[0])] for node, items in found.items()}


def node_details(node: PlanNode) -> list[tuple[str, str]]:
    """The node's conditions, keys and memory figures worth reading, as (name, text) pairs."""
    details = []
    for key in DETAIL_KEYS:
        value = node.raw.get(key)
        if value is None or value == "" or value == []:
            continue
        text = ", ".join(map(str, value)) if isinstance(value, list) else str(value)
        details.append((key, text + UNITS.get(key, "")))
    buffers = buffers_text(node)
    if buffers:
        details.append(("Own buffers", buffers))
    return details


def buffers_text(node: PlanNode) -> str:
    """``shared hit 12 read 3 · temp written 40``: the node's own blocks, children excluded (empty when none
    or without ANALYZE)."""
    own = node.own_buffers
    parts = []
    shared = [(word, own.get(f"Shared {word.title()} Blocks", 0)) for word in ("hit", "read")]
    if any(v for _, v in shared):
        parts.append("shared " + " ".join(f"{word} {value:,.0f}" for word, value in shared if value))
    temp = [(word, own.get(f"Temp {word.title()} Blocks", 0)) for word in ("read", "written")]
    if any(v for _, v in temp):
        parts.append("temp " + " ".join(f"{word} {value:,.0f}" for word, value in temp if value))
    return " · ".join(parts)


def rows_text(node: PlanNode) -> str:
    """``rows 20 of est. 1,000 ×5 loops`` — actual against estimated, per loop."""
    if node.rows_actual is None:
        return f"est. rows {node.rows_planned:,.0f}"
    if not node.loops:
        return "never executed"
    actual = f"{node.rows_actual:,.0f}" if node.rows_actual >= 10 or node.rows_actual == int(node.rows_actual) \
        else f"{node.rows_actual:,.2f}"
    loops = f" × {node.loops:,} loops" if node.loops > 1 else ""
    return f"rows {actual} of est. {node.rows_planned:,.0f}{loops}"
