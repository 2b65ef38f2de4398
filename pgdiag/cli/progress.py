"""What a person at a terminal sees while a scan runs: one transient status line on stderr.

Shown only when stderr is a terminal and the user did not ask for ``--quiet``; piped or
redirected output stays clean, so scripts and cron jobs get the report and nothing else.
"""

from __future__ import annotations

import sys
from contextlib import contextmanager
from typing import Annotated, Callable, Iterator

import typer

QuietOption = Annotated[bool, typer.Option(
    "--quiet", "-q", help="Print nothing but errors: no progress, no terminal report (files are still written).")]
VerboseOption = Annotated[bool, typer.Option(
    "--verbose", "-v", help="Also print each collector's status, rows and time.")]

PHASES = {"checks": "running the checks", "report": "writing the report"}


@contextmanager
def progress(enabled: bool) -> Iterator[Callable[[str], None]]:
    """A callback that shows the scan's current step (a collector name or a phase of `PHASES`) on a
    transient status line; it does nothing when `enabled` is false or stderr is not a terminal."""
    if not enabled or not sys.stderr.isatty():
        yield lambda _step: None
        return
    from pgdiag.render.console import console

    with console(stderr=True).status("connecting") as status:
        yield lambda step: status.update(PHASES.get(step, f"collecting {step}"))
