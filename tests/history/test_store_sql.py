"""The store's SQL files: every statement the code names exists for its backend, every file is used,
and the migrations of both backends are numbered 1, 2, … alike."""

from __future__ import annotations

import re
from pathlib import Path

from pgdiag.history.store.sqlfiles import BACKENDS, migrations, statement_names

STORE = Path(__file__).resolve().parents[2] / "pgdiag" / "history" / "store"
_NAMED = re.compile(r'(?:run\(|statement\(self\.backend, |_script\()"([a-z_]+)"')


def names_used(module: str) -> set[str]:
    return set(_NAMED.findall((STORE / module).read_text(encoding="utf-8")))


def test_every_statement_used_has_a_file_and_every_file_is_used() -> None:
    shared = names_used("base.py") | names_used("plans.py")
    assert shared, "no statement names found in base.py"
    for backend, module in zip(BACKENDS, ("sqlite.py", "postgres.py")):
        assert statement_names(backend) == shared | names_used(module), backend


def test_migrations_are_numbered_from_one_alike_on_both_backends() -> None:
    versions = [sorted(migrations(backend)) for backend in BACKENDS]
    assert versions[0] == versions[1] == list(range(1, len(versions[0]) + 1))


def test_every_store_sql_file_opens_with_a_comment_saying_what_it_does() -> None:
    for path in list((STORE / "sql").rglob("*.sql")) + list((STORE / "migrations").rglob("*.sql")):
        assert path.read_text(encoding="utf-8").startswith("-- "), path


def test_the_sqlite_application_id_is_the_one_written() -> None:
    from pgdiag.history.store.sqlfiles import statement
    from pgdiag.history.store.sqlite import APPLICATION_ID

    assert statement("sqlite", "set_application_id").endswith(f"= {APPLICATION_ID}")
