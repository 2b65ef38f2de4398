"""``pgdiag scan --all``: every ``[[targets]]`` entry of pgdiag.toml, scanned concurrently by a bounded
pool of threads. A target that fails (unreachable, bad DSN, even a bug) is reported and the others
go on; each finished target gets its reports and its snapshot in the store; an index ties them
together. Scanning happens in the pool; comparing, writing files and storing happen in the calling
thread, one target at a time, so the store sees a single writer."""

from __future__ import annotations

import json
from concurrent.futures import Future, ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from pgdiag.collect import CollectOptions
from pgdiag.config.model import Config, TargetEntry
from pgdiag.core.crashlog import write_crash_log
from pgdiag.core.errors import EXIT_INTERNAL, ConfigError, OutputError, PgdiagError
from pgdiag.db.session import SessionLimits
from pgdiag.core.report import TargetRun
from pgdiag.history.baseline import plans_wanted
from pgdiag.history.runs import prepare
from pgdiag.history.store import Store
from pgdiag.history.targets import RESERVED_NAME
from pgdiag.prisma.locate import resolve_schema
from pgdiag.render import write_output
from pgdiag.scan import ScanResult, scan


@dataclass(frozen=True)
class FleetOutputs:
    """Directories for the per-target reports (``<name>.json``, ``<name>.html``) and the index."""

    json_dir: Path | None = None
    html_dir: Path | None = None

    def prepare(self) -> None:
        """Create the directories (and parents) before any scan; a file in the way is a one-line error."""
        for directory in (self.json_dir, self.html_dir):
            if directory is None:
                continue
            if directory.exists() and not directory.is_dir():
                raise OutputError(f"with --all, --json and --html name directories: {directory} is a file")
            try:
                directory.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise OutputError(f"cannot create {directory}: {exc.strerror or exc}") from None


def scan_all(config: Config, *, store: Store | None, outputs: FleetOutputs, fail_on: str | None,
             limits: SessionLimits, options: CollectOptions, jobs: int,
             on_done: Callable[[TargetRun], None] | None = None) -> list[TargetRun]:
    """Scan every configured target with at most `jobs` at a time; return each target's run, in config order."""
    entries = config.targets
    if not entries:
        raise ConfigError("--all needs [[targets]] in pgdiag.toml (see docs/scheduling.md)")
    runs: dict[str, TargetRun] = {}
    with ThreadPoolExecutor(max_workers=max(1, min(jobs, len(entries))), thread_name_prefix="pgdiag-scan") as pool:
        futures = {pool.submit(_scan, entry, config, limits, options, store is not None): entry
                   for entry in entries}
        for future in as_completed(futures):
            entry = futures[future]
            run = _finish(entry, future, store, outputs, fail_on)
            runs[entry.name] = run
            if on_done is not None:
                on_done(run)
    ordered = [runs[entry.name] for entry in entries]
    _write_index(ordered, outputs)
    return ordered


def worst_exit_code(runs: list[TargetRun]) -> int:
    """The exit code of the worst target: 3 (a bug) > 2 (error) > 1 (findings at --fail-on) > 0."""
    return max((run.exit_code for run in runs), default=0)


def _scan(entry: TargetEntry, config: Config, limits: SessionLimits, options: CollectOptions,
          stored: bool) -> tuple[ScanResult, Config]:
    """Scan one target in a pool thread, with its own thresholds, tenant column and Prisma schema (a schema that
    is missing or does not parse is this target's error, as it is for ``scan --prisma-schema``), and its
    statements' plans when the run is `stored`."""
    settings = config.for_target(entry)
    prisma = resolve_schema(entry.prisma_schema) if entry.prisma_schema is not None else None
    return scan(entry.resolve(), limits=limits, options=options, config=settings, prisma_schema=prisma,
                plans=plans_wanted(settings, stored)), settings


def _finish(entry: TargetEntry, future: Future, store: Store | None, outputs: FleetOutputs,
            fail_on: str | None) -> TargetRun:
    """Compare, write the reports and store one scanned target; any failure is this target's only."""
    try:
        result, settings = future.result()
        run, record = prepare(result, key=entry.name, name=entry.name, config=settings, store=store,
                              fail_on=fail_on)
        _write_reports(run, outputs)
        if store is not None:
            run.snapshot_id = store.save(record)
        return run
    except PgdiagError as exc:
        return TargetRun(key=entry.name, name=entry.name, error=str(exc), exit_code=exc.exit_code)
    except Exception:
        log = write_crash_log()
        return TargetRun(key=entry.name, name=entry.name, exit_code=EXIT_INTERNAL,
                         error=f"internal error (a bug in pgdiag); details in {log}")


def _write_reports(run: TargetRun, outputs: FleetOutputs) -> None:
    """``<name>.json`` and ``<name>.html`` for one target."""
    from pgdiag.render.html import render_html
    from pgdiag.render.json import render_json

    assert run.report is not None
    if outputs.json_dir is not None:
        write_output(str(outputs.json_dir / f"{run.label}.json"), render_json(run.report))
    if outputs.html_dir is not None:
        write_output(str(outputs.html_dir / f"{run.label}.html"), render_html(run.report))


def _write_index(runs: list[TargetRun], outputs: FleetOutputs) -> None:
    """``index.json`` and ``index.html``: every target, its outcome and a link to its report."""
    from pgdiag.render.index import index_document, render_index

    if outputs.json_dir is not None:
        write_output(str(outputs.json_dir / f"{RESERVED_NAME}.json"),
                     json.dumps(index_document(runs, report_suffix=".json"), indent=2) + "\n")
    if outputs.html_dir is not None:
        write_output(str(outputs.html_dir / f"{RESERVED_NAME}.html"), render_index(runs, report_suffix=".html"))

