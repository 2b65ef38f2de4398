"""pgdiag explain's outputs on a real server: JSON that validates against docs/explain.schema.json, a
self-contained HTML page that escapes hostile text, and a terminal tree that prints data, not markup."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator
from markupsafe import escape
from referencing import Registry, Resource

from pgdiag.explain.insights import registry as insights
from tests.cli_helpers import invoke
from tests.pg import TestDatabase, hypopg_available

DOCS = Path(__file__).resolve().parents[2] / "docs"
PAYLOAD = "</script><img src=x onerror=alert(1)>"
HOSTILE_TABLE = "<b>x</b>"
MARKUP = "[bold red]not markup[/bold red]"
INBOX = "SELECT id, note FROM inbox WHERE owner = 3 AND state = 'open' ORDER BY created DESC LIMIT 10"


def validator() -> Draft202012Validator:
    """docs/explain.schema.json, with its references into docs/report.schema.json resolved locally."""
    report = json.loads((DOCS / "report.schema.json").read_text(encoding="utf-8"))
    schema = json.loads((DOCS / "explain.schema.json").read_text(encoding="utf-8"))
    Draft202012Validator.check_schema(schema)
    registry = Registry().with_resource("report.schema.json", Resource.from_contents(report))
    return Draft202012Validator(schema, registry=registry, format_checker=Draft202012Validator.FORMAT_CHECKER)


def schema_errors(document: Any) -> list[str]:
    """Every way `document` breaks the schema (empty when it conforms)."""
    return [f"{'/'.join(map(str, e.absolute_path)) or '(root)'}: {e.message}" for e in validator().iter_errors(document)]


def strict_loads(text: str) -> Any:
    """Standard JSON only: NaN and Infinity are errors."""
    def reject(constant: str) -> None:
        raise ValueError(f"not valid JSON: {constant}")
    return json.loads(text, parse_constant=reject)


@pytest.fixture(scope="module")
def data(db: TestDatabase) -> tuple[TestDatabase, bool]:
    """A table with a hostile name, and an inbox big enough for index advice."""
    with_hypopg = hypopg_available(db)
    db.execute(f'CREATE TABLE "{HOSTILE_TABLE}" (k int NOT NULL)',
               f'INSERT INTO "{HOSTILE_TABLE}" SELECT g % 10 FROM generate_series(1, 5000) g',
               "CREATE TABLE inbox (id int PRIMARY KEY, owner int NOT NULL, state text NOT NULL, note text NOT NULL, "
               "created timestamptz NOT NULL)",
               "INSERT INTO inbox SELECT g, g % 40, (ARRAY['open','done','done'])[1 + g % 3], 'n' || g, "
               "now() - g * interval '1 second' FROM generate_series(1, 120000) g",
               "VACUUM ANALYZE")
    return db, with_hypopg


def run_json(capsys, db: TestDatabase, *args: str) -> dict[str, Any]:
    """``pgdiag explain --json -`` output, parsed strictly."""
    outcome = invoke(capsys, "explain", "-d", db.dsn, "--json", "-", *args)
    assert outcome.code == 0, outcome.err
    return strict_loads(outcome.out)


@pytest.mark.parametrize("args", [
    [INBOX],
    ["--no-analyze", INBOX],
    ["SELECT id FROM inbox WHERE owner = $1 AND state = $2"],
    ["SELECT id FROM inbox WHERE owner = $1 AND state = $2", "--params", '[3, "open"]'],
    [f'SELECT \'{PAYLOAD}\' AS payload, count(*) FROM "{HOSTILE_TABLE}" WHERE k = 3'],
], ids=["analyze", "no-analyze", "generic", "params", "hostile"])
def test_json_validates_against_the_schema(capsys, data: tuple[TestDatabase, bool], args: list[str]) -> None:
    db, _ = data
    document = run_json(capsys, db, *args)
    assert schema_errors(document) == []
    assert document["plan"][0]["Plan"]["Node Type"]
    assert [n["id"] for n in document["nodes"]] == list(range(1, len(document["nodes"]) + 1))
    for finding in document["findings"]:
        node = (finding["evidence"] or {}).get("node")
        assert node is None or 1 <= node <= len(document["nodes"])


def test_json_carries_the_index_fix(capsys, data: tuple[TestDatabase, bool]) -> None:
    """The inbox query's missing_index finding, with the hypothetical plan where hypopg proves it."""
    db, with_hypopg = data
    document = run_json(capsys, db, INBOX)
    [fix] = [f for f in document["findings"] if f["check"] == "missing_index"]
    assert fix["object"]["columns"] == ["owner", "state", "created"]
    assert (fix["evidence"]["plan_after"] is not None) is with_hypopg
    assert document["findings"][0]["severity"] in ("high", "medium")


def test_schema_lists_exactly_the_insights() -> None:
    schema = json.loads((DOCS / "explain.schema.json").read_text(encoding="utf-8"))
    checks = schema["properties"]["findings"]["items"]["allOf"][1]["properties"]["check"]["enum"]
    assert set(checks) == set(insights()) | {"missing_index"}


def test_html_is_self_contained_and_escapes_hostile_text(capsys, data: tuple[TestDatabase, bool], tmp_path) -> None:
    db, _ = data
    path = tmp_path / "plan.html"
    outcome = invoke(capsys, "explain", "-d", db.dsn, "--html", str(path),
                     f'SELECT \'{PAYLOAD}\' AS payload, count(*) FROM "{HOSTILE_TABLE}" WHERE k = 3')
    assert outcome.code == 0, outcome.err
    html = path.read_text(encoding="utf-8")
    assert PAYLOAD not in html and str(escape(PAYLOAD)) in html
    assert HOSTILE_TABLE not in html and str(escape(HOSTILE_TABLE)) in html
    assert "<script" not in html.lower()
    assert not re.search(r"https?://", html), re.findall(r".{40}https?://.{40}", html)
    assert html.count('<details class="node"') >= 2 and 'id="node-1"' in html


def test_html_shows_the_fix_and_its_plan(capsys, data: tuple[TestDatabase, bool], tmp_path) -> None:
    db, with_hypopg = data
    path = tmp_path / "inbox.html"
    outcome = invoke(capsys, "explain", "-d", db.dsn, "--html", str(path), INBOX)
    assert outcome.code == 0, outcome.err
    html = path.read_text(encoding="utf-8")
    fix = section(html, "Fix")
    assert "CREATE INDEX CONCURRENTLY" in fix
    assert ("Plan with the index" in fix) is with_hypopg
    assert 'href="#node-' in section(html, "Insights")
    assert not re.search(r"https?://", html)


def test_terminal_prints_data_not_markup(capsys, data: tuple[TestDatabase, bool]) -> None:
    db, _ = data
    outcome = invoke(capsys, "explain", "-d", db.dsn, f"SELECT '{MARKUP}' AS m, count(*) FROM inbox WHERE owner = 3")
    assert outcome.code == 0, outcome.err
    assert MARKUP in " ".join(outcome.out.split())
    assert "█" in outcome.out and "Seq Scan on inbox" in outcome.out and "#1" in outcome.out


def section(html: str, heading: str) -> str:
    """The HTML of the ``<section>`` whose ``<h2>`` starts with `heading`."""
    match = re.search(rf"<h2>{re.escape(heading)}.*?</section>", html, re.S)
    assert match, f"no section {heading!r}"
    return match.group(0)
