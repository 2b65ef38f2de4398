"""Every shape of the corpus loses its password, and what is not a password stays readable."""

from __future__ import annotations

import pytest

from pgdiag.core.redact import redact_statement
from tests.security.redaction_corpus import CORPUS, FRAGMENTS


def test_corpus_is_large_enough() -> None:
    assert len(CORPUS) >= 50
    assert len({name for name, _ in CORPUS}) == len(CORPUS)


@pytest.mark.parametrize("text", [text for _, text in CORPUS], ids=[name for name, _ in CORPUS])
def test_no_fragment_of_the_password_survives(text: str) -> None:
    redacted = redact_statement(text)
    assert not any(fragment in redacted for fragment in FRAGMENTS), redacted
    assert "***" in redacted
    assert redacted.split()[0] == text.split()[0]  # the statement stays recognisable


@pytest.mark.parametrize("text", [
    "SELECT * FROM accounts WHERE id = $1",
    "ALTER ROLE app VALID UNTIL 'infinity'",
    "ALTER ROLE app PASSWORD NULL",
    "SELECT rolpassword IS NULL FROM pg_authid WHERE rolname = $1",
    "SELECT format('ALTER ROLE %I PASSWORD %L', $1, $2)",
    "CREATE USER MAPPING FOR u SERVER s OPTIONS (user 'app')",
    "SELECT 'https://example.com/a'",
])
def test_texts_without_a_password_are_unchanged(text: str) -> None:
    assert redact_statement(text) == text


@pytest.mark.parametrize("text, expected", [
    ("ALTER ROLE app PASSWORD 'Zq9Xk7' VALID UNTIL 'infinity'", "ALTER ROLE app PASSWORD '***' VALID UNTIL 'infinity'"),
    ("CREATE USER MAPPING FOR u SERVER s OPTIONS (user 'app', password 'Zq9Xk7')",
     "CREATE USER MAPPING FOR u SERVER s OPTIONS (user 'app', password '***')"),
    ("ALTER SUBSCRIPTION s CONNECTION 'host=h password=bs\\ Zq9Xk7 dbname=x'",
     "ALTER SUBSCRIPTION s CONNECTION 'host=h password=*** dbname=x'"),
    ("SELECT format('ALTER ROLE %I PASSWORD %L', 'x', 'Zq9Xk7')",
     "SELECT format('ALTER ROLE %I PASSWORD %L', 'x', '***')"),
    ("ALTER ROLE x PASSWORD 'Zq9' nonsense; SELECT 1", "ALTER ROLE x PASSWORD ***; SELECT 1"),
])
def test_redaction_keeps_the_rest(text: str, expected: str) -> None:
    assert redact_statement(text) == expected


def test_deep_text_is_redacted_without_crashing() -> None:
    text = "ALTER ROLE x PASSWORD 'Zq9Xk7'; SELECT " + " + ".join(["1"] * 60_000)
    assert "Zq9" not in redact_statement(text)


def test_a_failing_redactor_fails_closed(monkeypatch) -> None:
    import pgdiag.core.redact.statement as statement

    def broken(*args, **kwargs):
        raise RuntimeError("bug")

    monkeypatch.setattr(statement, "_redact_sql", broken)
    assert statement.redact_statement("ALTER ROLE x PASSWORD 'Zq9Xk7'") == "ALTER ROLE x PASSWORD ***"
