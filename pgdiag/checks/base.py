"""What every check is: a catalogue entry (`pgdiag.core.plugins.Entry`: id, documentation, thresholds) and a
function from Snapshot to findings."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar, Iterable

from pgdiag.core.findings import Finding
from pgdiag.core.plugins import Entry, Threshold
from pgdiag.core.snapshot import Snapshot
from pgdiag.tenant.config import TenancyConfig

if TYPE_CHECKING:
    from pgdiag.db.planner import Planner

__all__ = ["Check", "NotApplicable", "Threshold"]


class NotApplicable(Exception):
    """Raised by a check that cannot judge this database as configured (e.g. the tenant column the user named is
    on no table); the message, saying why and what to change, is listed with the checks that did not run."""


class Check(Entry):
    """Base class. A subclass's docstring is its documentation page: a summary line, then
    **Problem**, **Why it matters** and **Fix** sections."""

    requires: ClassVar[tuple[str, ...]] = ()
    uses_tenancy: ClassVar[bool] = False
    """True for checks that read the [tenancy] section (tenant column, global tables, allowed statements)."""

    @classmethod
    def extra_fields(cls) -> list[tuple[str, type, Any]]:
        """``tenancy`` (the [tenancy] section) for checks that use it."""
        return [("tenancy", TenancyConfig, TenancyConfig)] if cls.uses_tenancy else []

    def __init__(self, planner: Planner | None = None) -> None:
        """`planner` is the only database access a check may use (what-if costing); None offline."""
        self.planner = planner

    def run(self, snapshot: Snapshot, settings: Any) -> Iterable[Finding]:
        """Yield the findings for `snapshot` under `settings` (an instance of the check's `Settings`)."""
        raise NotImplementedError

