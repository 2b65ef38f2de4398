"""Helpers for the explain tests: real plans from the test server, and pgdiag explain runs with settings."""

from __future__ import annotations

from typing import Any

from pgdiag.core.findings import Finding
from pgdiag.db.dsn import parse
from pgdiag.explain.profile import ExplainOptions, Profile, profile
from tests.pg import TestDatabase


def with_settings(dsn: str, **settings: str) -> str:
    """`dsn` (key=value form) with server settings for the session, as a user would pass them (libpq options)."""
    if not settings:
        return dsn
    options = " ".join(f"-c {name}={value}" for name, value in settings.items())
    return f"{dsn} options='{options}'"


def explain_document(db: TestDatabase, statement: str, analyze: bool = True, **settings: str) -> list[Any]:
    """The EXPLAIN (FORMAT JSON) result of `statement` as the server returns it, captured on a plain connection."""
    options = "ANALYZE, BUFFERS, FORMAT JSON" if analyze else "FORMAT JSON"
    with db.connect() as conn:
        for name, value in settings.items():
            conn.execute(f"SET {name} = '{value}'")
        return conn.execute(f"EXPLAIN ({options}) {statement}").fetchone()[0]


def profile_of(db: TestDatabase, text: str, options: ExplainOptions | None = None, **settings: str) -> Profile:
    """pgdiag explain of `text` on `db`, the session carrying `settings`."""
    return profile(parse(with_settings(db.dsn, **settings)), text=text, options=options)


def findings(result: Profile, check: str) -> list[Finding]:
    """The findings of one check."""
    return [f for f in result.findings if f.check == check]
