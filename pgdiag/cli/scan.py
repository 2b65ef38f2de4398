"""``pgdiag scan``: collect, check and report on one database (or, with ``--all``, every configured one),
optionally tracked in a history store."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from pgdiag.cli.memory import cyclic_gc_paused
from pgdiag.cli.options import (
    ConnectTimeout,
    DsnOption,
    LockTimeout,
    Severity,
    StatementTimeout,
    TenantColumnOption,
    limits,
)
from pgdiag.cli.output import (
    HtmlOption,
    JsonOption,
    MarkdownOption,
    check_destinations,
    show,
    terminal_wanted,
    write_reports,
)
from pgdiag.cli.progress import QuietOption, VerboseOption, progress
from pgdiag.cli.tracking import (
    KeepOption,
    NotifyOption,
    StoreOption,
    apply_retention,
    keep_period,
    notify,
    notifying_failure,
    open_for_scan,
)


def scan(
    dsn: DsnOption = None,
    json_out: JsonOption = None,
    html_out: HtmlOption = None,
    markdown_out: MarkdownOption = None,
    fail_on: Annotated[Optional[Severity], typer.Option(
        "--fail-on", help="Exit 1 when any finding is at or above this severity.", case_sensitive=False)] = None,
    config_file: Annotated[Optional[Path], typer.Option("--config", help="pgdiag.toml with thresholds.",
                                                        metavar="FILE")] = None,
    all_databases: Annotated[bool, typer.Option(
        "--all-databases", help="Analyse pg_stat_statements of every database, not only the connected one.")] = False,
    tenant_column: TenantColumnOption = None,
    statement_timeout: StatementTimeout = 30.0,
    lock_timeout: LockTimeout = 1.0,
    connect_timeout: ConnectTimeout = 10,
    store: StoreOption = None,
    keep: KeepOption = None,
    all_targets: Annotated[bool, typer.Option(
        "--all", help="Scan every target listed in pgdiag.toml; --json and --html then name directories.")] = False,
    jobs: Annotated[int, typer.Option("--jobs", min=1, max=64, help="With --all: targets scanned at once.")] = 4,
    notify_url: NotifyOption = None,
    prisma_schema: Annotated[Optional[Path], typer.Option(
        "--prisma-schema", help="schema.prisma (or a folder of .prisma files): index fixes in Prisma terms. Default: "
        "prisma/schema.prisma and the other places the Prisma CLI looks.", metavar="FILE", show_default=False)] = None,
    quiet: QuietOption = False,
    verbose: VerboseOption = False,
) -> None:
    """Scan a database and report ranked findings with evidence and a fix."""
    from pgdiag.config import loader as config_module
    from pgdiag.db.dsn import resolve
    from pgdiag.db.side_session import SideQueries
    from pgdiag.history.targets import target_key
    from pgdiag.prisma.locate import resolve_schema

    config = config_module.load(config_file).with_tenant_column(tenant_column)
    session_limits = limits(statement_timeout, lock_timeout, connect_timeout)
    period = keep_period(keep, store)
    if notify_url:
        from pgdiag.history.notify import check_url

        check_url(notify_url)
    if all_targets:
        from pgdiag.cli.scan_all import scan_all
        from pgdiag.collect import CollectOptions

        options = CollectOptions(all_databases=all_databases)

        if markdown_out or prisma_schema:
            raise typer.BadParameter("--markdown and --prisma-schema do not apply to --all")
        raise typer.Exit(scan_all(config, dsn=dsn, json_dir=json_out, html_dir=html_out, store=store, keep=period,
                                  notify_url=notify_url, fail_on=fail_on.value if fail_on else None,
                                  limits=session_limits, options=options, jobs=jobs, quiet=quiet))
    if json_out == "-" and markdown_out == "-":
        raise typer.BadParameter("only one of --json and --markdown can go to stdout (-)")
    check_destinations(json_out, html_out, markdown_out)
    schema = resolve_schema(prisma_schema)
    target = resolve(dsn)
    with cyclic_gc_paused():
        # The slowest catalog queries start on their own session now: the server works on them while the
        # analysis stack (pandas, the checks) is imported below.
        side = SideQueries(target, session_limits)
        from pgdiag.collect import CollectOptions
        from pgdiag.history.baseline import plans_wanted
        from pgdiag.history.runs import prepare
        from pgdiag.scan import scan as run_scan

        options = CollectOptions(all_databases=all_databases)
        with notifying_failure(notify_url, target_key(target)), open_for_scan(store) as history_store:
            with progress(not quiet) as on_progress:
                result = run_scan(target, limits=session_limits, options=options, config=config, prisma_schema=schema,
                                  on_progress=on_progress, side=side,
                                  plans=plans_wanted(config, history_store is not None))
                run, record = prepare(result, key=target_key(target), name=None, config=config, store=history_store,
                                      fail_on=fail_on.value if fail_on else None)
                on_progress("report")
                write_reports(run.report, json_out, html_out, markdown_out)
            if terminal_wanted(json_out, markdown_out, quiet):
                show(run.report, verbose)
            if history_store is not None:
                run.snapshot_id = history_store.save(record)
                apply_retention(history_store, period, quiet)
    notify(notify_url, [run])
    raise typer.Exit(run.exit_code)
