"""Statement analysis at scale: 5,000 distinct statements through parse, candidates and what-if costing.

Starts a throwaway PostgreSQL (the system's PostgreSQL 15 when hypopg is installed for it, so the
what-if path is measured; else the embedded 18 and the estimate path), creates a multi-tenant
schema, runs N distinct Prisma-shaped statements once each so pg_stat_statements records them,
collects a snapshot through pgdiag's own session, then times, best of 3:

- the floor: pglast parsing the same texts and nothing else;
- the statement model (`pgdiag.sql.workload`: parse + model for every text);
- the missing_index check (candidates, merge and cost proof on the live planner).

Usage: python bench/statements.py [--statements 5000] [--tables 40] [--major 15|18]
Prints each figure and its ratio to the floor; the issue's target is ≤ 10 s for model + advice.
"""

from __future__ import annotations

import argparse
import itertools
import random
from typing import Iterator

import pglast
import psycopg
from servers import installation, throwaway_server
from timing import best_of

from pgdiag.checks.missing_index import MissingIndex
from pgdiag.core.snapshot import Snapshot
from pgdiag.db.dsn import parse
from pgdiag.db.planner import Planner
from pgdiag.db.server import LocalServer
from pgdiag.scan import scan
from pgdiag.sql.planning import planning_text
from pgdiag.sql.workload import parsed_cache_clear, workload

SETTINGS = {"shared_preload_libraries": "pg_stat_statements", "pg_stat_statements.max": "20000",
            "fsync": "off", "synchronous_commit": "off"}
COLUMNS = ("status", "kind", "priority", "ownerId", "createdAt", "updatedAt", "title")


def main() -> None:
    """Run the benchmark and print its figures."""
    args = _arguments()
    chosen = installation(args.major, prefer_system=True)
    with throwaway_server(chosen, SETTINGS) as (server, _):
        dsn = server.dsn("bench")
        hypopg = _create(server, args.tables)
        statements = list(itertools.islice(_statements(args.tables, random.Random(7)), args.statements))
        texts = [text for text, _ in statements]
        _record(dsn, statements)
        snapshot = scan(parse(dsn)).snapshot
        analysed = len(workload(snapshot).statements)
        print(f"PostgreSQL {chosen.major} ({chosen.source}), hypopg: {'yes' if hypopg else 'no'}; "
              f"{len(texts):,} distinct statements recorded, {analysed:,} analysed")
        floor = best_of(lambda: [pglast.parse_sql(t) for t in texts])
        model = best_of(lambda: workload(_cold(snapshot)))
        advised: list[object] = []
        advice = best_of(lambda: advised.__setitem__(slice(None), _advise(dsn, snapshot)))
        print(f"{'pglast parse alone (floor)':34} {floor:8.2f} s   1.00x")
        print(f"{'statement model (parse + facts)':34} {model:8.2f} s  {model / floor:5.2f}x")
        print(f"{'missing_index (model + what-if)':34} {advice:8.2f} s  {advice / floor:5.2f}x"
              f"   ({len(advised)} indexes advised)")
        print(f"target: statement analysis for {len(texts):,} statements ≤ 10 s: "
              f"{'met' if advice <= 10 else 'NOT met'} ({advice:.2f} s)")


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--statements", type=int, default=5000)
    parser.add_argument("--tables", type=int, default=40)
    parser.add_argument("--major", type=int, default=None, help="PostgreSQL major to use (default: 15 if found)")
    return parser.parse_args()


def _create(server: LocalServer, tables: int) -> bool:
    """The bench database: `tables` tenant tables of 20,000 rows each; True when hypopg could be created."""
    with psycopg.connect(server.dsn("postgres"), autocommit=True) as conn:
        conn.execute("DROP DATABASE IF EXISTS bench")
        conn.execute("CREATE DATABASE bench")
    with psycopg.connect(server.dsn("bench"), autocommit=True) as conn:
        conn.execute("CREATE EXTENSION pg_stat_statements")
        hypopg = bool(conn.execute("SELECT count(*) FROM pg_available_extensions WHERE name = 'hypopg'").fetchone()[0])
        if hypopg:
            conn.execute("CREATE EXTENSION hypopg")
        conn.execute('CREATE TABLE "Organization" ("id" int PRIMARY KEY, "name" text)')
        conn.execute('INSERT INTO "Organization" SELECT g, \'org \' || g FROM generate_series(1, 100) g')
        for n in range(tables):
            conn.execute(f'CREATE TABLE "T{n}" ("id" int PRIMARY KEY, "organizationId" int NOT NULL '
                         f'REFERENCES "Organization", "status" text, "kind" int, "priority" int, "ownerId" int, '
                         f'"createdAt" timestamptz, "updatedAt" timestamptz, "title" text, "deletedAt" timestamptz)')
            conn.execute(f'INSERT INTO "T{n}" SELECT g, 1 + g % 100, (ARRAY[\'open\',\'closed\',\'pending\'])[1 + g % 3], '
                         f"g % 17, g % 5, g % 300, now() - g * interval '1 minute', now(), 'row ' || g, NULL "
                         f"FROM generate_series(1, 20000) g")
        conn.execute("ANALYZE")
        conn.execute("SELECT pg_stat_statements_reset()")
    return hypopg


def _statements(tables: int, rng: random.Random) -> Iterator[tuple[str, int]]:
    """Distinct Prisma-shaped statements: filters, sorts and pages over the tenant tables."""
    seen: set[str] = set()
    while True:
        table = f'"public"."T{rng.randrange(tables)}"'
        filters = rng.sample(COLUMNS, rng.randint(0, 3))
        where = [f'{table}."organizationId" = $1'] + [f'{table}."{c}" = ${i + 2}' for i, c in enumerate(filters)]
        if rng.random() < 0.3:
            where.append(f'{table}."deletedAt" IS NULL')
        order = rng.choice(["", f' ORDER BY {table}."createdAt" DESC', f' ORDER BY {table}."id" ASC'])
        n = len(filters) + 2
        page = rng.choice(["", f" LIMIT ${n} OFFSET ${n + 1}"]) if order else ""
        select = rng.choice([f'{table}."id"', f'{table}."id", {table}."title"', "count(*)"])
        if select == "count(*)":
            order = page = ""
        text = f"SELECT {select} FROM {table} WHERE ({' AND '.join(where)}){order}{page}"
        if text not in seen:
            seen.add(text)
            yield text, n + 1 if page else n - 1


def _record(dsn: str, statements: list[tuple[str, int]]) -> None:
    """Run each statement once with server-bound NULL parameters, so pg_stat_statements records it."""
    with psycopg.connect(dsn, autocommit=True) as conn, psycopg.RawCursor(conn) as cursor:
        for text, n_params in statements:
            cursor.execute(text, [None] * n_params or None)
            cursor.fetchall()


def _cold(snapshot: Snapshot) -> Snapshot:
    """A copy of `snapshot` with nothing derived yet and an empty parse cache: every text is parsed again."""
    parsed_cache_clear()
    planning_text.cache_clear()
    return Snapshot.from_dict(snapshot.to_dict())


def _advise(dsn: str, snapshot: Snapshot) -> list[object]:
    """missing_index from cold: a new planner session (no plans kept) and no parse kept."""
    with Planner.open(parse(dsn)) as planner:
        return list(MissingIndex(planner).run(_cold(snapshot), MissingIndex.settings({})))


if __name__ == "__main__":
    main()
