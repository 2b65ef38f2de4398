"""Internal errors (bugs): the traceback goes to a log file, passwords redacted; the user sees one line naming it.

The log is created mode 0600 in a 0700 ``crash`` directory of the user's state directory (platformdirs'
``user_state_dir``: ``~/.local/state/pgdiag`` on Linux), never in the shared temporary directory where
other users could read it; if that directory cannot be created, in a private ``mkdtemp`` directory."""

from __future__ import annotations

import os
import tempfile
import traceback
from datetime import datetime
from pathlib import Path

import platformdirs

from pgdiag.core.redact import redact


def write_crash_log() -> Path:
    """Write the exception being handled, with its traceback, to a new log file and return its path."""
    text = redact(traceback.format_exc(), ())
    name = f"pgdiag-crash-{datetime.now():%Y%m%d-%H%M%S-%f}.log"
    path = _crash_dir() / name
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as log:
        log.write(text)
    return path


def _crash_dir() -> Path:
    """The directory crash logs go to, created private to the user."""
    directory = platformdirs.user_state_path("pgdiag") / "crash"
    try:
        directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        if not os.access(directory, os.W_OK):
            raise PermissionError(directory)
        return directory
    except OSError:
        return Path(tempfile.mkdtemp(prefix="pgdiag-crash-"))
