"""The demo's annotated SQL scripts: statements, each led by ``-- @key value`` lines.

A script is plain SQL a reader can run by hand; the annotations say how the demo runs each
statement (``calls``, ``params``, an ``expect-error`` it tolerates) and what it is for (``about``).
Text before the first annotation is the script's own description.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

ANNOTATION = "-- @"


@dataclass(frozen=True)
class Step:
    """One statement of a script and its annotations."""

    sql: str
    about: str = ""
    calls: int = 1
    params: tuple[str, ...] = ()
    expect_error: str | None = None


def load(path: Path) -> list[Step]:
    """The steps of the script at `path`, in order.

    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "s.sql"
    >>> _ = p.write_text("-- intro\\n\\n-- @about one\\n-- @calls 3\\n-- @params org 20\\nSELECT $1, $2\\n")
    >>> load(p)
    [Step(sql='SELECT $1, $2', about='one', calls=3, params=('org', '20'), expect_error=None)]
    """
    steps: list[Step] = []
    annotations: dict[str, str] = {}
    body: list[str] = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith(ANNOTATION):
            if body:
                steps.append(_step(annotations, body))
                annotations, body = {}, []
            key, _, value = line[len(ANNOTATION):].partition(" ")
            annotations[key] = value.strip()
        elif annotations and line.strip():
            body.append(line)
    if body:
        steps.append(_step(annotations, body))
    return steps


def _step(annotations: dict[str, str], body: list[str]) -> Step:
    """A Step from its annotation lines and SQL lines."""
    return Step(sql="\n".join(body).strip().rstrip(";"),
                about=annotations.get("about", ""),
                calls=int(annotations.get("calls", "1")),
                params=tuple(annotations.get("params", "").split()),
                expect_error=annotations.get("expect-error"))
