"""Scan speed and memory at scale, against the floor of running the same catalog SQL through psql.

Creates, on a throwaway server (the embedded PostgreSQL 18 by default), a database with N tenant
tables (each with a primary key, two indexes and a foreign key to the tenant root) and about one
distinct statement per table in pg_stat_statements, then, best of 3 in the same run:

- floor: every collector's SQL, exactly as pgdiag sends it, through ``psql -X -f`` (one session);
- scan:  ``pgdiag scan --json --html`` as a separate process (wall time and peak RSS).

It does that for 500 and for N tables (default 5,000) to show how the scan grows, and times
``pgdiag --help`` (start-up cost of the command line). Targets (issue #8): scan ≤ 1.5× the floor,
peak RSS ≤ 250 MB, HTML ≤ 3 MB, ``--help`` ≤ 0.3 s.

Usage: python bench/scale.py [--tables 5000] [--major 18]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import psycopg
from psycopg import sql
from servers import installation, throwaway_server
from timing import best_of

from pgdiag.collect.runner import COLLECTORS, STATEMENT_COLLECTORS
from pgdiag.db import queries
from pgdiag.db.server import Installation, LocalServer

SETTINGS = {"shared_preload_libraries": "pg_stat_statements", "pg_stat_statements.max": "20000",
            "fsync": "off", "synchronous_commit": "off", "max_locks_per_transaction": "256"}
RUNS = 3
BATCH = 250


@dataclass(frozen=True)
class Figures:
    """One database size's measurements, in seconds, megabytes and bytes."""

    tables: int
    floor_s: float
    scan_s: float
    peak_rss_mb: float
    html_bytes: int
    json_bytes: int


def main() -> None:
    """Build the databases, measure, print the table of figures and the targets."""
    args = _arguments()
    chosen = installation(args.major)
    with throwaway_server(chosen, SETTINGS) as (server, base):
        print(f"PostgreSQL {chosen.major} ({chosen.source}); best of {RUNS} runs each")
        results = [_measure(server, chosen, size, base) for size in sorted({min(500, args.tables), args.tables})]
    help_s = best_of(lambda: subprocess.run([_pgdiag(), "--help"], check=True, capture_output=True))
    print(f"{'tables':>7} {'floor (psql)':>13} {'pgdiag scan':>12} {'ratio':>6} {'peak RSS':>9} {'HTML':>8} {'JSON':>8}")
    for r in results:
        print(f"{r.tables:>7,} {r.floor_s:>11.2f} s {r.scan_s:>10.2f} s {r.scan_s / r.floor_s:>5.2f}x "
              f"{r.peak_rss_mb:>6.0f} MB {r.html_bytes / 1e6:>5.2f} MB {r.json_bytes / 1e6:>5.2f} MB")
    biggest = results[-1]
    print(f"pgdiag --help: {help_s:.2f} s")
    targets = [("scan ≤ 1.5× floor", biggest.scan_s <= 1.5 * biggest.floor_s),
               ("peak RSS ≤ 250 MB", biggest.peak_rss_mb <= 250), ("HTML ≤ 3 MB", biggest.html_bytes <= 3e6),
               ("--help ≤ 0.3 s", help_s <= 0.3)]
    print("targets at", f"{biggest.tables:,} tables:", "; ".join(f"{name}: {'met' if ok else 'NOT met'}"
                                                           for name, ok in targets))


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tables", type=int, default=5000)
    parser.add_argument("--major", type=int, default=18)
    return parser.parse_args()


def _measure(server: LocalServer, installation: Installation, tables: int, base: Path) -> Figures:
    """Create the database of `tables` tables and time the floor and the scan on it."""
    dbname = f"scale_{tables}"
    _create(server, dbname, tables)
    dsn = server.dsn(dbname)
    script = base / f"catalog_{tables}.sql"
    _write_catalog_sql(dsn, script)
    psql = str(installation.bin_dir / "psql")
    floor = best_of(lambda: subprocess.run([psql, "-X", "-q", "-v", "ON_ERROR_STOP=1", "-o", os.devnull, "-f",
                                          str(script), dsn], check=True, capture_output=True))
    html, json_out = base / f"report_{tables}.html", base / f"report_{tables}.json"
    scans = [_scan(dsn, html, json_out) for _ in range(RUNS)]
    return Figures(tables, floor, min(s for s, _ in scans), max(m for _, m in scans), html.stat().st_size,
                   json_out.stat().st_size)


def _create(server: LocalServer, dbname: str, tables: int) -> None:
    """A tenant root and `tables` tenant tables, ten rows each, and one distinct statement per table."""
    with psycopg.connect(server.dsn("postgres"), autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(dbname)))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(dbname)))
    with psycopg.connect(server.dsn(dbname), autocommit=True) as conn:
        conn.execute("CREATE EXTENSION pg_stat_statements")
        conn.execute('CREATE TABLE "Organization" ("id" int PRIMARY KEY, "name" text NOT NULL)')
        conn.execute('INSERT INTO "Organization" SELECT g, \'org \' || g FROM generate_series(1, 10) g')
        for start in range(0, tables, BATCH):
            with conn.transaction():
                for n in range(start, min(start + BATCH, tables)):
                    conn.execute(
                        f'CREATE TABLE "T{n}" ("id" int PRIMARY KEY, "organizationId" int NOT NULL '
                        f'REFERENCES "Organization", "code" text, "createdAt" timestamptz NOT NULL DEFAULT now());'
                        f'CREATE INDEX ON "T{n}" ("organizationId", "createdAt");'
                        f'CREATE INDEX ON "T{n}" ("code");'
                        f'INSERT INTO "T{n}" SELECT g, 1 + g % 10, \'c\' || g FROM generate_series(1, 10) g')
        conn.execute("ANALYZE")
        conn.execute("SELECT pg_stat_statements_reset()")
        with psycopg.RawCursor(conn) as cursor:
            for n in range(tables):
                cursor.execute(f'SELECT "id", "code" FROM "public"."T{n}" WHERE "organizationId" = $1 '
                               f'ORDER BY "createdAt" DESC LIMIT $2', [1, 20])
                cursor.fetchall()


def _write_catalog_sql(dsn: str, path: Path) -> None:
    """Every collector's statement as pgdiag would send it to this server, in one psql script."""
    with psycopg.connect(dsn) as conn:
        version = conn.info.server_version
        schema = conn.execute("SELECT extnamespace::regnamespace::text FROM pg_extension "
                              "WHERE extname = 'pg_stat_statements'").fetchone()[0]
        texts = []
        for name in COLLECTORS:
            template = sql.SQL(queries.get(name, version))
            if name in STATEMENT_COLLECTORS:
                template = template.format(pgss_schema=sql.Identifier(schema), all_databases=sql.Literal(False))
            texts.append(template.as_string(conn).rstrip().rstrip(";") + ";")
    path.write_text("BEGIN READ ONLY;\n" + "\n".join(texts) + "\nCOMMIT;\n", encoding="utf-8")


def _scan(dsn: str, html: Path, json_out: Path) -> tuple[float, float]:
    """One ``pgdiag scan`` process: its wall time and peak resident memory in MB."""
    started = time.perf_counter()
    process = subprocess.Popen([_pgdiag(), "scan", "-d", dsn, "--json", str(json_out), "--html", str(html)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status) not in (0, 1):
        sys.exit(f"bench: pgdiag scan failed: {process.stderr.read().decode() if process.stderr else ''}")
    return elapsed, usage.ru_maxrss / 1024


def _pgdiag() -> str:
    """The ``pgdiag`` script of the interpreter running this bench."""
    return str(Path(sys.executable).with_name("pgdiag"))


if __name__ == "__main__":
    main()
