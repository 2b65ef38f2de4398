"""The tenant model (DESIGN §7): which column pins a row to one tenant, and which tables carry it."""

from __future__ import annotations

from pgdiag.snapshot import Snapshot

CANDIDATES = ("organizationId", "organization_id", "tenantId", "tenant_id", "orgId", "org_id", "accountId",
              "account_id")


def tenant_column(snapshot: Snapshot, configured: str | None = None) -> str | None:
    """The tenant column: `configured` when given, else the candidate most tables have (None when none has one).

    Ties go to the earlier candidate in DESIGN §7's list.
    """
    if configured:
        return configured
    return snapshot.derived("tenant_column", _detect)


def _detect(snapshot: Snapshot) -> str | None:
    """The most common candidate column across the database's tables."""
    columns = snapshot.frame("columns")
    if columns.empty:
        return None
    counts = columns[columns["column"].isin(CANDIDATES)].groupby("column")["table"].nunique()
    if counts.empty:
        return None
    return max(CANDIDATES, key=lambda name: (counts.get(name, 0), -CANDIDATES.index(name)))
