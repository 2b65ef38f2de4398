"""Findings one fix settles (DESIGN §10): the index checks' advice made to add up to one plan per table.

After every check has run, each finding that another finding's fix takes care of gets ``settled_by`` (that
finding's fingerprint), loses its own fix (applying both would build a second index, or drop an index
twice) and leaves the Top 5; the settling finding lists it in ``evidence.settles``:

- an advised index (``missing_index``) that leads with a foreign key's columns settles ``missing_fk_index``
  for them, and one that leads with the tenant column settles ``tenant_index_missing``;
- an advised index settles ``unused_index``, ``redundant_index`` and ``duplicate_index`` about an index
  it replaces (its fix drops that index);
- ``duplicate_index`` settles ``unused_index`` about the same index (one drop, told once);
- ``tenant_index_missing`` settles ``missing_fk_index`` on the same column (the tenant column's foreign key
  to the tenant root): one index, asked for once.
"""

from __future__ import annotations

from typing import Iterable

from pgdiag.core.findings import Finding

LEAD_NEEDS = ("missing_fk_index", "tenant_index_missing")
DROPS = ("unused_index", "redundant_index", "duplicate_index")
INVOLVED = frozenset(("missing_index", *LEAD_NEEDS, *DROPS))
"""The checks whose findings settle others or are settled: every other check's findings are final as found."""


def settle(findings: list[Finding]) -> None:
    """Mark, in place, every finding another finding's fix settles."""
    advised = [f for f in findings if f.check == "missing_index"]
    tenant = {(f.object.schema, f.object.table, f.object.columns): f for f in findings
              if f.check == "tenant_index_missing"}
    duplicates = {(f.object.schema, f.object.index): f for f in findings if f.check == "duplicate_index"}
    for finding in findings:
        if finding.settled_by is not None:
            continue
        settler = _settler(finding, advised, duplicates)
        if settler is None and finding.check == "missing_fk_index":
            settler = tenant.get((finding.object.schema, finding.object.table, finding.object.columns))
        if settler is not None:
            _mark(finding, settler)


def _settler(finding: Finding, advised: Iterable[Finding], duplicates: dict[tuple, Finding]) -> Finding | None:
    """The finding whose fix settles `finding`, if any."""
    obj = finding.object
    same_table = [f for f in advised if (f.object.schema, f.object.table) == (obj.schema, obj.table)]
    if finding.check in LEAD_NEEDS and obj.columns:
        need = set(obj.columns)
        return next((f for f in same_table if f.object.columns and set(f.object.columns[: len(need)]) == need), None)
    if finding.check in DROPS and obj.index is not None:
        replacing = next((f for f in same_table if obj.index in (f.evidence or {}).get("replaces", ())), None)
        if replacing is not None or finding.check != "unused_index":
            return replacing
        return duplicates.get((obj.schema, obj.index))
    return None


def _mark(finding: Finding, settler: Finding) -> None:
    """Record that `settler`'s fix settles `finding`."""
    finding.settled_by = settler.fingerprint
    finding.fix_sql = None
    finding.recommendation += f" Settled by the fix of: {settler.title}."
    evidence = settler.evidence if settler.evidence is not None else {}
    evidence.setdefault("settles", []).append(finding.fingerprint)
    settler.evidence = evidence
