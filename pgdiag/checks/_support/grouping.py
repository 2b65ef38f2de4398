"""What is done to the findings once every check has run: each statement's queryids named, and findings of
one statement shape on many tables made one.

A database of 5,000 tables that runs ``UPDATE scale.tN SET b = $1 WHERE id = $2`` on 1,633 of them has one
problem, not 1,633: a check that flags each table's statement yields one finding per table, and this module
folds those into one finding with the count and the list of objects (the JSON's ``objects``). The check runner
groups each check's findings as it finishes (those `settle` reads, once settled), so every check gets it and
none has to know about it.
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any, Iterable

from pgdiag.core.findings import Finding, ObjectRef, QueryRef, fingerprint
from pgdiag.core.snapshot import Snapshot
from pgdiag.core.sqltext import qualified
from pgdiag.sql.workload import statement_key, workload

TABLE_PLACEHOLDER = "<table>"


def with_queryids(finding: Finding, snapshot: Snapshot) -> Finding:
    """`finding`, where its statement was counted from several pg_stat_statements entries (one text bound with
    int2, int4 and int8 parameters gets a queryid each), with every queryid in ``evidence.queryids``."""
    if finding.query is None or not finding.query.queryid or not snapshot.ok("statements"):
        return finding
    ids = snapshot.derived("several_queryids", _several_queryids).get(finding.query.queryid)
    if ids and "queryids" not in (finding.evidence or {}):
        finding.evidence = {**(finding.evidence or {}), "queryids": list(ids)}
    return finding


def _several_queryids(snapshot: Snapshot) -> dict[str, tuple[str, ...]]:
    """Every queryid of each statement counted from more than one entry, by its first queryid."""
    return {item.ref.queryid: item.ref.queryids for item in workload(snapshot).statements
            if item.ref.queryid and len(item.ref.queryids) > 1}


def shape(finding: Finding) -> str | None:
    """The statement shape of a finding about a table: its statement's text with the table's name made
    ``<table>``; None for findings without a statement or a table.

    >>> shape(Finding("tenant_unfiltered", "critical", "t", ObjectRef("scale", "t17", columns=("tenant_id",)), "r",
    ...               QueryRef("1", "UPDATE scale.t17 SET b = $1 WHERE id = $2")))
    'UPDATE scale.<table> SET b = $1 WHERE id = $2'
    """
    if finding.query is None or not finding.object.table:
        return None
    return _without_table(finding, statement_key(finding.query.text))


def _without_table(finding: Finding, text: str) -> str:
    """`text` with the finding's table name, quoted or not, made ``<table>``."""
    name = re.escape(finding.object.table or "")
    return re.sub(rf'(?<![\w$"]){name}(?![\w$"])|"{name}"', TABLE_PLACEHOLDER, text)


class FindingGroups:
    """Findings as they come, those of the same check, severity, schema, columns, statement shape and recommendation
    (the table's name aside) on different tables made one finding each (the first to come leads), in the order of
    their first member. The recommendation is part of the key so that tables whose circumstances differ (one
    protected by row-level security, one not) stay apart.

    Of every member after the lead only what the grouped finding shows is kept (its object, queryid, fingerprint,
    fix and figures): 1,633 per-table findings of one shape were 8 MB of a 5,000-table scan's peak while whole.
    """

    def __init__(self, snapshot: Snapshot) -> None:
        self._snapshot = snapshot
        self._groups: dict[Any, _Group] = {}

    def add(self, finding: Finding) -> None:
        """Take one finding (its statement's queryids named, `with_queryids`) into its group."""
        finding = with_queryids(finding, self._snapshot)
        statement_shape = shape(finding)
        key: Any = (finding.check, finding.severity, finding.object.schema, finding.object.columns, statement_shape,
                    _without_table(finding, finding.recommendation), finding.fix_sql is None) \
            if statement_shape is not None and TABLE_PLACEHOLDER in statement_shape else id(finding)
        group = self._groups.get(key)
        if group is None:
            self._groups[key] = _Group(finding)
        else:
            group.add(finding)

    def findings(self) -> list[Finding]:
        """The findings taken so far, each group made one."""
        return [group.finding() for group in self._groups.values()]


def group_findings(findings: Iterable[Finding], snapshot: Snapshot) -> list[Finding]:
    """`findings` grouped as `FindingGroups` groups them."""
    groups = FindingGroups(snapshot)
    for finding in findings:
        groups.add(finding)
    return groups.findings()


class _Group:
    """A lead finding and, of the members after it, what the grouped finding shows."""

    def __init__(self, lead: Finding) -> None:
        self.lead = lead
        self.count = 1
        self.objects = [_object(lead)]
        self.fixes = [lead.fix_sql] if lead.fix_sql else []
        self.calls, self.total_ms, self.rows = _figures(lead)

    def add(self, member: Finding) -> None:
        """Count one more member."""
        self.count += 1
        self.objects.append(_object(member))
        if member.fix_sql:
            self.fixes.append(member.fix_sql)
        calls, total_ms, rows = _figures(member)
        self.calls, self.total_ms, self.rows = self.calls + calls, self.total_ms + total_ms, self.rows + rows

    def finding(self) -> Finding:
        """The lead alone, or one finding for all members led by it: the count in the title, every object in
        ``objects``, the statements' calls, time and rows summed in the evidence, and every fix."""
        lead = self.lead
        if self.count == 1:
            return lead
        name = qualified(lead.object.schema, lead.object.table or "")
        title = lead.title.replace(name, f"{self.count:,} tables ({name}, …)", 1) if name in lead.title \
            else f"{lead.title} ({self.count:,} tables)"
        evidence = {**(lead.evidence or {}), "tables": self.count, "calls_all_tables": self.calls,
                    "total_ms_all_tables": round(self.total_ms, 3), "rows_all_tables": self.rows}
        statement_shape = shape(lead) or ""
        return replace(
            lead, title=title, evidence=evidence, fix_sql="\n".join(self.fixes) if self.fixes else None,
            recommendation=f"The same statement shape ({statement_shape}) on {self.count:,} tables: "
                           f"{lead.recommendation}",
            objects=self.objects,
            fingerprint=fingerprint(lead.check, ObjectRef(schema=lead.object.schema, columns=lead.object.columns),
                                    QueryRef(queryid=None, text=statement_shape)))


def _object(member: Finding) -> dict[str, Any]:
    """A member's entry in the grouped finding's ``objects``."""
    return {**member.object.to_dict(), "queryid": member.query.queryid if member.query else None,
            "fingerprint": member.fingerprint}


def _figures(member: Finding) -> tuple[int, float, int]:
    """A member's statement calls, time and rows (zeros without a statement)."""
    query = member.query
    return (query.calls or 0, query.total_ms or 0.0, query.rows or 0) if query is not None else (0, 0, 0)
