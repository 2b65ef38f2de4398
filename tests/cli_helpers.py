"""Run the real command line in-process and check the one-line error rule."""

from __future__ import annotations

import os
from dataclasses import dataclass

import pytest

from pgdiag.cli import run


@dataclass
class Outcome:
    """Exit code and captured output of one command-line run."""

    code: int
    out: str
    err: str


def invoke(capsys: pytest.CaptureFixture[str], *argv: str) -> Outcome:
    """Run ``pgdiag argv…`` through the real entry point and capture what it printed."""
    capsys.readouterr()
    code = run(list(argv))
    captured = capsys.readouterr()
    return Outcome(code, captured.out, captured.err)


def assert_one_line_error(outcome: Outcome, *fragments: str, secrets: tuple[str, ...] = ()) -> str:
    """Exit 2, exactly one line on stderr starting ``pgdiag: error:``, no traceback, no secret anywhere."""
    assert outcome.code == 2, (outcome.code, outcome.err, outcome.out)
    lines = outcome.err.splitlines()
    assert len(lines) == 1, outcome.err
    assert lines[0].startswith("pgdiag: error: "), lines[0]
    assert "Traceback" not in outcome.err + outcome.out
    for fragment in fragments:
        assert fragment in lines[0], (fragment, lines[0])
    for secret in secrets:
        assert secret not in outcome.err + outcome.out
    return lines[0]


def drain_pty(fd: int) -> str:
    """Everything written to the pseudo-terminal whose writing end is closed."""
    chunks = []
    while True:
        try:
            chunk = os.read(fd, 65536)
        except OSError:  # EIO: the other end is closed
            break
        if not chunk:
            break
        chunks.append(chunk)
    return b"".join(chunks).decode(errors="replace")
