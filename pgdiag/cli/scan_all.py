"""``pgdiag scan --all``: the command-line side of `pgdiag.history.fleet` (outputs, store, retention, notification)."""

from __future__ import annotations

import sys
from datetime import timedelta
from pathlib import Path

from pgdiag.cli.tracking import apply_retention, notify, open_for_scan
from pgdiag.collect import CollectOptions
from pgdiag.config.model import Config
from pgdiag.core.errors import ConfigError
from pgdiag.db.session import SessionLimits
from pgdiag.core.report import TargetRun


def scan_all(config: Config, *, dsn: str | None, json_dir: str | None, html_dir: str | None, store: str | None,
             keep: timedelta | None, notify_url: str | None, fail_on: str | None, limits: SessionLimits,
             options: CollectOptions, jobs: int, quiet: bool = False) -> int:
    """Scan every configured target; print one line per failed target and, unless `quiet` (``-q``: nothing
    but errors), a summary table; return the exit code of the worst target."""
    from pgdiag.history.fleet import FleetOutputs, worst_exit_code
    from pgdiag.history.fleet import scan_all as scan_targets
    from pgdiag.render.index import print_index

    if dsn:
        raise ConfigError("--all scans the [[targets]] of pgdiag.toml: leave out -d/--dsn")
    if json_dir == "-":  # --html - is refused while the command line is parsed (pgdiag.cli.output)
        raise ConfigError("with --all, --json and --html name directories (one report per target), not -")
    outputs = FleetOutputs(json_dir=Path(json_dir) if json_dir else None,
                           html_dir=Path(html_dir) if html_dir else None)
    outputs.prepare()
    with open_for_scan(store) as history_store:
        runs = scan_targets(config, store=history_store, outputs=outputs, fail_on=fail_on, limits=limits,
                            options=options, jobs=jobs, on_done=_report_failure)
        if history_store is not None:
            apply_retention(history_store, keep, quiet)
    if not quiet:
        print_index(runs)
    notify(notify_url, runs)
    return worst_exit_code(runs)


def _report_failure(run: TargetRun) -> None:
    """A failed target's one line on stderr, as soon as it is known."""
    if run.error is not None:
        sys.stderr.write(f"pgdiag: error: target {run.label}: {run.error}\n")
