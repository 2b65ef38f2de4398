"""What-if costing: generic plans of normalised statements, with and without hypothetical indexes.

This is the only way a check reaches the database (DESIGN §1): the scan opens a `Planner` on its
own read-only session and injects it. Generic plans need no parameter values: ``EXPLAIN
(GENERIC_PLAN)`` from PostgreSQL 16, a prepared statement under ``plan_cache_mode =
force_generic_plan`` before. Hypothetical indexes come from the hypopg extension where the target
database has it; they live in this session's memory only, so the read-only rule holds.
"""

from __future__ import annotations

import itertools
import re
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from typing import Any, Iterator, Sequence

import psycopg
from psycopg import sql

from pgdiag.core.sqltext import column_list, qualified, quote_ident
from pgdiag.db import queries
from pgdiag.db.dsn import Target
from pgdiag.db.session import SessionLimits, connect

GENERIC_PLAN_VERSION = 160000
HIDE_INDEX_HYPOPG = (1, 4)
"""The first hypopg release with ``hypopg_hide_index``: the plan with a real index hidden, as if dropped."""
# Query files the planner uses; explain_generic exists from PostgreSQL 16, the prepared-statement
# trio serves every version.
QUERIES = ("hypopg_schema", "explain_generic", "prepare_generic", "explain_prepared", "deallocate_prepared",
           "deallocate_all", "hypopg_create", "hypopg_reset",
           "hypopg_drop", "unreadable_tables", "view_definitions")
INSUFFICIENT_PRIVILEGE = "42501"
PLAN_BATCH = 50
"""Statements planned in one pipelined round trip: past a few dozen the round trip saved is nothing beside the
planning, and a failure makes the rest of its batch wait for one more trip."""
_DENIED_RELATION = re.compile(r"permission denied for (?:table|view|materialized view|relation|foreign table) (.+)$")


@dataclass(frozen=True)
class PlanCost:
    """A plan's estimated total cost and its tree (the ``Plan`` member of EXPLAIN's JSON)."""

    total_cost: float
    plan: dict[str, Any]

    def index_names(self) -> set[str]:
        """Every index the plan reads."""
        return {node["Index Name"] for node in walk(self.plan) if "Index Name" in node}

    def relation_cost(self, relation: str) -> float:
        """The estimated cost of the plan's nodes that read `relation` (scans of the table or its indexes)."""
        return sum(float(node["Total Cost"]) for node in walk(self.plan) if node.get("Relation Name") == relation)

    def scans_cost(self, exclude: str) -> float:
        """The estimated cost of the plan's reads of every relation but `exclude`."""
        return sum(float(node["Total Cost"]) for node in walk(self.plan)
                   if node.get("Relation Name") not in (None, exclude))


def walk(plan: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """Every node of a plan tree, parents before children."""
    yield plan
    for child in plan.get("Plans", []):
        yield from walk(child)


class Planner:
    """Plans statements on a dedicated read-only session; never executes them."""

    def __init__(self, conn: psycopg.Connection) -> None:
        self.conn = conn
        self.conn.prepare_threshold = None  # psycopg prepares nothing here: each batch forgets all (DEALLOCATE ALL)
        self._names = itertools.count(1)
        self._plain: dict[str, PlanCost | None] = {}
        self._live: list[str] = []
        self._templates: dict[str, sql.SQL] = {}
        self._latest: dict[str, tuple[frozenset[str], PlanCost]] = {}
        """Per statement, its last plan with hypothetical indexes and the names of those live then: planned again
        with the same set, it gets the same plan (the session is read-only)."""
        self.denied: dict[str, str] = {}
        """Relations the database refused to plan on (permission denied), each with the GRANT that fixes it."""
        self.refusals: list[str] = []
        """The relation of every refused plan, in order, a plan served from the cache included: a caller compares
        its length before and after its work to learn whether (and where) its own plans were refused."""
        self._refused_statements: dict[str, list[str]] = {}
        self._unreadable: list[tuple[str, str, str]] | None = None
        self._views: dict[tuple[str, str], str | None] = {}
        try:
            row = conn.execute(queries.get("hypopg_schema", conn.info.server_version)).fetchone()
        except psycopg.Error:
            conn.close()
            raise
        self.hypopg_schema: str | None = row[0] if row else None
        self.hypopg_version: str | None = row[1] if row else None

    @classmethod
    def open(cls, target: Target, limits: SessionLimits | None = None) -> Planner:
        """A planner on a new pgdiag session that plans prepared statements generically.

        Partition pruning is off in that session: before PostgreSQL 16 a generic plan is shown through
        ``EXPLAIN EXECUTE`` with NULL parameters, and pruning at executor start-up then removes every
        partition, hiding which index each would read. A generic plan prunes nothing at planning time
        anyway, so its cost does not change.
        """
        return cls(connect(target, limits, extra_settings={"plan_cache_mode": "force_generic_plan",
                                                           "enable_partition_pruning": "off"}))

    @property
    def has_hypopg(self) -> bool:
        """Whether hypothetical indexes can prove index advice in this database."""
        return self.hypopg_schema is not None

    @property
    def can_hide_indexes(self) -> bool:
        """Whether the installed hypopg can hide a real index from the planner (``hypopg_hide_index``, 1.4+)."""
        if self.hypopg_version is None:
            return False
        parts = tuple(int(p) for p in self.hypopg_version.split(".")[:2] if p.isdigit())
        return parts >= HIDE_INDEX_HYPOPG

    def close(self) -> None:
        """Close the planner's session."""
        self.conn.close()

    def __enter__(self) -> Planner:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def generic_cost(self, statement: str, n_params: int) -> PlanCost | None:
        """The generic plan of `statement` (with ``$1…$n_params``); None when it cannot be planned.

        Plans without hypothetical indexes are kept: the session is read-only, so the catalog a
        statement is planned against does not change during a scan.
        """
        return self.generic_costs([(statement, n_params)])[0]

    def generic_costs(self, statements: Sequence[tuple[str, int]]) -> list[PlanCost | None]:
        """The generic plans of `statements` (each a text with ``$1…$n`` and its n), in their order; None for one
        that cannot be planned. Planned `PLAN_BATCH` at a time in one round trip (a pipeline), since the trips,
        not the planning, took most of the time; a plan already made against the same hypothetical indexes (or
        none) is not made again."""
        live = frozenset(self._live)
        plans: list[PlanCost | None] = [None] * len(statements)
        wanted: dict[str, list[int]] = {}
        for at, (statement, _) in enumerate(statements):
            if not live and statement in self._plain:
                plans[at] = self._plain[statement]
                self.refusals.extend(self._refused_statements.get(statement, ()))
            elif live and statement in self._latest and self._latest[statement][0] == live:
                plans[at] = self._latest[statement][1]
            else:
                wanted.setdefault(statement, []).append(at)
        todo = [(statement, statements[ats[0]][1]) for statement, ats in wanted.items()]
        for start in range(0, len(todo), PLAN_BATCH):
            batch = todo[start: start + PLAN_BATCH]
            for (statement, _), plan in zip(batch, self._planned(batch)):
                if not live:
                    self._plain[statement] = plan
                elif plan is not None:
                    self._latest[statement] = (live, plan)
                for at in wanted[statement]:
                    plans[at] = plan
        return plans

    def _planned(self, batch: list[tuple[str, int]]) -> list[PlanCost | None]:
        """The plans of `batch`, sent in one pipeline (before PostgreSQL 16 each statement prepared and explained,
        and every prepared statement forgotten at the end). A statement that fails aborts the rest of the
        pipeline: it is planned again alone (where a refusal is noted), and the statements after it in a new
        pipeline."""
        version = self.conn.info.server_version
        generic = version >= GENERIC_PLAN_VERSION
        explains: list[psycopg.Cursor] = []
        commands = self.conn.cursor()
        try:
            with self.conn.pipeline():
                for statement, n_params in batch:
                    explains.append(self._send_plan(commands, statement, n_params, generic))
                if not generic:
                    commands.execute(self._template("deallocate_all"))
        except psycopg.Error:
            if not generic:  # the pipeline stopped at the failure, before forgetting what it prepared
                self.conn.execute(self._template("deallocate_all"))
        plans = [_plan_cost(cursor) for cursor in explains] + [None] * (len(batch) - len(explains))
        failed = next((at for at, plan in enumerate(plans) if plan is None), None)
        if failed is None:
            return plans
        alone = self._generic_cost(*batch[failed])
        return plans[:failed] + [alone] + (self._planned(batch[failed + 1:]) if failed + 1 < len(batch) else [])

    def _send_plan(self, commands: psycopg.Cursor, statement: str, n_params: int, generic: bool) -> psycopg.Cursor:
        """Queue the plan of `statement` in the open pipeline (before PostgreSQL 16, its PREPARE on `commands`);
        the cursor returned holds the plan once the pipeline is synced."""
        explain = self.conn.cursor()
        if generic:
            explain.execute(self._template("explain_generic").format(statement=sql.SQL(statement)))
        else:
            name = sql.Identifier(f"pgdiag_plan_{next(self._names)}")
            commands.execute(self._template("prepare_generic").format(name=name, statement=sql.SQL(statement)))
            explain.execute(self._template("explain_prepared").format(name=name, params=_nulls(n_params)))
        return explain

    def costs_with_index(self, schema: str, table: str, columns: list[str], descending: tuple[bool, ...],
                         statements: Sequence[tuple[str, int]]) -> tuple[str, list[PlanCost | None]]:
        """The generic plans of `statements` with one hypothetical index in place, and that index's name: the
        index made, the statements planned and the index removed in one round trip when no other hypothetical
        index is in place and they fit in a batch. Raises as `hypothetical_index` does when hypopg refuses it."""
        if self._live or len(statements) > PLAN_BATCH or self.hypopg_schema is None:
            with self.hypothetical_index(schema, table, columns, descending) as name:
                return name, self.generic_costs(statements)
        generic = self.conn.info.server_version >= GENERIC_PLAN_VERSION
        hypopg = {"hypopg_schema": sql.Identifier(self.hypopg_schema)}
        created, commands = self.conn.cursor(), self.conn.cursor()
        try:
            with self.conn.pipeline():
                created.execute(self._template("hypopg_create").format(
                    definition=sql.Literal(_definition(schema, table, columns, descending)), **hypopg))
                explains = [self._send_plan(commands, statement, n_params, generic) for statement, n_params in statements]
                commands.execute(self._template("hypopg_reset").format(**hypopg))
                if not generic:
                    commands.execute(self._template("deallocate_all"))
            plans = [_plan_cost(cursor) for cursor in explains]
            row = created.fetchone()
            if row is not None and all(plans):
                return str(row[1]), plans
        except psycopg.Error:
            pass
        self.conn.execute(self._template("hypopg_reset").format(**hypopg))  # a failure left them: start again alone
        if not generic:
            self.conn.execute(self._template("deallocate_all"))
        with self.hypothetical_index(schema, table, columns, descending) as name:
            return name, self.generic_costs(statements)

    def _template(self, query: str) -> sql.SQL:
        """Query `query` for this server, ready to format; read and wrapped once."""
        if query not in self._templates:
            self._templates[query] = sql.SQL(queries.get(query, self.conn.info.server_version))
        return self._templates[query]

    def _generic_cost(self, statement: str, n_params: int) -> PlanCost | None:
        version = self.conn.info.server_version
        try:
            if version >= GENERIC_PLAN_VERSION:
                doc = self._one(queries.get("explain_generic", version), statement=sql.SQL(statement))
            else:
                doc = self._prepared_plan(statement, n_params, version)
        except psycopg.Error as exc:
            if exc.sqlstate == INSUFFICIENT_PRIVILEGE:
                relations = self._note_denial(exc)
                self._refused_statements[statement] = relations
                self.refusals.extend(relations)
            return None
        plan = doc[0]["Plan"]
        return PlanCost(total_cost=float(plan["Total Cost"]), plan=plan)

    def _note_denial(self, exc: psycopg.Error) -> list[str]:
        """Remember the relation a plan was refused on, qualified, with the GRANT that lets pgdiag's role plan it;
        return the relation's qualified name(s)."""
        message = exc.diag.message_primary or str(exc)
        match = _DENIED_RELATION.search(message)
        name = match.group(1).strip().strip('"') if match else None
        if self._unreadable is None:
            try:
                rows = self.conn.execute(queries.get("unreadable_tables", self.conn.info.server_version)).fetchall()
            except psycopg.Error:
                rows = []
            self._unreadable = [(str(schema), str(table), str(role)) for schema, table, role in rows]
        matches = [row for row in self._unreadable if row[1] == name] if name else []
        relations = []
        for schema, table, role in matches or [("", name or "a table", "")]:
            relation = qualified(schema, table) if schema else (name or "a table")
            grant = f"GRANT SELECT ON {relation} TO {quote_ident(role)};" if role else None
            self.denied.setdefault(relation, grant or message)
            relations.append(relation)
        return relations
    def view_definition(self, schema: str, name: str) -> str | None:
        """The definition of view `schema`.`name` (``pg_get_viewdef``), None when it is not a view; kept for
        the scan, as the session is read-only."""
        if (schema, name) not in self._views:
            query = sql.SQL(queries.get("view_definitions", self.conn.info.server_version)).format(
                names=sql.Literal([name]), schemas=sql.Literal([schema]))
            rows = self.conn.execute(query).fetchall()
            self._views[(schema, name)] = next((r[2] for r in rows if (r[0], r[1]) == (schema, name)), None)
        return self._views[(schema, name)]

    @contextmanager
    def hypothetical_index(self, schema: str, table: str, columns: list[str],
                           descending: tuple[bool, ...] = ()) -> Iterator[str]:
        """Create a hypothetical btree index for the duration of the block (a True in `descending` sorts that
        column descending, as the index advised would); yield its name."""
        if self.hypopg_schema is None:
            raise RuntimeError("hypopg is not installed in this database")
        definition = _definition(schema, table, columns, descending)
        version = self.conn.info.server_version
        params = {"hypopg_schema": sql.Identifier(self.hypopg_schema)}
        indexrelid, name = self._row(queries.get("hypopg_create", version), definition=sql.Literal(definition),
                                     **params)
        self._live.append(name)
        try:
            yield name
        finally:
            self._live.remove(name)
            self._row(queries.get("hypopg_drop", version), indexrelid=sql.Literal(indexrelid), **params)

    def _prepared_plan(self, statement: str, n_params: int, version: int) -> Any:
        """PREPARE, EXPLAIN EXECUTE with NULLs, DEALLOCATE in one round trip (a pipeline): a fresh plan every
        time, so hypothetical indexes count."""
        name = sql.Identifier(f"pgdiag_plan_{next(self._names)}")
        nulls = _nulls(n_params)
        with self.conn.cursor() as explain:
            with self.conn.pipeline():
                self._run(queries.get("prepare_generic", version), name=name, statement=sql.SQL(statement))
                explain.execute(sql.SQL(queries.get("explain_prepared", version)).format(name=name, params=nulls))
                self._run(queries.get("deallocate_prepared", version), name=name)
            plan = explain.fetchone()
        assert plan is not None
        return plan[0]

    def _run(self, template: str, **params: sql.Composable) -> None:
        self.conn.execute(sql.SQL(template).format(**params))

    def _row(self, template: str, **params: sql.Composable) -> tuple:
        row = self.conn.execute(sql.SQL(template).format(**params)).fetchone()
        assert row is not None
        return row

    def _one(self, template: str, **params: sql.Composable) -> Any:
        return self._row(template, **params)[0]


def _definition(schema: str, table: str, columns: list[str], descending: tuple[bool, ...]) -> str:
    """The CREATE INDEX statement hypopg is given for a btree index on `columns` (a True in `descending` sorts
    that column descending)."""
    order = list(descending) + [False] * len(columns)
    keys = ", ".join(column_list([c]) + (" DESC" if d else "") for c, d in zip(columns, order))
    return f"CREATE INDEX ON {qualified(schema, table)} ({keys})"


@cache
def _nulls(n_params: int) -> sql.Composable:
    """The parameter list ``(NULL, …)`` that executes a prepared statement of `n_params` parameters."""
    return sql.SQL("({})").format(sql.SQL(", ").join([sql.NULL] * n_params)) if n_params else sql.SQL("")


def _succeeded(cursor: psycopg.Cursor) -> bool:
    """Whether a query sent in a pipeline ran (its result arrived and is not an error)."""
    result = cursor.pgresult
    return result is not None and result.status in (psycopg.pq.ExecStatus.COMMAND_OK, psycopg.pq.ExecStatus.TUPLES_OK)


def _plan_cost(cursor: psycopg.Cursor) -> PlanCost | None:
    """The plan an EXPLAIN sent in a pipeline returned; None when it failed or did not run."""
    if not _succeeded(cursor):
        return None
    row = cursor.fetchone()
    if row is None:
        return None
    plan = row[0][0]["Plan"]
    return PlanCost(total_cost=float(plan["Total Cost"]), plan=plan)
