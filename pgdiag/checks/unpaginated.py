"""unpaginated: SELECTs without LIMIT that return hundreds of rows per call."""

from __future__ import annotations

from typing import Any, ClassVar, Iterable

from pgdiag.checks._support.workload import outer_block, query_ref
from pgdiag.checks.base import Check, Threshold
from pgdiag.core.findings import Finding, ObjectRef
from pgdiag.core.snapshot import Snapshot
from pgdiag.core.sqltext import qualified
from pgdiag.prisma import is_prisma_database
from pgdiag.sql.workload import workload


class Unpaginated(Check):
    """Statement that returns hundreds of rows per call with no LIMIT: an unpaginated list.

    **Problem**

    A top-level SELECT reading at least one table whose outermost query has no ``LIMIT`` or
    ``FETCH FIRST`` and that returns at least ``min_rows_per_call`` rows per call on average.

    Severity is low; medium from ``medium_rows_per_call`` rows per call.

    **Why it matters**

    The response grows with the data: as a tenant's table grows, every call reads, sends and
    holds in application memory more rows, most of which a page never shows. It is fast in
    development and slow for the biggest customer.

    **Fix**

    Paginate with a keyset (``WHERE (sort_key, id) > ($last_sort_key, $last_id) ORDER BY
    sort_key, id LIMIT 50``), which stays fast on deep pages, backed by an index on the sort
    keys. With Prisma, ``findMany({ take: 50, cursor: { id: lastId }, skip: 1, orderBy: ... })``.
    """

    id: ClassVar[str] = "unpaginated"
    thresholds: ClassVar[dict[str, Threshold]] = {
        "min_rows_per_call": Threshold(250, "least rows returned per call on average"),
        "medium_rows_per_call": Threshold(10_000, "rows per call from which the finding is medium"),
    }
    requires: ClassVar[tuple[str, ...]] = ("statements",)

    def run(self, snapshot: Snapshot, settings: Any) -> Iterable[Finding]:
        """One finding per unpaginated statement, largest total time first."""
        prisma = is_prisma_database(snapshot)
        for item in workload(snapshot).statements:
            statement, ref = item.statement, item.ref
            if statement.command != "select" or not statement.refs or ref.rows_per_call < settings.min_rows_per_call:
                continue
            if outer_block(statement).limit is not None:
                continue
            first = statement.refs[0]
            table = qualified(first.schema, first.table)
            recommendation = (f"Return a page at a time: keyset pagination (WHERE (sort key, id) > (last seen) "
                              f"ORDER BY sort key, id LIMIT n) instead of all {ref.rows_per_call:,.0f} rows per call.")
            if prisma:
                recommendation += " In Prisma: findMany({ take: 50, cursor: { id: lastId }, skip: 1, orderBy: … })."
            yield Finding(
                check=Unpaginated.id,
                severity="medium" if ref.rows_per_call >= settings.medium_rows_per_call else "low",
                title=f"Unpaginated read of {table}: {ref.rows_per_call:,.0f} rows per call, no LIMIT",
                object=ObjectRef(schema=first.schema, table=first.table),
                query=query_ref(ref),
                evidence={"rows_per_call": round(ref.rows_per_call, 1), "calls": ref.calls,
                          "total_ms": round(ref.total_ms, 3)},
                recommendation=recommendation,
            )
