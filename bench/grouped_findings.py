"""Findings of one statement shape on many tables, grouped (issue 16): the 5,000-table database of the issue.

Creates, on a throwaway server (the embedded PostgreSQL 18 by default), N tenant tables (default 5,000, each
with the tenant column "organizationId" and a foreign key to the tenant root), runs the same two statement
shapes without a tenant predicate on M of them (default 1,633) — a cross-tenant write
``UPDATE "public"."T<n>" SET "code" = $1 WHERE "id" = $2`` and a cross-tenant read
``SELECT "id", "code" FROM "public"."T<n>" WHERE "id" = $1`` — and one correctly scoped read on the rest, then
runs ``pgdiag scan --json`` once and prints how many tenant_unfiltered findings the report has, how many
table-level findings they stand for, and what the Top 5 actions (by the HTML's ranking) are made of.

Usage: python bench/grouped_findings.py [--tables 5000] [--unscoped 1633] [--major 18]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

import psycopg
from psycopg import sql
from servers import installation, throwaway_server

SETTINGS = {"shared_preload_libraries": "pg_stat_statements", "pg_stat_statements.max": "20000",
            "fsync": "off", "synchronous_commit": "off", "max_locks_per_transaction": "256"}
BATCH = 250


def main() -> None:
    """Build the database, scan it, print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tables", type=int, default=5000)
    parser.add_argument("--unscoped", type=int, default=1633)
    parser.add_argument("--major", type=int, default=18)
    args = parser.parse_args()
    chosen = installation(args.major)
    with throwaway_server(chosen, SETTINGS) as (server, base):
        started = time.perf_counter()
        _create(server.dsn("postgres"), server.dsn("grouped"), args.tables, args.unscoped)
        print(f"PostgreSQL {chosen.major}: {args.tables:,} tenant tables, unscoped statements on {args.unscoped:,} "
              f"(built in {time.perf_counter() - started:.0f} s)")
        out = base / "report.json"
        started = time.perf_counter()
        done = subprocess.run([str(Path(sys.executable).with_name("pgdiag")), "scan", "-d", server.dsn("grouped"),
                               "--json", str(out), "--quiet"], capture_output=True, text=True)
        if done.returncode not in (0, 1):
            sys.exit(f"bench: pgdiag scan failed: {done.stderr}")
        scan_s = time.perf_counter() - started
        document = json.loads(out.read_text())
    tenant = [f for f in document["findings"] if f["check"] == "tenant_unfiltered"]
    stands_for = sum(len(f.get("objects") or [None]) for f in tenant)
    print(f"scan: {scan_s:.1f} s; findings: {len(document['findings']):,} in all")
    print(f"tenant_unfiltered: {len(tenant):,} findings standing for {stands_for:,} table-level findings")
    for finding in tenant:
        objects = finding.get("objects")
        print(f"  {finding['severity']:<8} {len(objects) if objects else 1:>5,} table(s): {finding['title'][:90]}")
    print("checks:", ", ".join(f"{c['id']}={c['status']}" for c in document["checks"] if c["status"] != "ran")
          or "every check ran")


def _create(admin_dsn: str, dsn: str, tables: int, unscoped: int) -> None:
    """The tenant root, `tables` tenant tables of ten rows, and the workload: two unscoped shapes on the first
    `unscoped` tables, one scoped read on the others."""
    with psycopg.connect(admin_dsn, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier("grouped")))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier("grouped")))
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("CREATE EXTENSION pg_stat_statements")
        conn.execute('CREATE TABLE "Organization" ("id" int PRIMARY KEY, "name" text NOT NULL)')
        conn.execute('INSERT INTO "Organization" SELECT g, \'org \' || g FROM generate_series(1, 10) g')
        for start in range(0, tables, BATCH):
            with conn.transaction():
                for n in range(start, min(start + BATCH, tables)):
                    conn.execute(f'CREATE TABLE "T{n}" ("id" int PRIMARY KEY, "organizationId" int NOT NULL '
                                 f'REFERENCES "Organization", "code" text);'
                                 f'CREATE INDEX ON "T{n}" ("organizationId");'
                                 f'INSERT INTO "T{n}" SELECT g, 1 + g % 10, \'c\' || g FROM generate_series(1, 10) g')
        conn.execute("ANALYZE")
        conn.execute("SELECT pg_stat_statements_reset()")
        with psycopg.RawCursor(conn) as cursor:
            for n in range(tables):
                if n < unscoped:
                    cursor.execute(f'UPDATE "public"."T{n}" SET "code" = $1 WHERE "id" = $2', ["x", 1])
                    cursor.execute(f'SELECT "id", "code" FROM "public"."T{n}" WHERE "id" = $1', [1])
                else:
                    cursor.execute(f'SELECT "id", "code" FROM "public"."T{n}" WHERE "organizationId" = $1', [1])
                if cursor.description is not None:
                    cursor.fetchall()


if __name__ == "__main__":
    main()
