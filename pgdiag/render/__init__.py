"""Renderers turn a `Report` into text; `write_output` puts that text where the user asked."""

from __future__ import annotations

import sys
from pathlib import Path

from pgdiag.core.errors import OutputError


def write_output(destination: str, text: str) -> None:
    """Write `text` to the file `destination`, or to stdout for ``-``; failures are one-line errors."""
    if destination == "-":
        sys.stdout.write(text)
        if not text.endswith("\n"):
            sys.stdout.write("\n")
        return
    path = Path(destination)
    try:
        path.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise OutputError(f"cannot write {destination}: {exc.strerror or exc}") from None


def ensure_writable(destination: str) -> None:
    """Fail before any work is done when `destination` cannot be written."""
    path = Path(destination)
    if path.is_dir():
        raise OutputError(f"cannot write {destination}: it is a directory")
    parent = path.parent if str(path.parent) else Path(".")
    if not parent.is_dir():
        raise OutputError(f"cannot write {destination}: directory {parent} does not exist")
    try:
        with path.open("a", encoding="utf-8"):
            pass
    except OSError as exc:
        raise OutputError(f"cannot write {destination}: {exc.strerror or exc}") from None
