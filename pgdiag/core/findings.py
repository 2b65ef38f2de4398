"""Findings: what a check reports, in the shape of the JSON contract (DESIGN §4)."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

SEVERITIES = ("critical", "high", "medium", "low", "info")


def severity_rank(severity: str) -> int:
    """0 for critical up to 4 for info, so sorting puts the worst first."""
    return SEVERITIES.index(severity)


def at_or_above(severity: str, threshold: str) -> bool:
    """Whether `severity` is as bad as `threshold` or worse."""
    return severity_rank(severity) <= severity_rank(threshold)


@dataclass(frozen=True, slots=True)
class ObjectRef:
    """The database object a finding is about; real names, no quotes."""

    schema: str | None = None
    table: str | None = None
    index: str | None = None
    columns: tuple[str, ...] | None = None

    def to_dict(self) -> dict[str, Any]:
        """The contract's ``object`` member."""
        return {"schema": self.schema, "table": self.table, "index": self.index,
                "columns": list(self.columns) if self.columns is not None else None}


@dataclass(frozen=True, slots=True)
class QueryRef:
    """The statement a finding is about, with its pg_stat_statements figures."""

    queryid: str | None
    text: str
    calls: int | None = None
    total_ms: float | None = None
    mean_ms: float | None = None
    rows: int | None = None

    def to_dict(self) -> dict[str, Any]:
        """The contract's ``query`` member."""
        return {"queryid": self.queryid, "text": self.text, "calls": self.calls,
                "total_ms": self.total_ms, "mean_ms": self.mean_ms, "rows": self.rows}


@dataclass(slots=True)
class Finding:
    """One problem, with the evidence for it and the fix."""

    check: str
    severity: str
    title: str
    object: ObjectRef
    recommendation: str
    query: QueryRef | None = None
    evidence: dict[str, Any] | None = None
    fix_sql: str | None = None
    location: dict[str, Any] | None = None
    prisma_fix: str | None = None
    fingerprint: str = field(default="")
    objects: list[dict[str, Any]] | None = None
    """The same issue on many objects (one statement shape on many tables): each object with its queryid and
    the fingerprint its own finding would have had; None for a finding about one object."""
    settled_by: str | None = None
    """The fingerprint of another finding whose fix settles this one (DESIGN §10); such a finding has no fix."""

    def __post_init__(self) -> None:
        if self.severity not in SEVERITIES:
            raise ValueError(f"unknown severity {self.severity!r}")
        if not self.fingerprint:
            self.fingerprint = fingerprint(self.check, self.object, self.query)

    def objects_summary(self, limit: int = 8) -> str | None:
        """For a finding about many objects, "N tables: a, b, … and M more" (the first `limit` named); None otherwise.

        >>> Finding("c", "low", "t", ObjectRef("s", "t1"), "r", objects=[{"schema": "s", "table": f"t{n}"}
        ...         for n in range(1, 12)]).objects_summary(3)
        '11 tables: s.t1, s.t2, s.t3 and 8 more'
        """
        if not self.objects:
            return None
        names = [".".join(part for part in (o.get("schema"), o.get("table"), o.get("index")) if part)
                 for o in self.objects]
        more = len(names) - limit
        return (f"{len(names):,} {'indexes' if self.objects[0].get('index') else 'tables'}: "
                f"{', '.join(names[:limit])}" + (f" and {more:,} more" if more > 0 else ""))

    def to_dict(self) -> dict[str, Any]:
        """The contract's finding; ``location``, ``prisma_fix`` and ``objects`` only where they apply."""
        doc: dict[str, Any] = {
            "check": self.check, "severity": self.severity, "title": self.title,
            "object": self.object.to_dict(),
            "query": self.query.to_dict() if self.query else None,
            "evidence": self.evidence, "recommendation": self.recommendation,
            "fix_sql": self.fix_sql, "fingerprint": self.fingerprint,
        }
        if self.location is not None:
            doc["location"] = self.location
        if self.prisma_fix is not None:
            doc["prisma_fix"] = self.prisma_fix
        if self.objects is not None:
            doc["objects"] = self.objects
        if self.settled_by is not None:
            doc["settled_by"] = self.settled_by
        return doc

    @classmethod
    def from_dict(cls, doc: dict[str, Any]) -> Finding:
        """Rebuild a finding from `to_dict` output (a stored snapshot's findings), fingerprint kept."""
        obj, query = doc["object"], doc.get("query")
        return cls(
            check=doc["check"], severity=doc["severity"], title=doc["title"],
            object=ObjectRef(schema=obj["schema"], table=obj["table"], index=obj["index"],
                             columns=tuple(obj["columns"]) if obj["columns"] is not None else None),
            recommendation=doc["recommendation"],
            query=QueryRef(**query) if query is not None else None,
            evidence=doc.get("evidence"), fix_sql=doc.get("fix_sql"), location=doc.get("location"),
            prisma_fix=doc.get("prisma_fix"), fingerprint=doc["fingerprint"], objects=doc.get("objects"),
            settled_by=doc.get("settled_by"),
        )


def fingerprint(check: str, obj: ObjectRef, query: QueryRef | None) -> str:
    """A hash that stays the same across runs for the same problem on the same object and statement."""
    query_key = None
    if query is not None:
        query_key = query.queryid or hashlib.sha256(query.text.encode()).hexdigest()
    payload = json.dumps([check, obj.to_dict(), query_key], sort_keys=True)
    return hashlib.sha256(payload.encode()).hexdigest()[:16]
