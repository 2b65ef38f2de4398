"""Snapshot accessors and views: the workload-parse thread reads a view of its own, never the snapshot the
collecting thread keeps adding to, and hands back what it derived."""

from __future__ import annotations

from datetime import datetime, timezone

import pandas as pd

from pgdiag.core.snapshot import CollectorStatus, Snapshot


def snapshot() -> Snapshot:
    return Snapshot(target={"database": "app"}, collected_at=datetime(2026, 12, 2, tzinfo=timezone.utc),
                    collectors=[CollectorStatus("settings", "ok"), CollectorStatus("extensions", "ok")],
                    frames={"settings": pd.DataFrame({"name": ["work_mem", "search_path"],
                                                      "setting": ["4096", '"$user", public']}),
                            "extensions": pd.DataFrame({"name": ["hypopg", "pg_stat_statements"],
                                                        "schema": [None, "public"],
                                                        "installed_version": [None, "1.10"]})})


def test_setting_and_extension_accessors() -> None:
    snap = snapshot()
    assert snap.setting("work_mem") == "4096" and snap.setting("fsync") is None
    assert snap.extension("pg_stat_statements") == {"name": "pg_stat_statements", "schema": "public",
                                                    "installed_version": "1.10"}
    assert snap.extension("hypopg")["installed_version"] is None and snap.extension("postgis") is None
    assert Snapshot(target={}, collected_at=snap.collected_at).setting("work_mem") is None


def test_a_view_is_independent_and_its_results_are_adopted() -> None:
    snap = snapshot()
    view = snap.view(("settings",))
    snap.frames["tables"] = pd.DataFrame({"table": ["t"]})
    snap.collectors.append(CollectorStatus("tables", "ok"))
    assert set(view.frames) == {"settings"} and [c.name for c in view.collectors] == ["settings"]
    assert view.derived("answer", lambda s: 42) == 42 and "answer" not in snap._derived
    snap.derived("kept", lambda s: "parent")
    view.derived("kept", lambda s: "view")
    snap.adopt(view)
    assert snap.derived("answer", lambda s: 0) == 42 and snap.derived("kept", lambda s: "") == "parent"
