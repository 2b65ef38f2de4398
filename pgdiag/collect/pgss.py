"""Whether pg_stat_statements can be read in the scanned database, and where: one answer for the statement
collectors, ``explain --queryid`` and doctor."""

from __future__ import annotations

from pgdiag.core.snapshot import Snapshot

PGSS = "pg_stat_statements"


def preloaded(snapshot: Snapshot) -> bool:
    """Whether pg_stat_statements is in shared_preload_libraries (unknown counts as no)."""
    libraries = snapshot.setting("shared_preload_libraries") or ""
    return PGSS in [library.strip() for library in libraries.split(",")]


def pgss_problem(snapshot: Snapshot) -> str | None:
    """Why pg_stat_statements cannot be read here, with the exact fix; None when it is created."""
    if not snapshot.ok("extensions"):
        return "cannot tell whether pg_stat_statements is installed: the extensions collector failed"
    row = snapshot.extension(PGSS)
    if row is None:
        return (f"{PGSS} is not available on this server: install PostgreSQL's contrib package, "
                f"add shared_preload_libraries = '{PGSS}', restart, then CREATE EXTENSION {PGSS};")
    if row["installed_version"] is None:
        fix = f"CREATE EXTENSION {PGSS};"
        if not preloaded(snapshot):
            fix = f"add shared_preload_libraries = '{PGSS}' to postgresql.conf, restart, then {fix}"
        return f"{PGSS} is not installed in database {snapshot.target.get('database')}: {fix}"
    return None


def pgss_schema(snapshot: Snapshot) -> str | None:
    """The schema pg_stat_statements is created in; None when `pgss_problem` has a reason."""
    row = snapshot.extension(PGSS)
    return None if pgss_problem(snapshot) or row is None else str(row["schema"])
