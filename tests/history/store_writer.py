"""Run as a subprocess by test_store_kill.py: store one large snapshot again and again until killed.

Prints ``saving N`` before and ``saved N ID`` after each write, so the test knows which writes
completed. The snapshot is built the same way every time (`large_record`), so the test can check
that what it reads back is a complete copy.
"""

from __future__ import annotations

import sys
from datetime import datetime, timezone

import pandas as pd

from pgdiag.core.findings import Finding, ObjectRef
from pgdiag.core.snapshot import CollectorStatus, Snapshot
from pgdiag.history.store import NewSnapshot, open_store

ROWS = 60_000
FINDINGS = 20_000


def large_record() -> NewSnapshot:
    """A snapshot with a large frame and many findings: a write takes long enough to be interrupted."""
    frame = pd.DataFrame({"n": range(ROWS), "text": [f"statement {i} " * 8 for i in range(ROWS)]})
    snapshot = Snapshot(target={"dsn": "postgresql://app@db/app", "database": "app", "server_version": "18.0",
                                "server_version_num": 180000},
                        collected_at=datetime(2026, 1, 1, tzinfo=timezone.utc),
                        collectors=[CollectorStatus("statements", "ok", rows=ROWS)], frames={"statements": frame})
    findings = [Finding(check="no_primary_key", severity="low", title=f"table t{i} has no primary key",
                        object=ObjectRef(schema="public", table=f"t{i}"), recommendation="Add one.")
                for i in range(FINDINGS)]
    return NewSnapshot(target_key="kill-test", target_name=None, snapshot=snapshot, findings=findings,
                       checks_ran=("no_primary_key",))


def main(spec: str) -> None:
    """Write `large_record` to store `spec` forever."""
    record = large_record()
    with open_store(spec, create=True) as store:
        number = 0
        while True:
            number += 1
            print(f"saving {number}", flush=True)
            snapshot_id = store.save(record)
            print(f"saved {number} {snapshot_id}", flush=True)


if __name__ == "__main__":
    main(sys.argv[1])
