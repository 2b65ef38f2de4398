"""What every check is: an id, a documentation page, declared thresholds, and a function from Snapshot to findings."""

from __future__ import annotations

import inspect
from dataclasses import dataclass, field, make_dataclass
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
    Settings: ClassVar[type]
    """The check's settings class, made from `thresholds` when the class is defined."""
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

    def __init_subclass__(cls, **kwargs: Any) -> None:
        """Give every check its own frozen settings class, one field per declared threshold (and ``tenancy``
        for checks that use the [tenancy] section), so a threshold is read as ``settings.name``."""
        super().__init_subclass__(**kwargs)
        fields: list[tuple[str, Any, Any]] = [
            (name, type(t.default), field(default=_frozen(t.default))) for name, t in cls.thresholds.items()]
        if cls.uses_tenancy:
            fields.append(("tenancy", TenancyConfig, field(default_factory=TenancyConfig)))
        cls.Settings = make_dataclass(f"{cls.__name__}Settings", fields, frozen=True)

    @classmethod
    def settings(cls, overrides: dict[str, Any]) -> Any:
        """Declared defaults with the user's overrides applied, and the [tenancy] section as ``tenancy`` for
        checks that use it: an instance of the check's `Settings`."""
        values = {name: _frozen(overrides.get(name, t.default)) for name, t in cls.thresholds.items()}
        if cls.uses_tenancy:
            values["tenancy"] = overrides.get(TENANCY, TenancyConfig())
        return cls.Settings(**values)

    def run(self, snapshot: Snapshot, settings: Any) -> Iterable[Finding]:
        """Yield the findings for `snapshot` under `settings` (an instance of the check's `Settings`)."""
        raise NotImplementedError


def _frozen(value: Any) -> Any:
    """A threshold value as a settings field holds it: lists (of names) become tuples."""
    return tuple(value) if isinstance(value, list) else value
