"""Fix SQL names every table and column so that PostgreSQL accepts it, whatever the name."""

from __future__ import annotations

from pglast.keywords import (
    COL_NAME_KEYWORDS,
    RESERVED_KEYWORDS,
    TYPE_FUNC_NAME_KEYWORDS,
    UNRESERVED_KEYWORDS,
)

from pgdiag.core.sqltext import create_index_sql, qualified, quote_ident
from tests.pg import TestDatabase

NAMES = sorted(RESERVED_KEYWORDS | TYPE_FUNC_NAME_KEYWORDS | COL_NAME_KEYWORDS | UNRESERVED_KEYWORDS) + [
    "organizationId", "with space", 'say "hi"', "ünïcode", "$dollar", "x" * 63]


def test_every_keyword_and_odd_name_makes_a_table_and_index_postgresql_accepts(db: TestDatabase) -> None:
    """Each name as a table and as its column, indexed by the fix SQL pgdiag writes (in a transaction that is
    rolled back). Keywords that only type/function names or columns reserve ("left", "verbose", "int") broke
    fixes before."""
    failed = []
    with db.connect() as conn:
        for name in NAMES:
            with conn.transaction(force_rollback=True):
                try:
                    conn.execute(f"CREATE TABLE {qualified('public', name)} ({quote_ident(name)} int)")
                    conn.execute(create_index_sql("public", name, [name], concurrently=False))
                except Exception as exc:  # collected, so one run names every failing name
                    failed.append((name, str(exc).splitlines()[0]))
    assert failed == []
