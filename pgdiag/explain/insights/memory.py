"""Memory: sorts and hashes that spill to disk, bitmaps that turn lossy, all for want of work_mem."""

from __future__ import annotations

from typing import Any, ClassVar, Iterator

from pgdiag.core.findings import Finding
from pgdiag.explain.insights.base import Insight, InsightContext
from pgdiag.explain.plan import PlanNode

BLOCK_KB = 8
HASH_ACTION = ("Give this statement more memory (SET LOCAL work_mem, or hash_mem_multiplier for hashes), or reduce "
               "the rows it hashes (filter earlier, select fewer columns).")


class SortSpill(Insight):
    """A sort did not fit in work_mem and spilled to disk (``Sort Method: external merge``).

    Fires for a Sort or Incremental Sort that used disk, in the leader or any parallel worker;
    medium. Sorting on disk writes and reads the whole input again; more work_mem for this
    statement, or an index that returns the rows already in order, avoids it.
    """

    id: ClassVar[str] = "plan_sort_spill"

    def run(self, context: InsightContext, settings: Any) -> Iterator[Finding]:
        """This insight's findings in `context`'s plan."""
        for node in context.plan.nodes:
            if node.node_type not in ("Sort", "Incremental Sort"):
                continue
            spilled_kb = _sort_disk_kb(node)
            if spilled_kb is None:
                continue
            method = node.raw.get("Sort Method") or "external"
            yield context.finding(
                "plan_sort_spill", "medium", node,
                title=f"{node.label()} spills to disk ({method}, {_size(spilled_kb)}{_work_mem(context)})",
                why=f"The rows to sort did not fit in work_mem, so PostgreSQL wrote {_size(spilled_kb)} to temporary "
                    "files and read them back.",
                action=f"Give this statement more memory (SET LOCAL work_mem = '{_suggest(spilled_kb)}' in its "
                       "transaction), or add an index that returns the rows already sorted.",
                evidence={"sort_method": method, "disk_kb": spilled_kb, "work_mem": context.work_mem,
                          "temp_written_blocks": node.raw.get("Temp Written Blocks")})


class HashBatches(Insight):
    """A hash table did not fit in work_mem and was split into batches on disk.

    Fires for a Hash node with ``Hash Batches`` above 1 and for a HashAggregate that spilled
    (``HashAgg Batches`` above 1 or ``Disk Usage``); medium. Each extra batch writes part of both
    inputs to temporary files and reads them back.
    """

    id: ClassVar[str] = "plan_hash_batches"

    def run(self, context: InsightContext, settings: Any) -> Iterator[Finding]:
        """This insight's findings in `context`'s plan."""
        for node in context.plan.nodes:
            if node.node_type == "Hash":
                batches = int(node.raw.get("Hash Batches") or 1)
                if batches <= 1:
                    continue
                original = int(node.raw.get("Original Hash Batches") or batches)
                grew = f" (planned {original})" if original != batches else ""
                yield context.finding(
                    "plan_hash_batches", "medium", node,
                    title=f"{node.label()} uses {batches} batches{grew}{_work_mem(context)}",
                    why=f"The hash table was too big for work_mem, so the join ran in {batches} passes over temporary "
                        "files instead of one in memory.",
                    action=HASH_ACTION,
                    evidence={"hash_batches": batches, "original_hash_batches": original,
                              "peak_memory_kb": node.raw.get("Peak Memory Usage"), "work_mem": context.work_mem})
            elif node.node_type == "Aggregate" and node.raw.get("Strategy") in ("Hashed", "Mixed"):
                batches = int(node.raw.get("HashAgg Batches") or 0)
                disk_kb = float(node.raw.get("Disk Usage") or 0)
                if batches <= 1 and disk_kb <= 0:
                    continue
                yield context.finding(
                    "plan_hash_batches", "medium", node,
                    title=f"{node.label()} spills to disk ({batches} batches, {_size(disk_kb)}{_work_mem(context)})",
                    why="The groups did not fit in work_mem × hash_mem_multiplier, so PostgreSQL wrote part of them to "
                        "temporary files and aggregated them in several passes.",
                    action=HASH_ACTION,
                    evidence={"hashagg_batches": batches, "disk_kb": disk_kb, "work_mem": context.work_mem})


class LossyBitmap(Insight):
    """A bitmap heap scan went lossy: it kept whole pages instead of row positions and re-checked every row.

    Fires when ``Lossy Heap Blocks`` is above 0; low, medium when lossy blocks are at least as many
    as exact ones. The bitmap outgrew work_mem, so each lossy page's rows are all re-checked
    against the condition (``Rows Removed by Index Recheck``).
    """

    id: ClassVar[str] = "plan_lossy_bitmap"

    def run(self, context: InsightContext, settings: Any) -> Iterator[Finding]:
        """This insight's findings in `context`'s plan."""
        for node in context.plan.nodes:
            lossy = int(node.raw.get("Lossy Heap Blocks") or 0)
            if node.node_type != "Bitmap Heap Scan" or lossy <= 0:
                continue
            exact = int(node.raw.get("Exact Heap Blocks") or 0)
            rechecked = node.raw.get("Rows Removed by Index Recheck")
            yield context.finding(
                "plan_lossy_bitmap", "medium" if lossy >= exact else "low", node,
                title=f"{node.label()} is lossy on {lossy:,} of {lossy + exact:,} pages{_work_mem(context)}",
                why="The bitmap of matching rows outgrew work_mem, so PostgreSQL remembered whole pages and re-checked "
                    f"every row on them{f' (and discarded {rechecked:,})' if isinstance(rechecked, int) else ''}.",
                action="Raise work_mem for this statement, or make the condition more selective (a better index).",
                evidence={"lossy_heap_blocks": lossy, "exact_heap_blocks": exact,
                          "rows_removed_by_recheck": rechecked, "work_mem": context.work_mem})

def _sort_disk_kb(node: PlanNode) -> float | None:
    """Disk space a sort used (leader, workers, incremental sort groups), None when it stayed in memory."""
    used: list[float] = []
    for part in [node.raw, *(node.raw.get("Workers") or [])]:
        if part.get("Sort Space Type") == "Disk" or str(part.get("Sort Method", "")).startswith("external"):
            used.append(float(part.get("Sort Space Used") or 0))
        for groups_key in ("Full-sort Groups", "Pre-sorted Groups"):
            disk = (part.get(groups_key) or {}).get("Sort Space Disk")
            if disk:
                used.append(float(disk.get("Peak Sort Space Used") or 0))
    if not used:
        return None
    return max(used) or float(node.raw.get("Temp Written Blocks") or 0) * BLOCK_KB


def _work_mem(context: InsightContext) -> str:
    """``, work_mem 4MB`` when known."""
    return f", work_mem {context.work_mem}" if context.work_mem else ""


def _size(kb: Any) -> str:
    """Kilobytes for a sentence: ``512 kB``, ``13.3 MB``.

    >>> _size(512), _size(13_600)
    ('512 kB', '13.3 MB')
    """
    kb = float(kb)
    return f"{kb / 1024:.1f} MB" if kb >= 1024 else f"{kb:.0f} kB"


def _suggest(spilled_kb: float) -> str:
    """A work_mem that should hold the sort in memory: about twice what it wrote to disk, in whole MB.

    >>> _suggest(13_600), _suggest(100)
    ('27MB', '1MB')
    """
    return f"{max(1, round(2 * spilled_kb / 1024))}MB"
