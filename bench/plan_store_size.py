"""What plans cost a history store (issue 20): bytes per snapshot for 50 plans, and for 90 nights of them.

Starts a throwaway PostgreSQL (the embedded 18 by default), creates ten tables with indexes and runs 50
different statements on them (filters, joins of two and three tables, aggregates, sorts), scans once with
plans, then stores that scan 90 times (one a night) in two SQLite stores: one with the plans, one without.
Prints the compressed size of the 50 plans, and the stores' sizes and their difference per night (the
floor, the store without plans, is measured in the same run).

Usage: python bench/plan_store_size.py [--nights 90] [--plans 50] [--major 15|18]
"""

from __future__ import annotations

import argparse
from dataclasses import replace
from datetime import datetime, timedelta, timezone

import psycopg
from servers import installation, throwaway_server

from pgdiag.config.model import Config
from pgdiag.db.dsn import parse
from pgdiag.db.server import LocalServer
from pgdiag.history.baseline import record_of
from pgdiag.history.store import open_store
from pgdiag.history.store.plans import encode_plan
from pgdiag.scan import scan

SETTINGS = {"shared_preload_libraries": "pg_stat_statements", "fsync": "off", "synchronous_commit": "off"}
TABLES = 10


def main() -> None:
    """Run the benchmark and print its figures."""
    args = _arguments()
    chosen = installation(args.major)
    with throwaway_server(chosen, SETTINGS) as (server, base):
        _create(server, args.plans)
        result = scan(parse(server.dsn("bench")), plans=args.plans)
        plans = result.plans[:args.plans]
        status = result.snapshot.status("plans")
        print(f"plans collector: {status.status if status else None}, {status.message if status else None}")
        blobs = sum(len(encode_plan(p.plan)) for p in plans)
        print(f"PostgreSQL {chosen.major} ({chosen.source}); {len(plans)} plans, "
              f"{len({p.fingerprint for p in plans})} shapes, {blobs:,} bytes compressed "
              f"({blobs / max(len(plans), 1):,.0f} per plan)")
        record = record_of(result, "bench", None, Config())
        sizes = {}
        for label, kept in (("without plans", ()), ("with plans", plans)):
            path = base / f"{label.replace(' ', '_')}.sqlite3"
            start = datetime(2026, 1, 1, tzinfo=timezone.utc)
            with open_store(str(path), create=True) as store:
                for night in range(args.nights):
                    store.save(replace(record, plans=kept, snapshot=replace(
                        result.snapshot, collected_at=start + timedelta(days=night))))
            sizes[label] = path.stat().st_size + sum(p.stat().st_size for p in base.glob(f"{path.name}-*"))
            print(f"store {label:14} after {args.nights} nights: {sizes[label]:>12,} bytes")
        extra = sizes["with plans"] - sizes["without plans"]
        print(f"plans add {extra:,} bytes over {args.nights} nights: {extra / args.nights:,.0f} bytes per snapshot "
              f"({100 * extra / sizes['without plans']:.1f} % of the store without plans)")


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nights", type=int, default=90, help="snapshots stored")
    parser.add_argument("--plans", type=int, default=50, help="statements planned per snapshot")
    parser.add_argument("--major", type=int, default=None, help="PostgreSQL major to use (default: the embedded 18)")
    return parser.parse_args()


def _create(server: LocalServer, statements: int) -> None:
    """Ten tables of 2,000 rows, each with an index on its key column and a foreign key to the one before,
    and `statements` different statements run a few times each."""
    with psycopg.connect(server.dsn("postgres"), autocommit=True) as conn:
        conn.execute("DROP DATABASE IF EXISTS bench")
        conn.execute("CREATE DATABASE bench")
    with psycopg.connect(server.dsn("bench"), autocommit=True) as conn:
        conn.execute("CREATE EXTENSION pg_stat_statements")
        for t in range(TABLES):
            conn.execute(f"CREATE TABLE t{t} (id int PRIMARY KEY, k int NOT NULL, v text)")
            conn.execute(f"INSERT INTO t{t} SELECT g, g % 100, md5(g::text) FROM generate_series(1, 2000) g")
            conn.execute(f"CREATE INDEX t{t}_k ON t{t} (k)")
        conn.execute("ANALYZE")
        shapes = [
            "SELECT id, v FROM t{a} WHERE k = $1",
            "SELECT count(*) FROM t{a} WHERE id < $1",
            "SELECT t{a}.id, t{b}.v FROM t{a} JOIN t{b} ON t{b}.id = t{a}.k WHERE t{a}.k = $1",
            "SELECT t{a}.k, count(*) FROM t{a} JOIN t{b} ON t{b}.k = t{a}.k GROUP BY t{a}.k ORDER BY 2 DESC LIMIT 10",
            "SELECT t{a}.id FROM t{a} JOIN t{b} ON t{b}.id = t{a}.id JOIN t{c} ON t{c}.k = t{b}.k WHERE t{c}.v = $1",
        ]
        # No aliases: PostgreSQL 18's pg_stat_statements hashes a table's alias, so "t0 a" and "t1 a" share a queryid.
        texts = [shape.format(a=n % TABLES, b=(n + 1) % TABLES, c=(n + 2) % TABLES)
                 for n in range(TABLES) for shape in shapes][:statements]
        conn.execute("SELECT pg_stat_statements_reset()")
        for text in texts:
            params = ["x"] if ".v = $1" in text else [5] if "$1" in text else []
            with psycopg.RawCursor(conn) as cursor:
                for _ in range(3):
                    cursor.execute(text, params or None)
                    cursor.fetchall()


if __name__ == "__main__":
    main()
