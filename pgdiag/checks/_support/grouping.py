"""What is done to the findings once every check has run: each statement's queryids named, and findings of
one statement shape on many tables made one.

A database of 5,000 tables that runs ``UPDATE scale.tN SET b = $1 WHERE id = $2`` on 1,633 of them has one
problem, not 1,633: a check that flags each table's statement yields one finding per table, and this module
folds those into one finding with the count and the list of objects (the JSON's ``objects``). Grouping is
done here, after the checks, so every check gets it and none has to know about it.
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any, Sequence

from pgdiag.core.findings import Finding, ObjectRef, QueryRef, fingerprint
from pgdiag.core.snapshot import Snapshot
from pgdiag.core.sqltext import qualified
from pgdiag.sql.workload import statement_key, workload

TABLE_PLACEHOLDER = "<table>"


def with_queryids(findings: list[Finding], snapshot: Snapshot) -> list[Finding]:
    """`findings`, where a statement was counted from several pg_stat_statements entries (one text bound with
    int2, int4 and int8 parameters gets a queryid each), with every queryid in ``evidence.queryids``."""
    if not any(f.query is not None and f.query.queryid for f in findings) or not snapshot.ok("statements"):
        return findings
    queryids = {item.ref.queryid: item.ref.queryids for item in workload(snapshot).statements
                if item.ref.queryid and len(item.ref.queryids) > 1}
    for finding in findings:
        ids = queryids.get(finding.query.queryid) if finding.query is not None else None
        if ids and "queryids" not in (finding.evidence or {}):
            finding.evidence = {**(finding.evidence or {}), "queryids": list(ids)}
    return findings


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


def group_findings(findings: Sequence[Finding]) -> list[Finding]:
    """`findings` with those of the same check, severity, schema, columns, statement shape and recommendation (the
    table's name aside) on different tables made one finding each (the first in `findings` order leads), in the
    order of their first member. The recommendation is part of the key so that tables whose circumstances differ
    (one protected by row-level security, one not) stay apart."""
    groups: dict[Any, list[Finding]] = {}
    for finding in findings:
        statement_shape = shape(finding)
        key: Any = (finding.check, finding.severity, finding.object.schema, finding.object.columns, statement_shape,
                    _without_table(finding, finding.recommendation), finding.fix_sql is None) \
            if statement_shape is not None and TABLE_PLACEHOLDER in statement_shape else id(finding)
        groups.setdefault(key, []).append(finding)
    return [_grouped(members) if len(members) > 1 else members[0] for members in groups.values()]


def _grouped(members: list[Finding]) -> Finding:
    """One finding for `members`, led by the first: the count in the title, every object in ``objects``, the
    statements' calls, time and rows summed in the evidence, and every fix."""
    lead = members[0]
    count = len(members)
    name = qualified(lead.object.schema, lead.object.table or "")
    title = lead.title.replace(name, f"{count:,} tables ({name}, …)", 1) if name in lead.title \
        else f"{lead.title} ({count:,} tables)"
    queries = [m.query for m in members if m.query is not None]
    evidence = {**(lead.evidence or {}), "tables": count,
                "calls_all_tables": sum(q.calls or 0 for q in queries),
                "total_ms_all_tables": round(sum(q.total_ms or 0.0 for q in queries), 3),
                "rows_all_tables": sum(q.rows or 0 for q in queries)}
    fixes = [m.fix_sql for m in members if m.fix_sql]
    statement_shape = shape(lead) or ""
    return replace(
        lead, title=title, evidence=evidence, fix_sql="\n".join(fixes) if fixes else None,
        recommendation=f"The same statement shape ({statement_shape}) on {count:,} tables: {lead.recommendation}",
        objects=[{**m.object.to_dict(), "queryid": m.query.queryid if m.query else None,
                  "fingerprint": m.fingerprint} for m in members],
        fingerprint=fingerprint(lead.check, ObjectRef(schema=lead.object.schema, columns=lead.object.columns),
                                QueryRef(queryid=None, text=statement_shape)))
