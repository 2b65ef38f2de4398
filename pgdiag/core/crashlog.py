"""Internal errors (bugs): the traceback goes to a log file, passwords redacted; the user sees one line naming it."""

from __future__ import annotations

import tempfile
import traceback
from datetime import datetime
from pathlib import Path

from pgdiag.core.redact import redact


def write_crash_log() -> Path:
    """Write the exception being handled, with its traceback, to a new log file and return its path."""
    path = Path(tempfile.gettempdir()) / f"pgdiag-crash-{datetime.now():%Y%m%d-%H%M%S-%f}.log"
    path.write_text(redact(traceback.format_exc(), ()), encoding="utf-8")
    return path
