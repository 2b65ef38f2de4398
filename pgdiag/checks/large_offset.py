"""large_offset: OFFSET pagination that makes the server read and discard thousands of rows per page."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar, Iterable

from pgdiag.advice.access import table_accesses
from pgdiag.advice.candidates import candidate_for, covered, index_leads
from pgdiag.advice.statistics import statistics
from pgdiag.checks._support.workload import outer_block, query_ref
from pgdiag.checks.base import Check, Threshold
from pgdiag.core.findings import Finding, ObjectRef
from pgdiag.core.snapshot import Snapshot
from pgdiag.core.sqltext import qualified
from pgdiag.prisma import is_prisma_database
from pgdiag.sql.workload import WorkloadStatement, workload
from pgdiag.tenant.model import tenant_column

INDEX_DESCENT_BLOCKS = 3


class LargeOffset(Check):
    """Pagination by OFFSET that skips thousands of rows on every call.

    **Problem**

    A SELECT whose outermost query has ``OFFSET`` of at least ``min_offset`` rows. The server
    produces every skipped row and throws it away, so page *n* costs *n* pages of work.

    ``pg_stat_statements`` replaces constants by parameters, so the offset a statement ran with
    is usually not visible. pgdiag then infers it: the statement is ordered, an existing index
    already serves its filter and order (otherwise ``missing_index`` explains the work), and yet
    each call touches many more rows than it returns. Rows touched per call are estimated from
    the shared buffers per call (hit or read, less an index descent) and the rows per heap page,
    weighted by the sort column's physical correlation as PostgreSQL's cost model does; the figure is
    never more than the table's rows (an estimate above that is cut to it, and says so), and the
    finding states what it rests on. Findings with a visible constant are medium; inferred ones are
    low and say they are inferred.

    **Why it matters**

    Deep pages get linearly slower and hold the connection longer; crawlers and exports that
    page through everything turn one list into a quadratic amount of work.

    **Fix**

    Keyset pagination: remember the last row's sort key and id and ask for
    ``WHERE (sort_key, id) > ($1, $2) ORDER BY sort_key, id LIMIT 50``, served by an index on
    (filter columns, sort_key, id). With Prisma: ``findMany({ take: 50, skip: 1, cursor: { id:
    lastId }, orderBy: ... })`` instead of ``skip: page * 50``.
    """

    id: ClassVar[str] = "large_offset"
    thresholds: ClassVar[dict[str, Threshold]] = {
        "min_offset": Threshold(1000, "least rows skipped per call (the OFFSET)"),
    }
    requires: ClassVar[tuple[str, ...]] = ("statements", "tables", "indexes", "column_stats")
    uses_tenancy: ClassVar[bool] = True

    def run(self, snapshot: Snapshot, settings: Any) -> Iterable[Finding]:
        """One finding per deep-OFFSET statement, largest total time first."""
        prisma = is_prisma_database(snapshot)
        for item in workload(snapshot).statements:
            if item.statement.command != "select":
                continue
            offset = outer_block(item.statement).offset
            if offset is None:
                continue
            if offset.value is not None:
                if offset.value >= settings.min_offset:
                    yield _finding(item, offset.value, inferred=False, prisma=prisma)
                continue
            if offset.param is None:
                continue
            inferred = _inferred_offset(snapshot, item, tenant_column(snapshot, settings.tenancy.tenant_column))
            if inferred is not None and inferred.rows >= settings.min_offset:
                yield _finding(item, inferred.rows, inferred=True, prisma=prisma, basis=inferred)


@dataclass(frozen=True)
class InferredOffset:
    """Rows skipped per call as inferred, and what the figure rests on: buffers touched per call, rows per heap
    block read (from rows per page and the sort column's correlation), the table's rows, and whether the
    estimate was larger than the table and so cut to it."""

    rows: int
    buffers_per_call: float
    rows_per_block: float
    table_rows: int
    capped: bool


def _inferred_offset(snapshot: Snapshot, item: WorkloadStatement, tenant: str | None) -> InferredOffset | None:
    """Rows skipped per call, estimated from buffers per call, for an ordered statement whose access
    an existing index already serves; None when the statement does not qualify. A call cannot skip more rows
    than the table holds: a larger estimate (index pages counted as heap pages, rows visited twice) is cut to
    the table's rows less those returned."""
    top = outer_block(item.statement)
    ordered = [a for a in table_accesses(item) if a.order_by and top.order_by]
    if len(ordered) != 1:
        return None
    access = ordered[0]
    candidate = candidate_for(access, tenant)
    if candidate is None or not covered(candidate, index_leads(snapshot)):
        return None
    stats = statistics(snapshot)
    table = stats.tables.get((access.schema, access.table))
    if table is None or table.relpages <= 0:
        return None
    column = stats.columns.get((access.schema, access.table, access.order_by[0][0]))
    correlation = column.correlation if column is not None and column.correlation is not None else 0.0
    rows_per_block = 1.0 + (table.rows_per_page - 1.0) * correlation ** 2
    touched = max(item.ref.blocks_per_call - INDEX_DESCENT_BLOCKS, 0.0) * rows_per_block
    table_rows = max(int(table.reltuples), 0)
    estimate = int(max(touched - item.ref.rows_per_call, 0.0))
    ceiling = int(max(table_rows - item.ref.rows_per_call, 0.0))
    return InferredOffset(min(estimate, ceiling), item.ref.blocks_per_call, rows_per_block, table_rows,
                          capped=estimate > ceiling)


def _finding(item: WorkloadStatement, offset: int, inferred: bool, prisma: bool,
             basis: InferredOffset | None = None) -> Finding:
    """The finding for one deep-OFFSET statement; an inferred one says what its figure rests on."""
    ref = item.ref
    first = item.statement.refs[0]
    table = qualified(first.schema, first.table)
    how = f"OFFSET {offset:,}"
    if basis is not None:
        how = (f"about {offset:,} rows skipped per call on average, inferred: {ref.blocks_per_call:,.0f} buffers "
               f"touched per call × about {basis.rows_per_block:,.0f} rows per block, to return "
               f"{ref.rows_per_call:,.1f} rows through an index that serves the order; the table holds about "
               f"{basis.table_rows:,} rows" + (", so the estimate was cut to that" if basis.capped else ""))
    recommendation = (f"Replace OFFSET pagination on {table} by keyset pagination (WHERE (sort key, id) > "
                      "(last seen) ORDER BY sort key, id LIMIT n): each page then costs the same.")
    if prisma:
        recommendation += " In Prisma: findMany({ take: n, skip: 1, cursor: { id: lastId }, orderBy: … }) instead of skip."
    return Finding(
        check=LargeOffset.id,
        severity="low" if inferred else "medium",
        title=f"Deep OFFSET pagination on {table}: " + (f"about {offset:,} rows skipped per call" if inferred
                                                          else f"OFFSET {offset:,}"),
        object=ObjectRef(schema=first.schema, table=first.table),
        query=query_ref(ref),
        evidence={"offset": offset, "inferred": inferred, "blocks_per_call": round(ref.blocks_per_call, 1),
                  "rows_per_call": round(ref.rows_per_call, 2), "calls": ref.calls,
                  "total_ms": round(ref.total_ms, 3), "detail": how,
                  **({"table_rows": basis.table_rows, "rows_per_block": round(basis.rows_per_block, 1),
                      "capped_at_table_rows": basis.capped} if basis is not None else {})},
        recommendation=recommendation,
    )
