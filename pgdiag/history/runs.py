"""A scan's outcome when it is tracked over time: the report (with its comparison) and what to store,
and, for ``scan --all`` and ``--notify``, how each target fared."""

from __future__ import annotations

from pgdiag.config.model import Config
from pgdiag.core.errors import EXIT_FINDINGS, EXIT_OK
from pgdiag.core.findings import at_or_above
from pgdiag.core.report import Report, TargetRun
from pgdiag.history.baseline import compare_with_latest, record_of, reported_findings
from pgdiag.history.store import NewSnapshot, Store
from pgdiag.scan import ScanResult


def prepare(result: ScanResult, *, key: str, name: str | None, config: Config, store: Store | None,
            fail_on: str | None) -> tuple[TargetRun, NewSnapshot]:
    """The run's report, compared with the target's latest stored snapshot when there is a store,
    its exit code under `fail_on`, and the record to store once the reports are written."""
    record = record_of(result, key, name, config)
    comparison = compare_with_latest(store, record, config) if store is not None else None
    report = Report(result.snapshot, reported_findings(result.checks.findings, comparison), result.checks.not_run,
                    comparison, tenancy=result.checks.tenancy,
                    history_store=store.display if store is not None else None)
    failing = fail_on is not None and any(at_or_above(f.severity, fail_on) for f in report.findings)
    return TargetRun(key=key, name=name, report=report, exit_code=EXIT_FINDINGS if failing else EXIT_OK), record
