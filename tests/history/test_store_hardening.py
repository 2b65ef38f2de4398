"""Stores and their options under hostile input, on both stores: a --keep too long for any calendar, a
--snapshot beyond any stored id, metadata columns edited by hand, and a store the user may only read.
Each ends in one line on stderr and exit 2, or works; never an internal error."""

from __future__ import annotations

import hashlib
import os
import shutil
import sqlite3
import subprocess
from datetime import timedelta
from pathlib import Path
from typing import Iterator

import psycopg
import pytest

from pgdiag.config.model import Config
from pgdiag.db.dsn import parse
from pgdiag.history.baseline import record_of
from pgdiag.history.retention import MAX_KEEP_DAYS, cutoff, parse_keep
from pgdiag.history.store import is_dsn, open_store
from pgdiag.scan import ScanResult, scan
from tests.cli_helpers import assert_one_line_error, invoke
from tests.pg import TestDatabase
from tests.test_report_output import strict_loads


@pytest.fixture(scope="module")
def scanned(db: TestDatabase) -> ScanResult:
    """One real scan to store."""
    return scan(parse(db.dsn))


def stored_once(spec: str, result: ScanResult) -> int:
    """Save `result` into the store `spec` (created when new); its snapshot id."""
    with open_store(spec, create=True) as store:
        return store.save(record_of(result, "hardening", "hardening", Config()))


def tamper(spec: str, assignment: str, snapshot_id: int) -> None:
    """Edit the row of snapshot `snapshot_id` around pgdiag, as a person with a SQL prompt might."""
    if is_dsn(spec):
        with psycopg.connect(spec, autocommit=True) as conn:
            conn.execute(f"UPDATE pgdiag.snapshots SET {assignment} WHERE id = {snapshot_id}")
        return
    with sqlite3.connect(spec) as conn:
        conn.execute(f"UPDATE snapshots SET {assignment} WHERE id = {snapshot_id}")


# --keep ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("keep", ["99999999999d", "999999d", "200000w", "99999999h", f"{MAX_KEEP_DAYS + 1}d"])
def test_a_keep_beyond_a_century_is_refused_before_any_work(capsys, store_spec: str, keep: str) -> None:
    """History on either store, and a scan whose target does not even exist: the period is the error, so it
    was checked before the store was opened or the target contacted."""
    for argv in (["history", "--store", store_spec, "--keep", keep],
                 ["scan", "-d", "host=/nonexistent", "--store", store_spec, "--keep", keep]):
        assert_one_line_error(invoke(capsys, *argv), f"invalid --keep '{keep}'", f"at most {MAX_KEEP_DAYS} days")
    if not is_dsn(store_spec):
        assert not Path(store_spec).exists()


def test_the_longest_keep_still_prunes(capsys, scanned: ScanResult, store_spec: str) -> None:
    stored_once(store_spec, scanned)
    assert parse_keep(f"{MAX_KEEP_DAYS}d") == timedelta(days=MAX_KEEP_DAYS)
    assert cutoff(parse_keep(f"{MAX_KEEP_DAYS * 24}h")).year > 1900
    outcome = invoke(capsys, "history", "--store", store_spec, "--keep", f"{MAX_KEEP_DAYS}d", "--json", "-")
    assert outcome.code == 0, outcome.err
    assert len(strict_loads(outcome.out)["snapshots"]) == 1


# --snapshot -----------------------------------------------------------------------------------------

@pytest.mark.parametrize("snapshot", [str(2**63 - 1), str(2**63), "99999999999999999999999"])
def test_a_snapshot_id_beyond_64_bits_is_not_in_the_store(capsys, scanned: ScanResult, store_spec: str,
                                                          snapshot: str) -> None:
    """Both stores say the same: there is no such snapshot (SQLite cannot even bind such a number)."""
    stored_once(store_spec, scanned)
    assert_one_line_error(invoke(capsys, "report", "--store", store_spec, "--snapshot", snapshot),
                          f"no snapshot {snapshot} in store")


# Metadata edited by hand ----------------------------------------------------------------------------

TAMPERED = {  # column: (SQLite assignment, PostgreSQL assignment or None where the column's type forbids it)
    "checks_ran": ("checks_ran = 'null'", "checks_ran = 'null'"),
    "not_run": ("not_run = '{\"a\": 1}'", "not_run = '[1]'"),
    "collected_at": ("collected_at = 'yesterday'", "collected_at = 'infinity'"),
    "stored_at": ("stored_at = '2026-11-24 19:00'", "stored_at = '-infinity'"),
    "dsn": ("dsn = x'00ff'", None),
}
LISTED = {"collected_at", "stored_at", "dsn"}  # columns `history` reads too


@pytest.mark.parametrize("column", sorted(TAMPERED))
def test_damaged_metadata_is_reported_as_unreadable(capsys, scanned: ScanResult, store_spec: str,
                                                     column: str) -> None:
    assignment = TAMPERED[column][is_dsn(store_spec)]
    if assignment is None:
        pytest.skip(f"the PostgreSQL store's {column} column cannot hold anything but what pgdiag writes")
    snapshot_id = stored_once(store_spec, scanned)
    tamper(store_spec, assignment, snapshot_id)
    commands = [["report", "--store", store_spec, "--snapshot", str(snapshot_id)], ["report", "--store", store_spec]]
    if column in LISTED:
        commands.append(["history", "--store", store_spec])
    for argv in commands:
        assert_one_line_error(invoke(capsys, *argv), f"snapshot {snapshot_id} in store", "is unreadable",
                              f"damaged {column}")


# A store the user may only read ---------------------------------------------------------------------

def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def set_immutable(paths: list[Path], on: bool) -> bool:
    """Set or clear the immutable attribute (``chattr +i``): the one read-only storage that binds root too.
    False when the tool, the privilege or the file system's support is missing."""
    if shutil.which("chattr") is None:
        return False
    result = subprocess.run(["chattr", "+i" if on else "-i", *map(str, paths)], capture_output=True)
    return result.returncode == 0


@pytest.fixture
def read_only_store(scanned: ScanResult, tmp_path: Path) -> Iterator[Path]:
    """A store the user may only read, with no write-ahead log files beside it (as after any clean close):
    the file has mode 0444 and its directory 0555, which binds every user but root; for root the file and
    directory are made immutable instead, or the test is skipped when they cannot be."""
    directory = tmp_path / "ro"
    directory.mkdir()
    path = directory / "h.sqlite3"
    stored_once(str(path), scanned)
    assert sorted(p.name for p in directory.iterdir()) == [path.name]
    path.chmod(0o444)
    directory.chmod(0o555)
    immutable = os.geteuid() == 0
    if immutable and not set_immutable([path, directory], on=True):
        directory.chmod(0o755)
        pytest.skip("running as root, for whom file modes do not apply, and chattr +i is not available here")
    try:
        yield path
    finally:
        if immutable:
            set_immutable([path, directory], on=False)
        directory.chmod(0o755)


def test_a_read_only_store_can_be_listed_and_reported(capsys, read_only_store: Path) -> None:
    """history and report read a store on read-only storage; --keep, which writes, says it cannot; nothing
    is written to the file or beside it."""
    before = digest(read_only_store)
    listed = invoke(capsys, "history", "--store", str(read_only_store), "--json", "-")
    assert listed.code == 0, listed.err
    [entry] = strict_loads(listed.out)["snapshots"]
    report = invoke(capsys, "report", "--store", str(read_only_store), "--json", "-")
    assert report.code == 0, report.err
    assert strict_loads(report.out)["collected_at"] == entry["collected_at"]
    assert invoke(capsys, "history", "--store", str(read_only_store)).code == 0

    assert_one_line_error(invoke(capsys, "history", "--store", str(read_only_store), "--keep", "1h"),
                          f"cannot write store {read_only_store}", "readonly database")
    assert digest(read_only_store) == before
    assert sorted(p.name for p in read_only_store.parent.iterdir()) == [read_only_store.name]


def test_reading_a_writable_store_leaves_nothing_beside_it(capsys, scanned: ScanResult, tmp_path: Path) -> None:
    """A reading command on a store it may write closes it cleanly: no -wal or -shm file is left behind."""
    path = tmp_path / "h.sqlite3"
    stored_once(str(path), scanned)
    assert invoke(capsys, "history", "--store", str(path)).code == 0
    assert invoke(capsys, "report", "--store", str(path), "--json", "-").code == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == [path.name]
