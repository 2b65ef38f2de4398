"""Rendering a 200-node plan: terminal tree, JSON and HTML, timed on a real plan.

Starts a throwaway PostgreSQL (the embedded 18 by default), creates a table, and runs
``pgdiag explain`` (EXPLAIN ANALYZE, plan model, insights) on a UNION ALL of small sorted scans —
each branch a Limit over a Sort over a Seq Scan, so 66 branches under an Append under a Limit make
200 nodes.
Then times, best of 3:

- the plan model and insights (``build_plan`` + ``run_insights``), for scale;
- the terminal tree (rich, rendered into a buffer 120 columns wide);
- the JSON document;
- the HTML page.

Usage: python bench/explain_render.py [--branches 66] [--major 15|18]
"""

from __future__ import annotations

import argparse
import io

import psycopg
from rich.console import Console
from servers import installation, throwaway_server
from timing import best_of

from pgdiag.db.dsn import parse
from pgdiag.db.server import LocalServer
from pgdiag.explain.insights import InsightContext, run_insights
from pgdiag.explain.plan import build_plan
from pgdiag.explain.profile import profile
from pgdiag.render.explain_html import render_explain_html
from pgdiag.render.explain_json import render_explain_json
from pgdiag.render.explain_terminal import print_profile

SETTINGS = {"shared_preload_libraries": "pg_stat_statements", "fsync": "off", "synchronous_commit": "off"}


def main() -> None:
    """Run the benchmark and print its figures."""
    args = _arguments()
    chosen = installation(args.major)
    with throwaway_server(chosen, SETTINGS) as (server, _):
        _create(server)
        branches = " UNION ALL ".join(f"(SELECT id, k FROM bench WHERE k = {n} ORDER BY id DESC LIMIT 3)"
                                      for n in range(args.branches))
        statement = f"SELECT * FROM ({branches}) AS branches LIMIT 1000"
        result = profile(parse(server.dsn("bench")), text=statement)
        nodes = len(result.plan.nodes)
        print(f"PostgreSQL {chosen.major} ({chosen.source}); plan of {nodes} nodes, "
              f"{len(result.findings)} findings, EXPLAIN ANALYZE execution {result.plan.execution_ms:.1f} ms")
        figures = {
            "plan model + insights": best_of(lambda: run_insights(
                InsightContext(plan=build_plan(result.run.document), query=result.query))),
            "terminal tree (rich)": best_of(lambda: print_profile(result, Console(
                file=io.StringIO(), width=120, force_terminal=True, color_system="truecolor"))),
            "JSON": best_of(lambda: render_explain_json(result)),
            "HTML": best_of(lambda: render_explain_html(result)),
        }
        for name, seconds in figures.items():
            print(f"{name:24} {seconds * 1000:9.1f} ms")
        html = render_explain_html(result)
        print(f"HTML page: {len(html) / 1024:,.0f} kB; JSON: {len(render_explain_json(result)) / 1024:,.0f} kB")


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--branches", type=int, default=66, help="UNION ALL branches (3 nodes each, plus the Append and the Limit)")
    parser.add_argument("--major", type=int, default=None, help="PostgreSQL major to use (default: the embedded 18)")
    return parser.parse_args()


def _create(server: LocalServer) -> None:
    """The bench database: one table of 10,000 rows in 100 groups, without any index."""
    with psycopg.connect(server.dsn("postgres"), autocommit=True) as conn:
        conn.execute("DROP DATABASE IF EXISTS bench")
        conn.execute("CREATE DATABASE bench")
    with psycopg.connect(server.dsn("bench"), autocommit=True) as conn:
        conn.execute("CREATE TABLE bench (id int NOT NULL, k int NOT NULL)")
        conn.execute("INSERT INTO bench SELECT g, g % 100 FROM generate_series(1, 10000) g")
        conn.execute("ANALYZE bench")


if __name__ == "__main__":
    main()
