"""``pgdiag explain``: profile one statement — where the time went, what is wrong, the index that fixes it."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from pgdiag.cli.options import (
    ConnectTimeout,
    DsnOption,
    LockTimeout,
    StatementTimeout,
    limits,
)
from pgdiag.cli.output import HtmlOption, JsonOption, check_destinations


def explain(
    statement: Annotated[Optional[str], typer.Argument(
        help="The SQL statement, or - to read it from standard input.", metavar="SQL", show_default=False)] = None,
    file: Annotated[Optional[Path], typer.Option(
        "--file", "-f", help="Read the statement from FILE.", metavar="FILE", show_default=False)] = None,
    queryid: Annotated[Optional[str], typer.Option(
        "--queryid", help="Explain the statement pg_stat_statements recorded under this queryid.", metavar="N",
        show_default=False)] = None,
    params: Annotated[Optional[str], typer.Option(
        "--params", help="Values of $1, $2… as a JSON array, e.g. '[42, \"open\"]'; without them a statement "
        "with parameters gets its generic plan, not run.", metavar="JSON", show_default=False)] = None,
    dsn: DsnOption = None,
    json_out: JsonOption = None,
    html_out: HtmlOption = None,
    no_analyze: Annotated[bool, typer.Option(
        "--no-analyze", help="Plan the statement without running it (plain EXPLAIN).")] = False,
    allow_writes: Annotated[bool, typer.Option(
        "--allow-writes", help="Run a data-modifying statement in a read-write transaction that is rolled back.")]
    = False,
    config_file: Annotated[Optional[Path], typer.Option(
        "--config", metavar="FILE", help="pgdiag.toml: thresholds of the plan insights (\\[checks.plan_*]).",
        show_default=False)] = None,
    statement_timeout: StatementTimeout = 30.0,
    lock_timeout: LockTimeout = 1.0,
    connect_timeout: ConnectTimeout = 10,
) -> None:
    """Run EXPLAIN ANALYZE safely (rolled back, read-only unless --allow-writes) and show where the time went,
    what is wrong with the plan and the index that fixes it."""
    from pgdiag.config.loader import load
    from pgdiag.core.errors import PgdiagError
    from pgdiag.db.dsn import resolve
    from pgdiag.explain.profile import ExplainOptions, profile
    from pgdiag.explain.source import parse_params, parse_queryid, read_text
    from pgdiag.render import write_output

    given = [name for name, value in (("SQL", statement), ("-f FILE", file), ("--queryid", queryid))
             if value is not None]
    if len(given) != 1:
        got = f" (got {', '.join(given)})" if given else ""
        raise PgdiagError(f"give the statement in exactly one way: as SQL, - for standard input, -f FILE or "
                          f"--queryid N{got}")
    check_destinations(json_out, html_out)
    config = load(config_file)
    options = ExplainOptions(analyze=not no_analyze, allow_writes=allow_writes,
                             params=parse_params(params) if params is not None else None)
    number = parse_queryid(queryid) if queryid is not None else None
    text = read_text(statement, file) if number is None else None
    result = profile(resolve(dsn), text=text, queryid=number, options=options,
                     limits=limits(statement_timeout, lock_timeout, connect_timeout), config=config)
    if json_out:
        from pgdiag.render.explain_json import render_explain_json

        write_output(json_out, render_explain_json(result))
    if html_out:
        from pgdiag.render.explain_html import render_explain_html

        write_output(html_out, render_explain_html(result))
    if json_out != "-":
        from pgdiag.render.explain_terminal import print_profile

        print_profile(result)
