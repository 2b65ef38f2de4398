"""table_bloat: tables full of dead rows, or with far more pages than their live rows need."""

from __future__ import annotations

from typing import Any, ClassVar, Iterable

import numpy as np
import pandas as pd

from pgdiag.checks._support.catalog import count, iso_time
from pgdiag.checks.base import Check, Threshold
from pgdiag.core.findings import Finding, ObjectRef
from pgdiag.core.snapshot import Snapshot
from pgdiag.core.sqltext import qualified

DEFAULT_BLOCK_SIZE = 8192
PAGE_HEADER_BYTES = 24
TUPLE_OVERHEAD_BYTES = 24 + 4  # heap tuple header (23 bytes, aligned) + line pointer


class TableBloat(Check):
    """Table with many dead rows or with many more pages than its live rows need.

    **Problem**

    Either of two signs, for ordinary tables and materialized views:

    * *Dead rows*: ``n_dead_tup`` is at least ``dead_percent`` % of live + dead rows and at least
      ``min_dead_rows``. (Auto)vacuum has not caught up: it is disabled for the table, blocked by a
      long transaction or replication slot, or too slow for the write rate.
    * *Page bloat*: at least ``bloat_percent`` % of the table's pages are more than its live rows
      need. The estimate compares ``pg_class.relpages`` with
      ``ceil(reltuples × (avg row width + 28) / ((block size − 24) × fillfactor / 100))``: the row
      width is the sum of the columns' ``pg_stats.avg_width``, 28 bytes are the heap tuple header
      (23, aligned to 24) plus the 4-byte line pointer, 24 bytes the page header. Alignment padding
      inside rows is not counted, so a healthy table can show up to 20–25 % here when narrow and
      wide columns alternate; that is why the default threshold is high. It is only made for tables that were analysed (row width known), have at
      least ``min_pages`` pages and whose size was read.

    Severity is medium, high when the wasted space is at least ``high_waste_mb`` MB (dead-row share of the
    table's size, or the excess pages).

    **Why it matters**

    Dead rows and empty space are still read by sequential scans and kept in shared buffers and
    backups; queries get slower and the table keeps growing. Plain ``VACUUM`` makes the space
    reusable for new rows of the same table but gives it back to the operating system only when
    it lies at the end of the table.

    **Fix**

    For dead rows, vacuum now and find out why autovacuum did not::

        VACUUM (VERBOSE, ANALYZE) public.t;

    For page bloat, rewrite the table: ``pg_repack --table=public.t`` does it online;
    ``VACUUM (FULL, VERBOSE, ANALYZE) public.t;`` holds an ``ACCESS EXCLUSIVE`` lock (no reads,
    no writes) for the whole rewrite and needs room for a second copy of the table.
    """

    id: ClassVar[str] = "table_bloat"
    thresholds: ClassVar[dict[str, Threshold]] = {
        "dead_percent": Threshold(20, "dead rows as a percentage of live + dead rows"),
        "min_dead_rows": Threshold(10_000, "fewest dead rows worth reporting"),
        "bloat_percent": Threshold(50, "estimated percentage of the table's pages its live rows do not need"),
        "min_pages": Threshold(128, "smallest table, in pages, whose page bloat is estimated"),
        "high_waste_mb": Threshold(1024, "wasted space, in MB, from which a finding is high"),
    }
    requires: ClassVar[tuple[str, ...]] = ("tables",)

    def run(self, snapshot: Snapshot, settings: Any) -> Iterable[Finding]:
        """One finding per table where either sign shows, dead rows taking precedence in the fix."""
        tables = snapshot.frame("tables")
        if tables.empty:
            return
        tables = tables[tables["kind"].isin(["r", "m"])]
        block_size = _block_size(snapshot)
        live = tables["n_live_tup"].fillna(0)
        dead = tables["n_dead_tup"].fillna(0)
        dead_pct = 100 * dead / (live + dead).where(live + dead > 0)
        dead_rule = (dead >= settings.min_dead_rows) & (dead_pct >= settings.dead_percent)

        usable = (block_size - PAGE_HEADER_BYTES) * tables["fillfactor"] / 100
        expected = np.ceil(tables["reltuples"].clip(lower=0) * (tables["stats_row_width"] + TUPLE_OVERHEAD_BYTES)
                           / usable)
        estimable = (tables["stats_row_width"].notna() & (tables["reltuples"] >= 0)
                     & (tables["relpages"] >= settings.min_pages) & tables["table_bytes"].notna())
        bloat_pct = (100 * (tables["relpages"] - expected) / tables["relpages"]).where(estimable)
        page_rule = bloat_pct >= settings.bloat_percent

        fired = tables.assign(dead_pct=dead_pct, expected_pages=expected, bloat_pct=bloat_pct,
                              dead_rule=dead_rule, page_rule=page_rule)[dead_rule | page_rule]
        for row in fired.to_dict("records"):
            yield _finding(row, block_size, settings)


def _block_size(snapshot: Snapshot) -> int:
    """The server's page size from the settings frame, 8192 when it was not collected."""
    value = snapshot.setting("block_size")
    return int(value) if value is not None else DEFAULT_BLOCK_SIZE


def _finding(row: dict[str, Any], block_size: int, settings: Any) -> Finding:
    """The finding for one bloated table: vacuum for dead rows, a rewrite for page bloat."""
    name = qualified(row["schema"], row["table"])
    dead_rule, page_rule = bool(row["dead_rule"]), bool(row["page_rule"])
    dead, live = count(row["n_dead_tup"]) or 0, count(row["n_live_tup"]) or 0
    table_bytes = count(row["table_bytes"])
    heap_bytes = table_bytes if table_bytes is not None else int(row["relpages"]) * block_size
    excess_pages = int(row["relpages"] - row["expected_pages"]) if page_rule else 0
    waste = max(int(heap_bytes * row["dead_pct"] / 100) if dead_rule else 0, excess_pages * block_size)
    rewrite = (f"pg_repack (pg_repack --table={name}) rewrites the table online; VACUUM FULL rewrites it "
               "holding an ACCESS EXCLUSIVE lock that blocks all reads and writes until it is done")
    if dead_rule:
        title = f"{name} has {dead:,} dead rows ({row['dead_pct']:.0f} % of its rows)"
        fix_sql = f"VACUUM (VERBOSE, ANALYZE) {name};"
        recommendation = (f"Vacuum {name} now and find out why autovacuum fell behind (autovacuum disabled on "
                          "the table, a long-running transaction or an old replication slot holding back "
                          "cleanup, or too little autovacuum throughput).")
        if page_rule:
            recommendation += f" Its pages stay allocated after VACUUM; to give them back, {rewrite}."
    else:
        title = (f"{name} is about {row['bloat_pct']:.0f} % bloat: {int(row['relpages']):,} pages where its live "
                 f"rows need about {int(row['expected_pages']):,}")
        fix_sql = f"VACUUM (FULL, VERBOSE, ANALYZE) {name};"
        recommendation = f"Rewrite {name} to give the space back: {rewrite}."
    evidence: dict[str, Any] = {
        "n_live_tup": live, "n_dead_tup": dead,
        "dead_percent": None if pd.isna(row["dead_pct"]) else round(float(row["dead_pct"]), 1),
        "table_bytes": table_bytes, "estimated_waste_bytes": waste,
        "last_vacuum": iso_time(row["last_vacuum"]), "last_autovacuum": iso_time(row["last_autovacuum"]),
    }
    if not pd.isna(row["bloat_pct"]):
        evidence.update({
            "bloat_percent": round(float(row["bloat_pct"]), 1), "relpages": int(row["relpages"]),
            "expected_pages": int(row["expected_pages"]), "reltuples": int(row["reltuples"]),
            "row_bytes": int(row["stats_row_width"]) + TUPLE_OVERHEAD_BYTES, "fillfactor": int(row["fillfactor"]),
            "estimate": (f"expected_pages = ceil(reltuples × row_bytes / (({block_size} − {PAGE_HEADER_BYTES}) "
                         "× fillfactor / 100)); row_bytes = sum of pg_stats.avg_width + 28 (tuple header and "
                         "line pointer); alignment padding is not counted"),
        })
    return Finding(
        check=TableBloat.id,
        severity="high" if waste >= settings.high_waste_mb * 2**20 else "medium",
        title=title,
        object=ObjectRef(schema=row["schema"], table=row["table"]),
        recommendation=recommendation,
        evidence=evidence,
        fix_sql=fix_sql,
    )
