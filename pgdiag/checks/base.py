"""What every check is: an id, a documentation page, declared thresholds, and a function from Snapshot to findings."""

from __future__ import annotations

import inspect
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar, Iterable

from pgdiag.core.findings import Finding
from pgdiag.core.snapshot import Snapshot
from pgdiag.tenant.config import TENANCY, TenancyConfig

if TYPE_CHECKING:
    from pgdiag.db.planner import Planner


@dataclass(frozen=True)
class Threshold:
    """A configurable limit of a check: its default and what it means."""

    default: Any
    description: str


class NotApplicable(Exception):
    """Raised by a check that cannot judge this database as configured (e.g. the tenant column the user named is
    on no table); the message, saying why and what to change, is listed with the checks that did not run."""


class Check:
    """Base class. A subclass's docstring is its documentation page: a summary line, then
    **Problem**, **Why it matters** and **Fix** sections."""

    id: ClassVar[str]
    thresholds: ClassVar[dict[str, Threshold]] = {}
    requires: ClassVar[tuple[str, ...]] = ()
    uses_tenancy: ClassVar[bool] = False
    """True for checks that read the [tenancy] section (tenant column, global tables, allowed statements)."""

    def __init__(self, planner: Planner | None = None) -> None:
        """`planner` is the only database access a check may use (what-if costing); None offline."""
        self.planner = planner

    @classmethod
    def summary(cls) -> str:
        """The first line of the documentation page."""
        return (inspect.getdoc(cls) or "").splitlines()[0]

    @classmethod
    def documentation(cls) -> str:
        """The whole documentation page, thresholds included."""
        text = inspect.getdoc(cls) or ""
        if cls.thresholds:
            text += "\n\nThresholds (pgdiag.toml, [checks." + cls.id + "]):\n"
            text += "\n".join(f"  {name} = {t.default!r}  # {t.description}" for name, t in cls.thresholds.items())
        return text

    @classmethod
    def settings(cls, overrides: dict[str, Any]) -> dict[str, Any]:
        """Declared defaults with the user's overrides applied, and the [tenancy] section under
        `TENANCY` for checks that use it."""
        values = {name: overrides.get(name, t.default) for name, t in cls.thresholds.items()}
        if cls.uses_tenancy:
            values[TENANCY] = overrides.get(TENANCY, TenancyConfig())
        return values

    def run(self, snapshot: Snapshot, settings: dict[str, Any]) -> Iterable[Finding]:
        """Yield the findings for `snapshot` under `settings` (thresholds by name)."""
        raise NotImplementedError
