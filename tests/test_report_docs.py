"""docs/report.md cannot drift from the code: the gain rule table names each check under the kind the
code gives it, and the caps table states the caps the code applies."""

from __future__ import annotations

import re
from pathlib import Path

from pgdiag.checks import registry
from pgdiag.render.actions import GAIN_RULES, TOP_ACTIONS
from pgdiag.render.charts import TOP_BARS
from pgdiag.render.listings import INDEX_ROWS, STATEMENT_ROWS, TABLE_ROWS
from pgdiag.render.report_view import FINDINGS_PER_CHECK

PAGE = (Path(__file__).resolve().parent.parent / "docs" / "report.md").read_text(encoding="utf-8")


def table_rows(heading: str) -> list[list[str]]:
    """The cells of the first Markdown table after `heading`, header row and rule left out."""
    lines = PAGE.split(heading, 1)[1].splitlines()
    start = next(n for n, line in enumerate(lines) if line.startswith("|"))
    block = []
    for line in lines[start:]:
        if not line.startswith("|"):
            break
        block.append([cell.strip() for cell in line.strip("|").split("|")])
    return block[2:]


def test_gain_rule_table_matches_the_code() -> None:
    """Each kind's row names exactly the checks the code measures in that kind (evidence keys aside)."""
    checks = set(registry())
    documented = {row[0]: set(re.findall(r"`([a-z_]+)`", row[2])) & checks for row in table_rows("## Top actions")}
    actual: dict[str, set[str]] = {}
    for check, (kind, _, _) in GAIN_RULES.items():
        actual.setdefault(kind, set()).add(check)
    assert documented == actual
    assert f"top {TOP_ACTIONS} actions" in PAGE


def test_caps_table_matches_the_code() -> None:
    """The caps the page promises are the ones the listings, the findings and the charts apply."""
    caps = {row[0]: row[1] for row in table_rows("## Caps")}
    assert caps["statements"] == str(STATEMENT_ROWS)
    assert caps["tables"] == str(TABLE_ROWS)
    assert caps["indexes"] == str(INDEX_ROWS)
    assert caps["findings"].startswith(f"{FINDINGS_PER_CHECK} per check")
    assert caps["charts"] == f"{TOP_BARS} bars each"
