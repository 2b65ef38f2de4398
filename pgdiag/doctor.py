"""Prerequisites of a full scan, judged from a snapshot of server, settings and extensions."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from pgdiag.collect.pgss import PGSS
from pgdiag.core.snapshot import Snapshot
from pgdiag.core.sqltext import quote_ident

State = Literal["ok", "missing", "optional"]


@dataclass(frozen=True)
class Prerequisite:
    """One thing pgdiag needs or benefits from, whether it is there, and the exact fix."""

    name: str
    state: State
    detail: str
    fix: str | None = None


def diagnose(snapshot: Snapshot) -> list[Prerequisite]:
    """Every prerequisite with its state; ``missing`` ones limit what a scan can report."""
    server = snapshot.frame("server").iloc[0] if snapshot.ok("server") else None
    database = snapshot.target.get("database")
    major = snapshot.server_version_num // 10000
    user = server["current_user"] if server is not None else "<role>"
    grantee = quote_ident(str(user)) if server is not None else "<role>"  # GRANT … TO "App-User", not App-User

    items: list[Prerequisite] = []
    supported = 13 <= major <= 18
    items.append(Prerequisite("PostgreSQL version", "ok" if supported else "missing",
                              f"{snapshot.target.get('server_version')} (pgdiag supports 13 to 18)",
                              None if supported else "upgrade to PostgreSQL 13 or newer"))
    preload = snapshot.setting("shared_preload_libraries")
    items.append(_preloaded(preload or "", preload is not None,
                            snapshot.ok("statements_info"), user, grantee))
    pgss = snapshot.extension(PGSS)
    created = pgss is not None and pgss["installed_version"] is not None
    if pgss is None:
        detail, fix = "not available on this server", f"install PostgreSQL's contrib package for version {major}"
    else:
        detail = f"version {pgss['installed_version']} in schema {pgss['schema']}" if created \
            else f"not created in database {database}"
        fix = None if created else f"CREATE EXTENSION {PGSS};"
    items.append(Prerequisite(f"{PGSS} extension", "ok" if created else "missing", detail, fix))
    privileged = server is not None and bool(server["is_superuser"] or server["has_read_all_stats"])
    items.append(Prerequisite("statistics privilege", "ok" if privileged else "missing",
                              f"role {user} " + ("can read every statement's text" if privileged
                                                 else "sees only its own statements' texts"),
                              None if privileged else f"GRANT pg_read_all_stats TO {grantee};"))
    track_counts = snapshot.setting("track_counts") == "on"
    items.append(Prerequisite("track_counts", "ok" if track_counts else "missing",
                              "table and index usage statistics " + ("collected" if track_counts else "off"),
                              None if track_counts else "ALTER SYSTEM SET track_counts = on; SELECT pg_reload_conf();"))
    io_timing = snapshot.setting("track_io_timing") == "on"
    items.append(Prerequisite("track_io_timing", "ok" if io_timing else "optional",
                              "I/O time per statement " + ("recorded" if io_timing else "not recorded"),
                              None if io_timing else "ALTER SYSTEM SET track_io_timing = on; SELECT pg_reload_conf();"))
    hypopg = snapshot.extension("hypopg")
    hypo_created = hypopg is not None and hypopg["installed_version"] is not None
    if hypo_created:
        hypo_detail, hypo_fix = "index advice is proven by what-if cost", None
    elif hypopg is not None:
        hypo_detail, hypo_fix = "available but not created: index advice is unvalidated", "CREATE EXTENSION hypopg;"
    else:
        hypo_detail = "not installed: index advice is unvalidated"
        hypo_fix = f"install the hypopg package (Debian: apt-get install postgresql-{major}-hypopg), then CREATE EXTENSION hypopg;"
    items.append(Prerequisite("hypopg", "ok" if hypo_created else "optional", hypo_detail, hypo_fix))
    return items


def _preloaded(preload: str, visible: bool, answers: bool, user: str, grantee: str) -> Prerequisite:
    """Whether pg_stat_statements is in shared_preload_libraries. A role that may not read the setting still
    learns it when the extension answers (it cannot without being preloaded); the fix never rewrites a
    list pgdiag could not read."""
    name = f"{PGSS} preloaded"
    if not visible:
        if answers:
            return Prerequisite(name, "ok", f"{PGSS} answers (shared_preload_libraries is hidden from role {user})")
        return Prerequisite(name, "missing", f"cannot tell: shared_preload_libraries is hidden from role {user} "
                            f"and {PGSS} does not answer",
                            f"GRANT pg_read_all_settings TO {grantee}; to see it, or ask a superuser to add {PGSS} "
                            "to shared_preload_libraries and restart the server")
    libraries = [lib.strip() for lib in preload.split(",") if lib.strip()]
    loaded = PGSS in libraries
    return Prerequisite(name, "ok" if loaded else "missing", f"shared_preload_libraries = '{preload}'",
                        None if loaded else "ALTER SYSTEM SET shared_preload_libraries = "
                        f"'{', '.join(libraries + [PGSS])}'; then restart the server")
