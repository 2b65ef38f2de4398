"""Scan speed and memory at scale, on a database with work to do, against the floor of its catalog SQL.

Creates, on a throwaway server (the system's PostgreSQL 15 by default, with hypopg where it is
installed), a database of N tenant tables (default 5,000; each with a primary key, two indexes, a
foreign key to the tenant root and 20 rows). Then, for each statement count (default 5,000, 8,000
and 50,000), it resets pg_stat_statements, runs that many distinct statements once each — a third
``SELECT … WHERE "a" = $1`` (no tenant predicate, no index: leaks and unindexed filters on small
tables), a third ``SELECT count(…) … WHERE "organizationId" = $1 AND "b" = $2`` (served by an index),
a third ``UPDATE … SET … WHERE "id" = $n`` (cross-tenant writes) — and times, best of 3 in the same run:

- floor: every collector's SQL, exactly as pgdiag sends it, through ``psql -X -f`` (one session);
- scan:  ``pgdiag scan --json --html`` as a separate process (wall time, CPU time and peak RSS).

It prints floor, scan, ratio, findings and peak RSS per count, the growth of the scan from the
smallest count to the largest, and the start-up of ``pgdiag --help``. Targets (issue #17): on
8,000 statements the scan ≤ 1.5× the floor with peak RSS ≤ 150 MB; 50,000 statements ≤ 12× the
time of 5,000; ``--help`` ≤ 0.3 s.

Usage: python bench/scale.py [--tables 5000] [--statements 5000,8000,50000] [--major 15] [--no-hypopg]
"""

from __future__ import annotations

import argparse
import json
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

SETTINGS = {"shared_preload_libraries": "pg_stat_statements", "pg_stat_statements.max": "60000",
            "fsync": "off", "synchronous_commit": "off", "max_locks_per_transaction": "256"}
RUNS = 3
BATCH = 250
ROWS = 20
DBNAME = "scale"
# Distinct projections per statement kind: pg_stat_statements tells statements apart by their shape.
SELECTED = ('*', '"id", "a"', '"id", "b"', '"id", "c"', '"id", "a", "b"', '"a", "c"', '"id", "createdAt"')
COUNTED = ('count(*)', 'count("id")', 'count("a")', 'count("c")', 'max("a")', 'min("c")', 'sum("a")')
SET = ('"b" = $1', '"c" = $1', '"a" = $1', '"b" = $1, "c" = $2', '"a" = $1, "b" = $2', '"createdAt" = $1',
       '"a" = $1, "c" = $2')


@dataclass(frozen=True)
class Figures:
    """One statement count's measurements, in seconds, megabytes and bytes."""

    statements: int
    floor_s: float
    scan_s: float
    scan_cpu_s: float
    peak_rss_mb: float
    findings: int
    html_bytes: int
    json_bytes: int


def main() -> None:
    """Build the database, measure every statement count, print the figures and the targets."""
    args = _arguments()
    chosen = installation(args.major, prefer_system=True)
    counts = sorted({int(n) for n in args.statements.split(",")})
    with throwaway_server(chosen, SETTINGS) as (server, base):
        hypopg = _create(server, args.tables, not args.no_hypopg)
        print(f"PostgreSQL {chosen.major} ({chosen.source}), hypopg: {'yes' if hypopg else 'no'}; "
              f"{args.tables:,} tables; best of {RUNS} runs each; load before: {_load()}")
        results = [_measure(server, chosen, count, args.tables, base) for count in counts]
    help_s = best_of(lambda: subprocess.run([_pgdiag(), "--help"], check=True, capture_output=True))
    print(f"{'statements':>10} {'floor (psql)':>13} {'pgdiag scan':>12} {'ratio':>6} {'scan CPU':>9} {'findings':>9} "
          f"{'peak RSS':>9} {'HTML':>8} {'JSON':>8}")
    for r in results:
        print(f"{r.statements:>10,} {r.floor_s:>11.2f} s {r.scan_s:>10.2f} s {r.scan_s / r.floor_s:>5.2f}x "
              f"{r.scan_cpu_s:>7.2f} s {r.findings:>9,} {r.peak_rss_mb:>6.0f} MB {r.html_bytes / 1e6:>5.2f} MB "
              f"{r.json_bytes / 1e6:>5.2f} MB")
    first, last = results[0], results[-1]
    growth = last.scan_s / first.scan_s
    print(f"growth from {first.statements:,} to {last.statements:,} statements: scan {growth:.2f}x, "
          f"floor {last.floor_s / first.floor_s:.2f}x")
    print(f"pgdiag --help: {help_s:.2f} s; load after: {_load()}")
    realistic = next((r for r in results if r.statements == 8000), last)
    targets = [(f"scan ≤ 1.5× floor at {realistic.statements:,}", realistic.scan_s <= 1.5 * realistic.floor_s),
               (f"peak RSS ≤ 150 MB at {realistic.statements:,}", realistic.peak_rss_mb <= 150),
               (f"{last.statements:,} ≤ 12× the time of {first.statements:,}", growth <= 12),
               ("--help ≤ 0.3 s", help_s <= 0.3)]
    print("targets:", "; ".join(f"{name}: {'met' if ok else 'NOT met'}" for name, ok in targets))


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tables", type=int, default=5000)
    parser.add_argument("--statements", default="5000,8000,50000", help="comma-separated statement counts")
    parser.add_argument("--major", type=int, default=15)
    parser.add_argument("--no-hypopg", action="store_true", help="do not create hypopg (the estimate path)")
    return parser.parse_args()


def _measure(server: LocalServer, installation: Installation, count: int, tables: int, base: Path) -> Figures:
    """Record `count` statements, then time the floor and the scan on them."""
    dsn = server.dsn(DBNAME)
    _record(dsn, count, tables)
    script = base / f"catalog_{count}.sql"
    _write_catalog_sql(dsn, script)
    psql = str(installation.bin_dir / "psql")
    floor = best_of(lambda: subprocess.run([psql, "-X", "-q", "-v", "ON_ERROR_STOP=1", "-o", os.devnull, "-f",
                                          str(script), dsn], check=True, capture_output=True))
    html, json_out = base / f"report_{count}.html", base / f"report_{count}.json"
    scans = [_scan(dsn, html, json_out) for _ in range(RUNS)]
    findings = len(json.loads(json_out.read_text(encoding="utf-8"))["findings"])
    return Figures(count, floor, min(s for s, _, _ in scans), min(c for _, c, _ in scans), max(m for _, _, m in scans),
                   findings, html.stat().st_size, json_out.stat().st_size)


def _create(server: LocalServer, tables: int, want_hypopg: bool) -> bool:
    """A tenant root and `tables` tenant tables of 20 rows; True when hypopg was created."""
    with psycopg.connect(server.dsn("postgres"), autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(DBNAME)))
    with psycopg.connect(server.dsn(DBNAME), autocommit=True) as conn:
        conn.execute("CREATE EXTENSION pg_stat_statements")
        available = conn.execute("SELECT count(*) FROM pg_available_extensions WHERE name = 'hypopg'").fetchone()[0]
        hypopg = want_hypopg and bool(available)
        if hypopg:
            conn.execute("CREATE EXTENSION hypopg")
        conn.execute('CREATE TABLE "Organization" ("id" int PRIMARY KEY, "name" text NOT NULL)')
        conn.execute('INSERT INTO "Organization" SELECT g, \'org \' || g FROM generate_series(1, 10) g')
        for start in range(0, tables, BATCH):
            with conn.transaction():
                for n in range(start, min(start + BATCH, tables)):
                    conn.execute(
                        f'CREATE TABLE "t{n}" ("id" int PRIMARY KEY, "organizationId" int NOT NULL '
                        f'REFERENCES "Organization", "a" int, "b" int, "c" text, '
                        f'"createdAt" timestamptz NOT NULL DEFAULT now());'
                        f'CREATE INDEX ON "t{n}" ("organizationId", "b");'
                        f'CREATE INDEX ON "t{n}" ("c");'
                        f'INSERT INTO "t{n}" SELECT g, 1 + g % 10, g % 7, g % 5, \'c\' || g '
                        f'FROM generate_series(1, {ROWS}) g')
        conn.execute("VACUUM ANALYZE")
    return hypopg


def _statements(count: int, tables: int) -> list[tuple[str, list[object]]]:
    """`count` distinct statements over the tables, a third of each kind, with their parameters."""
    made = []
    for i in range(count):
        table, round_ = i % tables, i // tables
        kind, shape = (table + round_) % 3, round_ // 3
        name = f'"public"."t{table}"'
        if kind == 0:
            made.append((f'SELECT {SELECTED[shape % len(SELECTED)]} FROM {name} WHERE "a" = $1', [1]))
        elif kind == 1:
            made.append((f'SELECT {COUNTED[shape % len(COUNTED)]} FROM {name} '
                         f'WHERE "organizationId" = $1 AND "b" = $2', [1, 1]))
        else:
            assignments = SET[shape % len(SET)]
            n = assignments.count("$") + 1
            params = [_value(column) for column in _assigned(assignments)] + [1]
            made.append((f'UPDATE {name} SET {assignments} WHERE "id" = ${n}', params))
    return made


def _assigned(assignments: str) -> list[str]:
    """The column names an assignment list sets, in order."""
    return [part.split("=")[0].strip().strip('"') for part in assignments.split(",")]


def _value(column: str) -> object:
    """A value of the column's type for an UPDATE's parameter."""
    return {"c": "x", "createdAt": "2026-01-01"}.get(column, 1)


def _record(dsn: str, count: int, tables: int) -> None:
    """Forget recorded statements, then run `count` distinct ones once each."""
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("SELECT pg_stat_statements_reset()")
        with psycopg.RawCursor(conn) as cursor:
            for text, params in _statements(count, tables):
                cursor.execute(text, params)


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


def _scan(dsn: str, html: Path, json_out: Path) -> tuple[float, float, float]:
    """One ``pgdiag scan`` process: its wall time, its CPU time (user and system: what the load of a shared
    machine changes least) and its peak resident memory in MB."""
    started = time.perf_counter()
    process = subprocess.Popen([_pgdiag(), "scan", "-d", dsn, "--json", str(json_out), "--html", str(html)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status) not in (0, 1):
        sys.exit(f"bench: pgdiag scan failed: {process.stderr.read().decode() if process.stderr else ''}")
    return elapsed, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024


def _load() -> str:
    """The machine's load averages (1, 5, 15 minutes): timings on a shared machine need them beside."""
    return " ".join(f"{n:.2f}" for n in os.getloadavg())


def _pgdiag() -> str:
    """The ``pgdiag`` script of the interpreter running this bench."""
    return str(Path(sys.executable).with_name("pgdiag"))


if __name__ == "__main__":
    main()
