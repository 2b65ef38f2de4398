"""Terminal injection (issue 14, item 4): a database, schema and table named with a clear-screen (``ESC[2J``)
and a window-title sequence (OSC ``ESC]0;…BEL``) are scanned, explained, reported and listed under a real
pseudo-terminal; what reaches the terminal holds no control sequence that came from the data."""

from __future__ import annotations

import os
import pty
import re
import subprocess
import sys
import threading
from pathlib import Path
from typing import Iterator

import pytest

from pgdiag.core.visible import visible
from tests.cli_helpers import drain_pty
from tests.pg import Backend, TestDatabase, create_database, drop_database

CLEAR = "\x1b[2J"
TITLE = "\x1b]0;owned\x07"
SCHEMA = f"s{TITLE}x"
TABLE = f"t{CLEAR}x"
# What rich itself writes on a colour terminal: SGR styles, the cursor and line controls of the progress
# spinner, carriage returns. Everything else that is a control character came from the data.
_RICH_CONTROLS = re.compile(r"\x1b\[[0-9;]*m|\x1b\[\?25[lh]|\x1b\[2K|\x1b\[1A|\x1b\[[0-9]*G|\r")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


@pytest.fixture(scope="module")
def hostile(backend: Backend) -> Iterator[TestDatabase]:
    """A database whose own name, a schema and a table carry escape sequences, with statements on them."""
    database = create_database(backend, f"pgd{CLEAR}db")
    quoted = f'"{SCHEMA}"."{TABLE}"'
    database.execute(f'CREATE SCHEMA "{SCHEMA}"', f"CREATE TABLE {quoted} (id int, \"c{CLEAR}\" int)",
                     f"INSERT INTO {quoted} SELECT g, g FROM generate_series(1, 20000) g", f"ANALYZE {quoted}")
    database.replay(f'SELECT * FROM {quoted} WHERE "c{CLEAR}" = $1', [(i,) for i in range(60)])
    yield database
    drop_database(database)


def _under_pty(*argv: str) -> tuple[int, str]:
    """Run ``pgdiag argv…`` with stdout and stderr on a pseudo-terminal; its exit code and everything the
    terminal received."""
    master, slave = pty.openpty()
    env = {**os.environ, "TERM": "xterm-256color", "COLUMNS": "160"}
    env.pop("NO_COLOR", None)
    process = subprocess.Popen([sys.executable, "-m", "pgdiag", *argv], stdin=subprocess.DEVNULL, stdout=slave,
                               stderr=slave, env=env)
    os.close(slave)
    received: list[str] = []
    reader = threading.Thread(target=lambda: received.append(drain_pty(master)))
    reader.start()
    code = process.wait(timeout=300)
    reader.join(timeout=30)
    os.close(master)
    return code, "".join(received)


def _assert_inert(log: str) -> None:
    """No control character in `log` but those rich writes itself; no sequence of the data's, raw."""
    assert CLEAR not in log and "\x1b]" not in log and "\x07" not in log
    leftover = _CONTROL.findall(_RICH_CONTROLS.sub("", log))
    assert not leftover, (leftover, log[-2000:])


def test_scan_report_history_explain_under_a_pty(hostile: TestDatabase, tmp_path: Path) -> None:
    store = str(tmp_path / "history.sqlite3")
    code, log = _under_pty("scan", "-d", hostile.dsn, "--store", store)
    assert code in (0, 1), log
    _assert_inert(log)
    assert visible(TABLE) in log  # the name is there, made visible

    code, log = _under_pty("scan", "-d", hostile.dsn, "--markdown", "-")
    assert code in (0, 1), log
    _assert_inert(log)

    for argv in (("report", "--store", store), ("history", "--store", store)):
        code, log = _under_pty(*argv)
        assert code == 0, log
        _assert_inert(log)
    assert visible(f"pgd{CLEAR}db") in log  # history names the database

    code, log = _under_pty("explain", "-d", hostile.dsn, f'SELECT * FROM "{SCHEMA}"."{TABLE}" WHERE "c{CLEAR}" = 5')
    assert code in (0, 1), log
    _assert_inert(log)
    assert visible(TABLE) in log


def test_server_error_naming_the_table_is_inert(hostile: TestDatabase) -> None:
    code, log = _under_pty("explain", "-d", hostile.dsn, f'SELECT * FROM "{SCHEMA}"."no{CLEAR}such"')
    assert code == 2, log
    _assert_inert(log)
    assert "does not exist" in log


@pytest.mark.parametrize("text, shown", [
    ("a\x1b[2Jb", "a\\e[2Jb"), ("\x1b]0;t\x07", "\\e]0;t\\x07"), ("x\x9b2Jy", "x\\x9b2Jy"), ("c\rd", "c\\rd"),
    ("del\x7f", "del\\x7f"), ("nul\x00", "nul\\x00"), ("keep\n\ttabs", "keep\n\ttabs"), ("ünïcødé", "ünïcødé"),
])
def test_visible(text: str, shown: str) -> None:
    assert visible(text) == shown
    assert visible(shown) == shown


def test_every_console_is_a_safe_console() -> None:
    """A renderer that made its own rich Console would print data raw: only pgdiag/render/console.py may."""
    package = Path(__file__).resolve().parents[2] / "pgdiag"
    makers = [str(path.relative_to(package)) for path in package.rglob("*.py")
              if "Console(" in path.read_text(encoding="utf-8") and path.name != "console.py"]
    assert makers == []
