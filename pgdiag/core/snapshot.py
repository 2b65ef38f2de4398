"""A Snapshot: everything one scan collected, enough to run every check without a connection."""

from __future__ import annotations

import gzip
import json
from dataclasses import asdict, dataclass, field
from datetime import datetime
from io import StringIO
from pathlib import Path
from typing import Any, Callable, Literal, TypeVar

from pgdiag.core.errors import PgdiagError
from pgdiag.core.lazy import pandas as pd

Status = Literal["ok", "skipped", "error"]


@dataclass
class CollectorStatus:
    """Whether a collector ran, how many rows it returned, how long it took, and what to do if it did not run."""

    name: str
    status: Status
    rows: int = 0
    seconds: float = 0.0
    message: str | None = None

    def to_dict(self) -> dict:
        """The JSON contract's collector entry."""
        return asdict(self)


T = TypeVar("T")
FORMAT = "pgdiag-snapshot"
FORMAT_VERSION = 1


@dataclass
class Snapshot:
    """Collected frames, the target they came from and each collector's status."""

    target: dict[str, Any]
    collected_at: datetime
    collectors: list[CollectorStatus] = field(default_factory=list)
    frames: dict[str, pd.DataFrame] = field(default_factory=dict)
    _derived: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    def derived(self, key: str, build: Callable[[Snapshot], T]) -> T:
        """A value computed once from this snapshot (e.g. parsed statements) and shared by the checks."""
        if key not in self._derived:
            self._derived[key] = build(self)
        return self._derived[key]

    def forget_derived(self) -> None:
        """Let go of every derived value: once the checks ran, nothing reads them, and the report is rendered in
        the memory they held (a 5,000-table scan's parsed workload and lookups, about 15 MB)."""
        self._derived.clear()

    def frame(self, name: str) -> pd.DataFrame:
        """The frame a collector produced, or an empty frame when it did not run."""
        return self.frames.get(name, pd.DataFrame())

    def status(self, name: str) -> CollectorStatus | None:
        """The status of collector `name`, if it was attempted."""
        return next((c for c in self.collectors if c.name == name), None)

    def ok(self, name: str) -> bool:
        """Whether collector `name` ran successfully (checks that need it run only then)."""
        status = self.status(name)
        return status is not None and status.status == "ok"

    def setting(self, name: str) -> str | None:
        """Server setting `name` as pg_settings shows it (``setting`` column); None when the settings collector did
        not run or the role may not read it."""
        return self.derived("settings_by_name", _settings_by_name).get(name)

    def extension(self, name: str) -> dict[str, Any] | None:
        """The extensions collector's row for `name` (``schema`` and ``installed_version`` are null while it is
        only available), or None when the server does not have it."""
        return self.derived("extensions_by_name", _extensions_by_name).get(name)

    def view(self, names: tuple[str, ...]) -> Snapshot:
        """A snapshot of its own holding only the frames and statuses of collectors `names`, with its own derived
        cache: work on another thread reads it while this snapshot keeps growing (`adopt` takes the results)."""
        return Snapshot(target=dict(self.target), collected_at=self.collected_at,
                        collectors=[c for c in self.collectors if c.name in names],
                        frames={n: f for n, f in self.frames.items() if n in names})

    def adopt(self, other: Snapshot) -> None:
        """Take the derived values `other` (a `view` of this snapshot) computed, where this one has none yet."""
        for key, value in other._derived.items():
            self._derived.setdefault(key, value)

    @property
    def server_version_num(self) -> int:
        """The server's version number, e.g. 180006."""
        return int(self.target.get("server_version_num") or 0)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready document holding the whole snapshot."""
        return {
            "format": FORMAT,
            "version": FORMAT_VERSION,
            "target": self.target,
            "collected_at": self.collected_at.isoformat(),
            "collectors": [c.to_dict() for c in self.collectors],
            "frames": {name: json.loads(df.to_json(orient="table", date_format="iso", date_unit="us",
                                                       double_precision=15, index=False))
                       for name, df in self.frames.items()},
        }

    @classmethod
    def from_dict(cls, doc: dict[str, Any]) -> Snapshot:
        """Rebuild a snapshot from `to_dict` output; anything else is a clear error."""
        if not isinstance(doc, dict) or doc.get("format") != FORMAT:
            raise PgdiagError("not a pgdiag snapshot")
        if doc.get("version") != FORMAT_VERSION:
            raise PgdiagError(f"unsupported snapshot version {doc.get('version')!r}")
        frames = {name: _read_frame(table) for name, table in doc["frames"].items()}
        return cls(
            target=doc["target"],
            collected_at=datetime.fromisoformat(doc["collected_at"]),
            collectors=[CollectorStatus(**c) for c in doc["collectors"]],
            frames=frames,
        )

    def save(self, path: Path) -> None:
        """Write the snapshot as gzip-compressed JSON."""
        with gzip.open(path, "wt", encoding="utf-8") as fh:
            json.dump(self.to_dict(), fh)

    @classmethod
    def load(cls, path: Path) -> Snapshot:
        """Read a snapshot written by `save`; a corrupt or foreign file is a one-line error."""
        try:
            with gzip.open(path, "rt", encoding="utf-8") as fh:
                doc = json.load(fh)
        except (OSError, EOFError, ValueError) as exc:
            raise PgdiagError(f"cannot read snapshot {path}: {exc}") from None
        return cls.from_dict(doc)


def _read_frame(table: dict[str, Any]) -> pd.DataFrame:
    """Read one frame written with ``orient='table'``, keeping an empty frame's columns."""
    frame = pd.read_json(StringIO(json.dumps(table)), orient="table")
    return frame.reset_index(drop=True)


def _settings_by_name(snapshot: Snapshot) -> dict[str, str | None]:
    """Every collected setting by name."""
    frame = snapshot.frame("settings")
    if frame.empty:
        return {}
    return {name: (None if pd.isna(value) else str(value)) for name, value in zip(frame["name"], frame["setting"])}


def _extensions_by_name(snapshot: Snapshot) -> dict[str, dict[str, Any]]:
    """Every extension row by name, nulls as None."""
    frame = snapshot.frame("extensions")
    if frame.empty:
        return {}
    return {str(row["name"]): {k: (None if not isinstance(v, (list, tuple)) and pd.isna(v) else v)
                               for k, v in row.items()}
            for row in frame.to_dict("records")}
