"""missing_index: indexes the workload needs, proven by the planner's cost where hypopg is installed."""

from __future__ import annotations

from typing import Any, ClassVar, Iterable

from pgdiag.advice.access import table_accesses
from pgdiag.advice.acceptance import accepted, upkeep
from pgdiag.advice.candidates import (
    Candidate,
    candidate_for,
    covered,
    distinct_values,
    index_leads,
    merge,
    trimmed,
)
from pgdiag.advice.costing import Proof, cannot_pass, estimate, plans_of, prove
from pgdiag.advice.index_plan import PlannedIndex, TableNeeds, plan_table
from pgdiag.advice.statistics import statistics
from pgdiag.advice.views import through_views
from pgdiag.checks._support.catalog import drop_fix, partitioned_tables
from pgdiag.checks._support.index_needs import index_needs, replaceable_indexes
from pgdiag.checks.base import Check, Threshold
from pgdiag.core.findings import Finding, ObjectRef, QueryRef, fingerprint
from pgdiag.core.snapshot import Snapshot
from pgdiag.core.sqltext import create_index_sql, qualified
from pgdiag.prisma import is_prisma_database
from pgdiag.sql.workload import Workload, WorkloadStatement, column_index, parsed, search_path, workload
from pgdiag.tenant.model import tenant_schema

INDEXABLE_KINDS = ("r", "p", "m")


class MissingIndex(Check):
    """Index that would make the workload's statements much cheaper, and does not exist.

    **Problem**

    For every statement in ``pg_stat_statements`` pgdiag reads, with PostgreSQL's own parser,
    which columns each table is filtered by (equality, ``IN``, ``= ANY``, a range) and sorted by,
    and proposes a btree index: equality columns first (the tenant column leading on tenant
    tables), then one range column or the ORDER BY columns (directions kept), trimmed to the columns
    that narrow the lookup. Views are read through their definitions and inlinable CTEs through
    their bodies, as PostgreSQL plans them. Candidates that an existing valid index already serves as
    a leading prefix are dropped; a candidate that is a prefix of another merges into it. Each
    candidate is then costed on the statements' **generic plans**: with hypopg a hypothetical index
    in pgdiag's own session (``evidence.validated = true``), without it an estimate from ``pg_stats``
    and the table's size (``evidence.validated = false``). A statement earns the index when its plan
    reads it at no more than 1/``min_factor`` of the cost and the time saved outweighs the index's
    upkeep (docs/index-advice.md). The indexes of a table are then chosen together, as one plan: led
    by the columns of an unindexed foreign key or the tenant column where that serves too (settling
    ``missing_fk_index`` or ``tenant_index_missing``), folded where one serves another's statements,
    proven together, and replacing the existing indexes that lead them (``evidence.serves``,
    ``replaces``, ``settles``).

    Severity is high when the statements helped take at least ``high_share_percent`` % of all
    statement time and the advice is proven, medium otherwise, low when they take less than
    ``min_total_ms`` ms in all.

    **Why it matters**

    Without the index every call reads and filters the whole table (or sorts all matching rows
    to return a few): the cost grows with the table, not with the answer, and tenants with big
    data slow everyone down.

    **Fix**

    Create the index with ``CREATE INDEX CONCURRENTLY`` (it does not block writes), and declare
    it in the ORM schema (Prisma ``@@index([...])``) so the next migration keeps it. Without
    hypopg, install it (Debian/Ubuntu: ``apt install postgresql-NN-hypopg`` for server major NN, then
    ``CREATE EXTENSION hypopg;``) to have the advice proven by the planner before you build.
    """

    id: ClassVar[str] = "missing_index"
    thresholds: ClassVar[dict[str, Threshold]] = {
        "min_factor": Threshold(2.0, "least factor by which the statement's plan cost must fall"),
        "high_share_percent": Threshold(10.0, "share of all statement time, in %, above which the advice is high"),
        "min_total_ms": Threshold(100.0, "statements helped taking less time than this in all make the advice low"),
    }
    requires: ClassVar[tuple[str, ...]] = ("statements", "tables", "indexes", "columns")
    uses_tenancy: ClassVar[bool] = True

    def run(self, snapshot: Snapshot, settings: Any) -> Iterable[Finding]:
        """One finding per index of each table's plan: the statements it serves, what it replaces, their costs."""
        load = workload(snapshot)
        tenant = tenant_schema(snapshot, settings.tenancy)
        candidates = merge(self._candidates(snapshot, load, tenant.column if tenant else None))
        stats = statistics(snapshot)
        candidates = [c for c in candidates if not cannot_pass(c, stats, settings.min_factor)]
        if self.planner is not None:  # every plan without an index first, many to a round trip: the proofs reuse them
            plans_of(self.planner, list(dict.fromkeys(s for c in candidates for s in c.statements)))
        by_table: dict[tuple[str, str], list[PlannedIndex]] = {}
        for proof in (self._proof(snapshot, candidate) for candidate in candidates):
            table = (proof.candidate.schema, proof.candidate.table)
            helped = accepted(proof.costs, settings.min_factor, upkeep(snapshot, *table))
            if helped:
                by_table.setdefault(table, []).append(PlannedIndex(proof.candidate, helped, proof.validated,
                                                                   note=proof.note))
        partitioned = partitioned_tables(snapshot)
        prisma = is_prisma_database(snapshot)
        needs = index_needs(snapshot, tenant) if by_table else {}
        replaceable = replaceable_indexes(snapshot, set(by_table))
        hiding = self._hiding_note()
        planned = [p for table, chosen in by_table.items()
                   for p in plan_table(chosen, needs.get(table, TableNeeds()), replaceable.get(table, []),
                                       self.planner, settings.min_factor)]
        for index in sorted(planned, key=lambda p: -sum(c.statement.total_ms for c in p.costs)):
            yield _finding(index, load, settings, prisma, (index.candidate.schema, index.candidate.table)
                           not in partitioned, hiding if index.replaces else None, snapshot.server_version_num // 10000)

    def _hiding_note(self) -> str | None:
        """Why indexes advised for removal stay visible to the proof: hypopg_hide_index needs hypopg 1.4+."""
        if self.planner is None or not self.planner.has_hypopg:
            return None
        return (f"the indexes this one replaces stayed visible to the planner in the proof: hiding them needs "
                f"hypopg_hide_index (hypopg 1.4 or later), and this database has hypopg "
                f"{self.planner.hypopg_version}" if not self.planner.can_hide_indexes else
                "the indexes this one replaces stayed visible to the planner in the proof")

    def _candidates(self, snapshot: Snapshot, load: Workload, tenant: str | None) -> list[Candidate]:
        """One candidate per table access of every statement (`tenant` column leading, trimmed to the columns
        that narrow the lookup), minus those an index already serves."""
        tables = snapshot.frame("tables")
        indexable = tables[tables["kind"].isin(INDEXABLE_KINDS)]
        rows = {(s, t): float(max(r, n, 0)) for s, t, r, n in zip(indexable["schema"], indexable["table"],
                                                                  indexable["reltuples"].fillna(0),
                                                                  indexable["n_live_tup"].fillna(0))}
        distinct = distinct_values(snapshot.frame("column_stats"), rows)
        leads = index_leads(snapshot)
        found = []
        for item in load.statements:
            for access in table_accesses(self._through_views(snapshot, item, rows)):
                table = (access.schema, access.table)
                if table not in rows:
                    continue
                candidate = candidate_for(access, tenant)
                if candidate is None:
                    continue
                candidate = trimmed(candidate, rows[table], distinct.get(table, {}))
                if not covered(candidate, leads):
                    found.append(candidate)
        return found

    def _through_views(self, snapshot: Snapshot, item: WorkloadStatement,
                       tables: dict[tuple[str, str], float]) -> WorkloadStatement:
        """`item` as PostgreSQL plans it when it reads views (relations that are not tables): each view replaced
        by its definition, read through the planner's session; unchanged offline or without views."""
        if self.planner is None or all(r.schema is None or (r.schema, r.table) in tables for r in item.statement.refs):
            return item
        path, columns = search_path(snapshot), column_index(snapshot)
        text = through_views(item.ref.text, self.planner.view_definition,
                             lambda name: next((s for s in path if columns(s, name) is not None), None))
        analysis = parsed(text, path, columns) if text else None
        return WorkloadStatement(item.ref, analysis.statement) if analysis and analysis.statement else item

    def _proof(self, snapshot: Snapshot, candidate: Candidate) -> Proof:
        """The planner's proof where hypopg is there, else the estimate."""
        if self.planner is not None and self.planner.has_hypopg:
            return prove(candidate, self.planner)
        return estimate(candidate, statistics(snapshot), self.planner)


def _finding(index: PlannedIndex, load: Workload, settings: Any, prisma: bool, concurrently: bool,
             hiding: str | None, major: int = 0) -> Finding:
    """The finding for one index of a table's plan: the fix, the statements it serves, their costs; `major` (the
    server's major version) names the hypopg package to install."""
    candidate, helped = index.candidate, index.costs
    table = qualified(candidate.schema, candidate.table)
    helped = sorted(helped, key=lambda c: -c.statement.total_ms)
    top = helped[0]
    total_ms = sum(c.statement.total_ms for c in helped)
    share = 100 * total_ms / load.total_ms if load.total_ms > 0 else 0.0
    if total_ms < settings.min_total_ms:
        severity = "low"
    elif share >= settings.high_share_percent and index.validated:
        severity = "high"
    else:
        severity = "medium"
    columns = ", ".join(c + (" DESC" if d else "") for c, d in zip(candidate.columns, candidate.descending))
    proven = (f"the planner's cost for {'it' if len(helped) == 1 else 'them'} falls from "
              f"{top.cost_before:,.0f} to {top.cost_after:,.0f} with a hypothetical index (hypopg)"
              if index.validated else
              f"estimated from table statistics, the cost falls from {top.cost_before:,.0f} to "
              f"{top.cost_after:,.0f}; install hypopg in this database (apt install postgresql-{major or 'NN'}-hypopg, "
              "CREATE EXTENSION hypopg;) and pgdiag proves it with the planner")
    recommendation = (f"Create an index on {table} ({columns}): it serves {len(helped)} statement(s) taking "
                      f"{total_ms:,.0f} ms ({share:.0f} % of statement time); {proven}.")
    if index.replaces:
        names = ", ".join(qualified(candidate.schema, e.name) for e in index.replaces)
        recommendation += f" It replaces {names}: drop {'it' if len(index.replaces) == 1 else 'them'} once it is built."
    if prisma:
        fields = ", ".join(c + ("(sort: Desc)" if d else "") for c, d in zip(candidate.columns, candidate.descending))
        recommendation += f" In schema.prisma: @@index([{fields}]) on the model of {candidate.table}."
    obj = ObjectRef(schema=candidate.schema, table=candidate.table, columns=candidate.columns)
    statement = top.statement
    return Finding(
        check=MissingIndex.id,
        severity=severity,
        title=f"Missing index on {table} ({columns})",
        object=obj,
        query=QueryRef(queryid=statement.queryid, text=statement.text, calls=statement.calls,
                       total_ms=round(statement.total_ms, 3), mean_ms=round(statement.mean_ms, 3),
                       rows=statement.rows),
        evidence={
            "validated": index.validated,
            "cost_before": top.cost_before,
            "cost_after": top.cost_after,
            "factor": round(top.factor, 1),
            "total_ms": round(total_ms, 3),
            "share_percent": round(share, 1),
            "queryids": [c.statement.queryid for c in helped],
            "statements": [{"queryid": c.statement.queryid, "calls": c.statement.calls,
                            "total_ms": round(c.statement.total_ms, 3), "cost_before": c.cost_before,
                            "cost_after": c.cost_after} for c in helped],
            "n_equality": candidate.n_equality,
            "serves": [c.statement.queryid for c in helped],
            "replaces": [e.name for e in index.replaces],
            "settles": [],
            **({"note": index.note} if index.note else {}),
            **({"proof_note": hiding} if hiding else {}),
        },
        recommendation=recommendation,
        fix_sql="\n".join([create_index_sql(candidate.schema, candidate.table, candidate.columns,
                                             descending=candidate.descending, concurrently=concurrently)]
                          + [drop_fix({"schema": candidate.schema, "index": e.name, "partitioned": not concurrently})
                             for e in index.replaces]),
        fingerprint=fingerprint(MissingIndex.id, obj, None),
    )
