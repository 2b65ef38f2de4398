"""The report of one scan: snapshot, findings and what could not run, as the JSON contract (DESIGN §4)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Protocol

from pgdiag import __version__
from pgdiag.core.errors import EXIT_OK
from pgdiag.core.findings import SEVERITIES, Finding
from pgdiag.core.snapshot import Snapshot


class Comparison(Protocol):
    """What the report needs of a comparison with the baseline snapshot (`pgdiag.history.compare.Comparison`,
    which renderers read in full): its JSON form. A protocol, so the core never imports the history layer."""

    def to_dict(self) -> dict[str, Any]:
        """The ``comparison`` object of the JSON contract."""


class TenancySummary(Protocol):
    """What the report needs of the tenant column decision (`pgdiag.tenant.model.Tenancy`): its JSON form and
    one line for people. A protocol, so the core never imports the tenant layer."""

    def to_dict(self) -> dict[str, Any]:
        """The ``tenancy`` object of the JSON contract."""

    def describe(self) -> str:
        """Which tenant column was used and how, or that none was and how to set one."""


@dataclass
class Report:
    """Everything a renderer needs; renderers never query the database."""

    snapshot: Snapshot
    findings: list[Finding]
    not_run: dict[str, str] = field(default_factory=dict)
    comparison: Comparison | None = None
    tenancy: TenancySummary | None = None
    history_store: str | None = None
    """The history store the report's snapshot is kept in (its display, no password), when there is one: the
    statement listing then shows how to follow each statement across the stored snapshots."""

    def severity_counts(self) -> dict[str, int]:
        """Number of findings per severity, every severity present, worst first."""
        counts = Counter(f.severity for f in self.findings)
        return {severity: counts.get(severity, 0) for severity in SEVERITIES}

    def document(self) -> dict[str, Any]:
        """The stable JSON document: tool, target, collected_at, collectors, findings, the tenant column used
        (``tenancy``, when the scan decided one), and with a store, the comparison with the baseline snapshot."""
        doc = {
            "tool": {"name": "pgdiag", "version": __version__},
            "target": dict(self.snapshot.target),
            "collected_at": self.snapshot.collected_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "collectors": [c.to_dict() for c in self.snapshot.collectors],
            "findings": [f.to_dict() for f in self.findings],
        }
        if self.tenancy is not None:
            doc["tenancy"] = self.tenancy.to_dict()
        if self.comparison is not None:
            doc["comparison"] = self.comparison.to_dict()
        return doc


@dataclass
class TargetRun:
    """How one target's run ended: a report, or the one-line error that stopped it, and its exit code."""

    key: str
    name: str | None = None
    report: Report | None = None
    error: str | None = None
    exit_code: int = EXIT_OK
    snapshot_id: int | None = None

    @property
    def label(self) -> str:
        """The target's [[targets]] name, else its key (host:port/database): never a password."""
        return self.name or self.key
