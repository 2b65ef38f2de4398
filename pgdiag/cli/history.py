"""``pgdiag history``: list the snapshots in a store, apply retention with ``--keep``, or follow one statement
across the snapshots with ``--statement``."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Annotated, Optional

import typer

from pgdiag.cli.output import HtmlOption, JsonOption, check_destinations
from pgdiag.cli.tracking import (
    KeepOption,
    StoreOption,
    TargetFilterOption,
    apply_retention,
    open_for_reading,
)

StatementOption = Annotated[Optional[str], typer.Option(
    "--statement", metavar="QUERYID|TEXT", show_default=False,
    help="Show one statement in every stored snapshot (calls, mean and total time per interval, rows per "
         "call, plan): its queryid, or its text (or a unique part of it).")]


def history(store: StoreOption = None, target: TargetFilterOption = None, json_out: JsonOption = None,
            keep: KeepOption = None, statement: StatementOption = None, html_out: HtmlOption = None) -> None:
    """List the stored snapshots, oldest first (with --keep, delete old ones first); with --statement, one
    statement's figures and plans in each of them."""
    from pgdiag.history.retention import parse_keep
    from pgdiag.render import write_output

    check_destinations(json_out, html_out)
    if html_out and statement is None:
        raise typer.BadParameter("--html needs --statement (the chart of one statement over time)")
    period = parse_keep(keep) if keep else None
    if statement is not None:
        _statement(store, target, period, statement, json_out, html_out)
        return
    from pgdiag.render.snapshot_list import history_document, print_history

    with open_for_reading(store) as opened:
        apply_retention(opened, period)
        snapshots = opened.snapshots(target)
        display = opened.display
    if json_out:
        write_output(json_out, json.dumps(history_document(display, snapshots), indent=2) + "\n")
    if json_out != "-":
        print_history(display, snapshots)


def _statement(store: str | None, target: str | None, period: timedelta | None, statement: str, json_out: str | None,
               html_out: str | None) -> None:
    """``history --statement``: the statement's points as JSON (``{"points": [...]}``), HTML and a table."""
    from pgdiag.history.statement_trend import load_trend
    from pgdiag.render import write_output
    from pgdiag.render.statement_trend import print_trend, render_trend_html

    with open_for_reading(store) as opened:
        apply_retention(opened, period)
        trend = load_trend(opened, statement, target)
    if json_out:
        write_output(json_out, json.dumps(trend.to_dict(), indent=2) + "\n")
    if html_out:
        write_output(html_out, render_trend_html(trend))
    if json_out != "-":
        print_trend(trend)
