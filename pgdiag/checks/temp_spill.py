"""temp_spill: statements whose sorts or hashes spill to temporary files, with the work_mem that would fit them."""

from __future__ import annotations

import math
from typing import Any, ClassVar, Iterable

from pgdiag.core.lazy import pandas as pd

from pgdiag.checks._support.sessions import setting
from pgdiag.checks.base import Check, Threshold
from pgdiag.core.findings import Finding, ObjectRef, QueryRef
from pgdiag.core.snapshot import Snapshot
from pgdiag.core.sqltext import quote_ident
from pgdiag.sql.workload import HIDDEN_TEXT

MIB = 1 << 20
MEMORY_PER_SPILLED_BYTE = 2
"""An in-memory sort or hash needs roughly twice what it writes to disk (tuple headers, pointers, the
sort's own array): the work_mem suggested is that, rounded up to a power of two."""
TITLE_TEXT_CHARS = 80


class TempSpill(Check):
    """Statement that writes temporary files: its sorts or hashes do not fit in work_mem.

    **Problem**

    A statement (pg_stat_statements, this database) writes at least ``min_temp_mb_per_call`` MiB
    of temporary files per call on average, over at least ``min_calls`` calls: a sort, hash,
    hash aggregate or materialise node ran out of ``work_mem`` and spilled to disk. The finding
    gives the ``work_mem`` that would likely fit it: about twice the spilled size, rounded up to
    a power of two (an in-memory sort needs more than its compact on-disk form).

    Severity is high from ``high_temp_mb_per_call`` MiB per call, medium below.

    **Why it matters**

    A spilling sort reads and writes its data several times through temporary files: it is often
    ten times slower than in memory and competes with the rest of the server for I/O. Temporary
    files can also fill the disk (``temp_file_limit`` caps them per session).

    **Fix**

    Give the statement (not the whole server: ``work_mem`` is per sort or hash node, per
    session, per parallel worker) the memory it needs::

        BEGIN;
        SET LOCAL work_mem = '64MB';
        SELECT …;
        COMMIT;

    or for a role that runs such reports: ``ALTER ROLE reporting SET work_mem = '64MB';``. Better
    still, avoid the sort: an index in the ``ORDER BY`` order, fewer columns, or a ``LIMIT``.
    """

    id: ClassVar[str] = "temp_spill"
    thresholds: ClassVar[dict[str, Threshold]] = {
        "min_temp_mb_per_call": Threshold(4, "MiB of temporary files written per call, on average"),
        "min_calls": Threshold(10, "calls a statement needs before it is judged"),
        "high_temp_mb_per_call": Threshold(256, "MiB per call from which a finding is high"),
    }
    requires: ClassVar[tuple[str, ...]] = ("statements", "settings")

    def run(self, snapshot: Snapshot, settings: Any) -> Iterable[Finding]:
        """One finding per spilling statement, the most temporary data per call first."""
        statements = snapshot.frame("statements")
        if statements.empty:
            return
        visible = statements[statements["query"].notna() & (statements["query"] != HIDDEN_TEXT)]
        if visible.empty:
            return
        block_size = int(setting(snapshot, "block_size") or 8192)
        spilled = visible[visible["temp_blks_written"] > 0]
        if spilled.empty:
            return
        grouped = spilled.groupby(["dbid", "queryid"], dropna=False, sort=False).agg(
            query=("query", "first"), calls=("calls", "sum"), temp_blks_written=("temp_blks_written", "sum"),
            total_exec_time=("total_exec_time", "sum"))
        per_call = grouped["temp_blks_written"] * block_size / grouped["calls"].where(grouped["calls"] > 0) / MIB
        fired = grouped.assign(mb_per_call=per_call)[(per_call >= settings.min_temp_mb_per_call)
                                                     & (grouped["calls"] >= settings.min_calls)]
        work_mem = setting(snapshot, "work_mem")
        for row in fired.sort_values("mb_per_call", ascending=False).reset_index().to_dict("records"):
            entries = spilled[(spilled["dbid"] == row["dbid"]) & (spilled["queryid"] == row["queryid"])]
            yield _finding({**row, "roles": _names(entries["username"])}, work_mem, settings)


def _names(values: pd.Series) -> list[str]:
    """The distinct role names of a statement's entries."""
    return sorted({str(v) for v in values if isinstance(v, str)})


def fitting_work_mem(spilled_bytes: float) -> int:
    """The work_mem, in MiB, that would likely hold a sort or hash that spilled `spilled_bytes`.

    >>> fitting_work_mem(3 * MIB), fitting_work_mem(100 * MIB)
    (8, 256)
    """
    needed = max(spilled_bytes * MEMORY_PER_SPILLED_BYTE / MIB, 1)
    return 2 ** math.ceil(math.log2(needed))


def _finding(row: dict[str, Any], work_mem_kb: str | None, settings: Any) -> Finding:
    """The finding for one statement: per-statement SET LOCAL, or per role."""
    queryid = None if pd.isna(row["queryid"]) else str(row["queryid"])
    mb = float(row["mb_per_call"])
    suggested = fitting_work_mem(mb * MIB)
    current = f"{int(work_mem_kb) // 1024} MB" if work_mem_kb and int(work_mem_kb) >= 1024 else f"{work_mem_kb} kB"
    text = " ".join(str(row["query"]).split())
    snippet = text if len(text) <= TITLE_TEXT_CHARS else text[:TITLE_TEXT_CHARS - 1] + "…"
    roles = list(row["roles"])
    role_fix = f"ALTER ROLE {quote_ident(roles[0])} SET work_mem = '{suggested}MB';" if len(roles) == 1 else None
    calls = int(row["calls"])
    total = float(row["total_exec_time"])
    return Finding(
        check=TempSpill.id,
        severity="high" if mb >= settings.high_temp_mb_per_call else "medium",
        title=f"Writes {mb:,.1f} MiB of temporary files per call (work_mem {current}): {snippet}",
        object=ObjectRef(),
        query=QueryRef(queryid=queryid, text=str(row["query"]), calls=calls, total_ms=round(total, 3),
                       mean_ms=round(total / calls, 3) if calls else None),
        recommendation=(f"Run it with SET LOCAL work_mem = '{suggested}MB' inside its transaction"
                        + (f", or for its role: {role_fix}" if role_fix else "")
                        + ". Raise work_mem server-wide only with care: every sort or hash of every session may "
                          "use that much. An index in the ORDER BY order or a LIMIT may avoid the sort altogether."),
        evidence={"temp_mb_per_call": round(mb, 2), "temp_blks_written": int(row["temp_blks_written"]),
                  "calls": calls, "work_mem_kb": int(work_mem_kb) if work_mem_kb else None,
                  "suggested_work_mem_mb": suggested, "roles": roles},
        fix_sql=f"SET LOCAL work_mem = '{suggested}MB';",
    )
