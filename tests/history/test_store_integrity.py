"""A damaged SQLite store is never written (issue 14, item 6): it is checked before the first write, a damaged
one is exit 2 with "corrupt store, not written" and the file unchanged; a file that is not an SQLite database
(a 1-byte file too) is not touched; history and report open the store read-only and work on a full disk."""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import random
import resource
import signal
import sqlite3
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Iterator

import pytest

from pgdiag.config.model import Config
from pgdiag.db.dsn import parse
from pgdiag.history.baseline import record_of
from pgdiag.history.store import open_store
from pgdiag.scan import ScanResult, scan
from tests.cli_helpers import assert_one_line_error, invoke
from tests.pg import TestDatabase

ROOT = Path(__file__).resolve().parents[2]
SNAPSHOTS = 6


@pytest.fixture(scope="module")
def scanned(db: TestDatabase) -> ScanResult:
    """One real scan to store, of a database with some tables so the snapshot spans several pages."""
    db.execute(*(f"CREATE TABLE IF NOT EXISTS integrity_{i} (id int, note text)" for i in range(20)))
    return scan(parse(db.dsn))


def filled_store(path: Path, result: ScanResult, count: int = SNAPSHOTS) -> Path:
    """A store at `path` holding `count` copies of `result`."""
    with open_store(str(path), create=True) as store:
        for _ in range(count):
            store.save(record_of(result, "integrity", "integrity", Config()))
    return path


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def quick_check(path: Path) -> str:
    """SQLite's own verdict on the file (opened read-only, beside pgdiag)."""
    conn = sqlite3.connect(f"file:{path}?mode=ro&immutable=1", uri=True)
    try:
        return "; ".join(row[0] for row in conn.execute("PRAGMA quick_check"))
    except sqlite3.DatabaseError as exc:
        return str(exc)
    finally:
        conn.close()


def assert_not_written(capsys, db: TestDatabase, path: Path, *fragments: str) -> None:
    """scan --store and history --keep (the two commands that write) exit 2 and leave the file as it was."""
    before = digest(path)
    assert_one_line_error(invoke(capsys, "scan", "-d", db.dsn, "--store", str(path)), *fragments)
    assert_one_line_error(invoke(capsys, "history", "--store", str(path), "--keep", "1h"), *fragments)
    assert digest(path) == before
    assert sorted(p.name for p in path.parent.iterdir()) == [path.name]


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_8_kib_of_random_bytes_in_the_middle(capsys, db: TestDatabase, scanned: ScanResult, tmp_path: Path,
                                             seed: int) -> None:
    """Four trials, as in the issue: wherever the bytes land, the store is refused and stays unchanged."""
    path = filled_store(tmp_path / "h.sqlite3", scanned)
    size = path.stat().st_size
    noise = random.Random(seed)
    with path.open("r+b") as handle:
        handle.seek(size // 2 - 4096 + noise.randrange(-8192, 8192))
        handle.write(noise.randbytes(8192))
    assert_not_written(capsys, db, path, "corrupt store, not written", "restore it from a backup")


def test_damage_inside_a_snapshot_that_sqlite_cannot_see(capsys, db: TestDatabase, scanned: ScanResult,
                                                         tmp_path: Path) -> None:
    """Random bytes in the middle of a compressed snapshot, within one overflow page: SQLite's quick_check
    still says ok, gzip's CRC does not."""
    path = filled_store(tmp_path / "h.sqlite3", scanned, count=1)
    conn = sqlite3.connect(path)
    blob = conn.execute("SELECT frames FROM snapshots WHERE id = 1").fetchone()[0]
    page_size = conn.execute("PRAGMA page_size").fetchone()[0]
    conn.close()
    content = path.read_bytes()
    middle = len(blob) // 2
    at = content.find(blob[middle:middle + 64])
    assert at > 0, "the middle of the snapshot is not stored contiguously"
    page_end = (at // page_size + 1) * page_size
    length = min(512, page_end - at)
    with path.open("r+b") as handle:
        handle.seek(at)
        handle.write(random.Random(7).randbytes(length))
    assert quick_check(path) == "ok"
    assert_not_written(capsys, db, path, "corrupt store, not written", "snapshot 1", "damaged compressed data")


def test_a_stored_plan_whose_crc_no_longer_matches(capsys, db: TestDatabase, scanned: ScanResult,
                                                   tmp_path: Path) -> None:
    """Plans (issue 20) are gzip blobs too: one whose last bytes (the CRC) changed is found."""
    path = filled_store(tmp_path / "h.sqlite3", scanned, count=1)
    conn = sqlite3.connect(path)
    with conn:
        conn.execute("INSERT INTO plans (fingerprint, plan) VALUES ('broken', ?)",
                     (gzip.compress(b'{"Plan": {}}')[:-8] + b"\0" * 8,))
    conn.close()
    assert quick_check(path) == "ok"
    assert_not_written(capsys, db, path, "corrupt store, not written", "plan broken: damaged compressed data")


def test_a_store_from_before_plans_is_checked_then_migrated(capsys, db: TestDatabase, scanned: ScanResult,
                                                           tmp_path: Path) -> None:
    """The check runs before migrations, on a store that has no plans table yet."""
    path = filled_store(tmp_path / "h.sqlite3", scanned, count=1)
    conn = sqlite3.connect(path)
    with conn:
        conn.executescript("DROP TABLE snapshot_plans; DROP TABLE plans; "
                           "DELETE FROM store_migrations WHERE version = 2;")
    conn.close()
    assert invoke(capsys, "scan", "-d", db.dsn, "--store", str(path)).code in (0, 1)
    conn = sqlite3.connect(path)
    assert conn.execute("SELECT max(version) FROM store_migrations").fetchone()[0] == 2
    conn.close()


def test_a_finding_that_is_no_longer_json(capsys, db: TestDatabase, scanned: ScanResult, tmp_path: Path) -> None:
    """Text damaged in a finding's document: SQLite's checks pass, JSON's do not."""
    path = filled_store(tmp_path / "h.sqlite3", scanned, count=1)
    conn = sqlite3.connect(path)
    with conn:
        assert conn.execute("UPDATE findings SET doc = substr(doc, 1, 40) WHERE position = 0").rowcount == 1
    conn.close()
    assert quick_check(path) == "ok"
    assert_not_written(capsys, db, path, "corrupt store, not written", "a finding of snapshot 1 is not JSON")


@pytest.mark.parametrize("content", [b"x", b"\x00", b"SQLite", b"not a database at all\n" * 100])
def test_a_file_that_is_not_an_sqlite_database_is_never_touched(capsys, db: TestDatabase, tmp_path: Path,
                                                                 content: bytes) -> None:
    """A 1-byte file (which SQLite would take for an empty database and write over), a short or text file."""
    path = tmp_path / "h.sqlite3"
    path.write_bytes(content)
    assert_not_written(capsys, db, path, "is not a pgdiag store (not an SQLite database)")
    assert_one_line_error(invoke(capsys, "history", "--store", str(path)), "not a pgdiag store")


def test_a_sound_store_is_still_written(capsys, db: TestDatabase, scanned: ScanResult, tmp_path: Path) -> None:
    """The check passes on an intact store, and an empty file still becomes a store."""
    path = filled_store(tmp_path / "h.sqlite3", scanned, count=2)
    assert invoke(capsys, "scan", "-d", db.dsn, "--store", str(path)).code in (0, 1)
    empty = tmp_path / "empty.sqlite3"
    empty.touch()
    assert invoke(capsys, "scan", "-d", db.dsn, "--store", str(empty)).code in (0, 1)
    for store in (path, empty):
        listed = invoke(capsys, "history", "--store", str(store), "--json", "-")
        assert listed.code == 0, listed.err
    assert len(json.loads(invoke(capsys, "history", "--store", str(path), "--json", "-").out)["snapshots"]) == 3


def test_reading_commands_do_not_write_a_store_with_a_log_beside_it(capsys, scanned: ScanResult,
                                                                     tmp_path: Path) -> None:
    """A writer killed before its connection closed leaves its snapshot in the write-ahead log: history and
    report read it from there (mode=ro) without checkpointing it into the file."""
    path = filled_store(tmp_path / "h.sqlite3", scanned, count=1)
    script = ("import os, sys\nfrom pgdiag.config.model import Config\nfrom pgdiag.history.store import open_store\n"
              "from tests.history.store_writer import large_record\n"
              "store = open_store(sys.argv[1], create=True)\nstore.save(large_record())\nos._exit(0)\n")
    subprocess.run([sys.executable, "-c", script, str(path)], cwd=ROOT, check=True, timeout=120)
    log = path.with_name(path.name + "-wal")
    assert log.stat().st_size > 0
    before = digest(path)
    listed = invoke(capsys, "history", "--store", str(path), "--json", "-")
    assert listed.code == 0, listed.err
    assert sorted(s["id"] for s in json.loads(listed.out)["snapshots"]) == [1, 2]
    assert invoke(capsys, "report", "--store", str(path), "--snapshot", "1", "--json", "-").code == 0
    assert digest(path) == before and log.stat().st_size > 0


# A full disk --------------------------------------------------------------------------------------------------

def run_limited(argv: list[str]) -> subprocess.CompletedProcess[str]:
    """pgdiag in a subprocess that may not grow any file by a byte (RLIMIT_FSIZE 0, SIGXFSZ ignored so a write
    fails with EFBIG instead of killing the process): what a full disk does to every write."""
    def limit() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (0, 0))
    return subprocess.run([sys.executable, "-m", "pgdiag", *argv], cwd=ROOT, capture_output=True, text=True,
                          timeout=120, preexec_fn=limit)


@pytest.mark.parametrize("beside", ["nothing", "an empty log"])
def test_history_and_report_with_no_space_to_write(scanned: ScanResult, tmp_path: Path, beside: str) -> None:
    """Simulated with a file size limit of 0 bytes: the shared-memory file cannot be sized, as on a full disk.
    With an empty log beside the store (left by an earlier failed attempt) mode=ro fails the same way and the
    file alone is read."""
    path = filled_store(tmp_path / "h.sqlite3", scanned, count=2)
    if beside == "an empty log":
        path.with_name(path.name + "-wal").touch()
    listed = run_limited(["history", "--store", str(path), "--json", "-"])
    assert listed.returncode == 0, listed.stderr
    assert len(json.loads(listed.stdout)["snapshots"]) == 2
    report = run_limited(["report", "--store", str(path), "--json", "-"])
    assert report.returncode == 0, report.stderr
    written = run_limited(["history", "--store", str(path), "--keep", "1h"])
    assert written.returncode == 2 and written.stderr.count("\n") == 1, written.stderr


@pytest.fixture
def full_disk() -> Iterator[Path]:
    """A 1 MiB tmpfs (mounting needs root; skipped otherwise), unmounted afterwards."""
    mount_point = Path(tempfile.mkdtemp(prefix="pgdiag-full-"))
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(mount_point)],
                             capture_output=True)
    if mounted.returncode != 0:
        mount_point.rmdir()
        pytest.skip("cannot mount a tmpfs here (needs root); the file size limit test covers a full disk")
    try:
        yield mount_point
    finally:
        subprocess.run(["umount", str(mount_point)], check=True)
        mount_point.rmdir()


def test_history_and_report_on_a_full_tmpfs(capsys, scanned: ScanResult, tmp_path: Path, full_disk: Path) -> None:
    """A real full file system: the store is copied onto a small tmpfs, which is then filled to the last byte."""
    path = full_disk / "h.sqlite3"
    path.write_bytes(filled_store(tmp_path / "h.sqlite3", scanned, count=1).read_bytes())
    with (full_disk / "filler").open("wb", buffering=0) as filler:
        with pytest.raises(OSError):
            while True:
                filler.write(b"\0" * 4096)
    before = digest(path)
    listed = invoke(capsys, "history", "--store", str(path), "--json", "-")
    assert listed.code == 0, listed.err
    assert len(json.loads(listed.out)["snapshots"]) == 1
    assert invoke(capsys, "report", "--store", str(path), "--json", "-").code == 0
    assert digest(path) == before
    assert os.statvfs(full_disk).f_bavail == 0
