"""``pgdiag report``: re-render a stored snapshot, with what changed since the snapshot before it."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from pgdiag.cli.output import HtmlOption, JsonOption, check_destinations, emit
from pgdiag.cli.tracking import StoreOption, TargetFilterOption, open_for_reading


def report(
    store: StoreOption = None,
    snapshot: Annotated[Optional[int], typer.Option("--snapshot", min=1, metavar="ID",
                                                    help="The snapshot to render (see `pgdiag history`); "
                                                         "default: the latest.")] = None,
    target: TargetFilterOption = None,
    json_out: JsonOption = None,
    html_out: HtmlOption = None,
    config_file: Annotated[Optional[Path], typer.Option("--config", metavar="FILE",
                                                        help="pgdiag.toml (\\[compare] thresholds).")] = None,
) -> None:
    """Render a stored snapshot as the terminal, JSON and HTML reports its scan produced."""
    from pgdiag.config.loader import load
    from pgdiag.core.report import Report
    from pgdiag.history.baseline import compare_with_previous, pick_snapshot, reported_findings

    config = load(config_file)
    check_destinations(json_out, html_out)
    with open_for_reading(store) as opened:
        stored = pick_snapshot(opened, snapshot, target)
        comparison = compare_with_previous(opened, stored, config)
        display = opened.display
    emit(Report(stored.snapshot, reported_findings(stored.findings, comparison), stored.not_run, comparison,
                history_store=display), json_out, html_out)
