"""n_plus_one: a point lookup by one key run thousands of times, one row at a time."""

from __future__ import annotations

from typing import Any, ClassVar, Iterable

from pgdiag.checks._support.workload import (
    key_columns_by_table,
    point_lookup,
    query_ref,
)
from pgdiag.checks.base import Check, Threshold
from pgdiag.core.findings import Finding, ObjectRef
from pgdiag.core.snapshot import Snapshot
from pgdiag.core.sqltext import qualified, quote_ident
from pgdiag.prisma import is_prisma_database
from pgdiag.sql.workload import workload
from pgdiag.tenant.model import tenant_column


class NPlusOne(Check):
    """Statement that fetches one row by key and is called thousands of times: an N+1 loop.

    **Problem**

    A top-level SELECT on one table, filtered by equality on a single key column — the primary
    key, a single-column unique key or a foreign key column; a tenant-column or ``IS NULL``
    (soft-delete) condition beside it does not count — called at least ``min_calls`` times and
    returning at most ``max_rows_per_call`` rows per call on average. That is the signature of
    application code that loads a list and then fetches a related row for each item.

    Severity is medium; high when the calls exceed ``high_calls``.

    **Why it matters**

    Each call costs a network round trip, a parse/bind/execute cycle and a connection held for
    it: thousands of tiny statements take far longer, end to end, than one statement returning
    the same rows, and the database sees no single slow query to blame.

    **Fix**

    Fetch all the keys at once: ``WHERE "id" = ANY($1)`` with an array of keys, or join the
    related table in the statement that produced the list. With Prisma, use
    ``findMany({ where: { id: { in: ids } } })`` or ``include`` the relation in the parent query
    instead of ``findUnique`` in a loop.
    """

    id: ClassVar[str] = "n_plus_one"
    thresholds: ClassVar[dict[str, Threshold]] = {
        "min_calls": Threshold(1000, "fewest calls of the statement"),
        "max_rows_per_call": Threshold(20, "most rows returned per call on average"),
        "high_calls": Threshold(100_000, "calls above which the finding is high"),
    }
    requires: ClassVar[tuple[str, ...]] = ("statements", "indexes", "foreign_keys")
    uses_tenancy: ClassVar[bool] = True

    def run(self, snapshot: Snapshot, settings: Any) -> Iterable[Finding]:
        """One finding per looped point lookup, largest total time first."""
        keys = key_columns_by_table(snapshot)
        tenant = tenant_column(snapshot, settings.tenancy.tenant_column)
        prisma = is_prisma_database(snapshot)
        for item in workload(snapshot).statements:
            ref = item.ref
            if ref.calls < settings.min_calls or ref.rows_per_call > settings.max_rows_per_call:
                continue
            lookup = point_lookup(item.statement, keys, tenant)
            if lookup is None:
                continue
            table, column = lookup
            yield _finding(item, table, column, settings, prisma)


def _finding(item, table: tuple[str, str], column: str, settings: Any, prisma: bool) -> Finding:
    """The finding for one N+1 statement, with the batched form of it."""
    ref = item.ref
    name = qualified(*table)
    recommendation = (f"Fetch the {name} rows for all keys in one statement (WHERE {quote_ident(column)} = ANY($1) "
                      f"with an array of keys, or a join in the statement that produced the keys) instead of "
                      f"{ref.calls:,} single-row calls.")
    if prisma:
        recommendation += (f" In Prisma: findMany({{ where: {{ {column}: {{ in: ids }} }} }}) once, or include "
                           "the relation in the parent query, instead of findUnique in a loop.")
    return Finding(
        check=NPlusOne.id,
        severity="high" if ref.calls >= settings.high_calls else "medium",
        title=f"N+1: {name} fetched by {column} {ref.calls:,} times, {ref.rows_per_call:.1f} rows per call",
        object=ObjectRef(schema=table[0], table=table[1], columns=(column,)),
        query=query_ref(ref),
        evidence={"calls": ref.calls, "rows_per_call": round(ref.rows_per_call, 2), "key_column": column,
                  "total_ms": round(ref.total_ms, 3), "mean_ms": round(ref.mean_ms, 4)},
        recommendation=recommendation,
    )
