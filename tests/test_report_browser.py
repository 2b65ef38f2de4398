"""The HTML report in a real browser: headless Chromium over the DevTools protocol (tests/browser.py).

The report comes from a real scan of a database where a table is named, and a statement's text
carries, ``</script><img src=x onerror=alert(1)>``. In the browser the page must log no error, throw
nothing, open no dialog and create no element from that text; its tables must sort when a header is
clicked and hide non-matching rows when a filter is typed; with JavaScript off it must still show
everything, without the controls the script adds. Skipped where no ``chromium`` is installed, except
under CI=true, where a missing browser is a failure.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Iterator

import pytest

from pgdiag.config.model import Config
from pgdiag.core.report import Report
from pgdiag.render.html import render_html
from tests.browser import Chromium, Page, chromium_path
from tests.conftest import run_scan
from tests.pg import TestDatabase

pytestmark = pytest.mark.browser

PAYLOAD = "</script><img src=x onerror=alert(1)>"
PAYLOAD_CALLS = 7


@pytest.fixture(scope="session")
def chromium() -> Iterator[Chromium]:
    """One headless Chromium for the session."""
    executable = chromium_path()
    if executable is None:
        if os.environ.get("CI") == "true":
            pytest.fail("CI=true but no chromium on PATH: .ci/run installs Debian's chromium")
        pytest.skip("no chromium on PATH (Debian: apt install chromium); the browser tests need it")
    with Chromium(executable) as browser:
        yield browser


@pytest.fixture(scope="module")
def report_file(db: TestDatabase, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The report of a real scan where a table name and a statement text carry the payload, with
    statements of different call counts to sort and an index finding with a fix to copy."""
    db.execute(f'CREATE TABLE "{PAYLOAD}" (v int)',
               f'INSERT INTO "{PAYLOAD}" SELECT g FROM generate_series(1, 100) g',
               "CREATE TABLE browser_dup (id int PRIMARY KEY, code int)",
               "INSERT INTO browser_dup SELECT g, g FROM generate_series(1, 5000) g",
               "CREATE INDEX browser_dup_a ON browser_dup (code)",
               "CREATE INDEX browser_dup_b ON browser_dup (code)",
               "CREATE TABLE browser_aaa (v int)",
               "INSERT INTO browser_aaa SELECT g FROM generate_series(1, 1000) g")
    with db.connect() as conn:
        for _ in range(PAYLOAD_CALLS):
            conn.execute(f'SELECT v AS "{PAYLOAD}" FROM "{PAYLOAD}" WHERE v < 3').fetchall()
        for calls in (3, 11, 5):
            for _ in range(calls):
                conn.execute(f"SELECT count(*) FROM browser_dup WHERE code < {calls}").fetchall()
    # The shared test servers run with fsync off for speed, and every test module's CREATE DATABASE requests a
    # checkpoint: settings_risk and checkpoint_pressure (both tested on throwaway clusters) would rightly put
    # their server-wide fixes first.
    result = run_scan(db, config=Config(checks={"settings_risk": {"enabled": False},
                                                "checkpoint_pressure": {"enabled": False}}))
    report = Report(result.snapshot, result.checks.findings, result.checks.not_run)
    path = tmp_path_factory.mktemp("browser") / "report.html"
    path.write_text(render_html(report), encoding="utf-8")
    return path


@pytest.fixture()
def page(chromium: Chromium, report_file: Path) -> Page:
    """The report opened in a fresh tab with JavaScript on."""
    return chromium.open(report_file.as_uri())


def column_values(page: Page, table: str, header: str) -> list[float | None]:
    """The data-value of every visible row's cell under `header`, in page order."""
    return page.evaluate(f"""(() => {{
        const table = document.getElementById({table!r});
        const column = [...table.tHead.rows[0].cells].findIndex(c => c.textContent.trim() === {header!r});
        return [...table.tBodies[0].rows].filter(r => !r.hidden).map(r => {{
            const v = r.cells[column].getAttribute('data-value');
            return v === '' ? null : Number(v);
        }});
    }})()""")


def test_page_loads_clean_and_the_payload_stays_text(page: Page) -> None:
    """No console error, no exception, no dialog; no <img> exists; the one script is pgdiag's own;
    the payload is on the page as text: in the statements table, the tables listing and the size chart."""
    assert page.console_errors == [] and page.exceptions == []
    assert page.dialogs == []
    assert page.evaluate("document.getElementsByTagName('img').length") == 0
    assert page.evaluate("document.scripts.length") == 1
    assert page.evaluate("[...document.querySelectorAll('[onerror]')].length") == 0
    for table in ("statements-table", "tables-table"):
        assert page.evaluate(f"document.getElementById({table!r}).tBodies[0].textContent.includes({PAYLOAD!r})")
    assert page.evaluate(f"[...document.querySelectorAll('#chart-sizes g > title')].some(t => t.textContent"
                         f".startsWith({'public.' + PAYLOAD + ': '!r}))")


def test_clicking_a_numeric_header_sorts_by_its_values(page: Page) -> None:
    """calls: first click descending, second ascending; a text column sorts by its text."""
    page.click("#statements-table th:nth-child(2) button")
    calls = column_values(page, "statements-table", "calls")
    assert len(calls) >= 4 and calls == sorted(calls, reverse=True)
    assert page.evaluate("document.querySelector('#statements-table th:nth-child(2)')"
                         ".getAttribute('aria-sort')") == "descending"
    page.click("#statements-table th:nth-child(2) button")
    assert column_values(page, "statements-table", "calls") == sorted(calls)

    names = "[...document.getElementById('tables-table').tBodies[0].rows].map(r => r.cells[0].textContent.trim())"
    by_size = page.evaluate(names)
    page.click("#tables-table th:nth-child(1) button")
    by_name = page.evaluate(names)
    assert len(by_name) >= 3 and by_name != by_size and sorted(by_name) == sorted(by_size)
    assert page.evaluate(f"(names => names.every((n, i) => i === 0 || names[i - 1].toLowerCase()"
                         f".localeCompare(n.toLowerCase()) <= 0))({names})")
    page.click("#tables-table th:nth-child(1) button")
    assert page.evaluate(names) == by_name[::-1]


def test_typing_in_a_filter_hides_rows_that_do_not_match(page: Page) -> None:
    """The filter keeps the rows whose text contains what was typed (case-insensitive), counts them,
    and clearing it brings every row back."""
    total = page.evaluate("document.getElementById('tables-table').tBodies[0].rows.length")
    page.type_into("#tables .table-tools input", "BROWSER_DUP")
    visible = page.evaluate("[...document.getElementById('tables-table').tBodies[0].rows]"
                            ".filter(r => !r.hidden).map(r => r.cells[0].textContent.trim())")
    assert visible == ["public.browser_dup"] and total > 1
    assert page.evaluate("document.querySelector('#tables .filter-count').textContent") == f"1 of {total} rows"
    page.evaluate("(() => { const i = document.querySelector('#tables .table-tools input');"
                  "i.value = ''; i.dispatchEvent(new Event('input')); })()")
    assert page.evaluate("[...document.getElementById('tables-table').tBodies[0].rows]"
                         ".filter(r => r.hidden).length") == 0


def test_copy_button_copies_the_fix(page: Page, chromium: Chromium) -> None:
    """Each fix gets a copy button; clicking it puts the fix on the clipboard (or, where the clipboard
    is refused, selects the text for the reader to copy)."""
    chromium.send("Browser.grantPermissions", permissions=["clipboardReadWrite", "clipboardSanitizedWrite"])
    fix = page.evaluate("document.querySelector('pre[data-copy]').textContent")
    assert fix.startswith("DROP INDEX CONCURRENTLY")
    assert page.evaluate("document.querySelectorAll('button.copy').length") == \
        page.evaluate("document.querySelectorAll('pre[data-copy]').length") > 0
    page.click("button.copy")
    label = page.evaluate("new Promise(r => setTimeout(() => r(document.querySelector('button.copy')"
                          ".textContent), 100))")
    if label == "Copied":
        assert page.evaluate("navigator.clipboard.readText()") == fix
    else:
        assert label == "Selected: press Ctrl+C" and page.evaluate("String(window.getSelection())") == fix


def test_without_javascript_everything_is_there_but_the_controls(chromium: Chromium, report_file: Path) -> None:
    """With scripts disabled: all rows and fixes are shown, no filter or copy control exists, and the
    payload still creates nothing."""
    page = chromium.open(report_file.as_uri(), scripts=False)
    assert page.console_errors == [] and page.exceptions == [] and page.dialogs == []
    assert page.evaluate("document.querySelectorAll('.table-tools, button.copy').length") == 0
    assert page.evaluate("document.getElementsByTagName('img').length") == 0
    assert page.evaluate("document.getElementById('statements-table').tBodies[0].textContent"
                         f".includes({PAYLOAD!r})")
    assert page.evaluate("document.querySelectorAll('pre[data-copy]').length") > 0


def test_dark_theme_changes_the_colours(chromium: Chromium, report_file: Path) -> None:
    """prefers-color-scheme: dark gives a dark background and light text; light the opposite."""
    def colours(dark: bool) -> list[str]:
        page = chromium.open(report_file.as_uri(), dark=dark)
        return page.evaluate("[getComputedStyle(document.body).backgroundColor, getComputedStyle(document.body).color]")
    assert colours(False) == ["rgb(255, 255, 255)", "rgb(31, 35, 40)"]
    assert colours(True) == ["rgb(13, 17, 23)", "rgb(230, 237, 243)"]
