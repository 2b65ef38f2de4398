"""Report outputs shared by the commands that produce a scan report (``scan``, ``demo``)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Optional

import typer

from pgdiag.core.errors import ConfigError

if TYPE_CHECKING:  # the report pulls in pandas: not needed to parse the command line or print --help
    from pgdiag.core.report import Report

JsonOption = Annotated[Optional[str], typer.Option("--json", help="Write the JSON report to PATH, or - for stdout.",
                                                   metavar="PATH|-")]


def _html_path(value: str | None) -> str | None:
    """Refuse ``--html -`` while the command line is parsed, before any work: an HTML page on stdout would
    be mixed with the terminal report or the JSON that goes there."""
    if value == "-":
        raise ConfigError("--html needs a file path: the HTML report is not written to stdout (-)")
    return value


HtmlOption = Annotated[Optional[str], typer.Option("--html", help="Write the HTML report to PATH.", metavar="PATH",
                                                   callback=_html_path)]
MarkdownOption = Annotated[Optional[str], typer.Option(
    "--markdown", help="Write a Markdown summary (for pull requests and chat) to PATH, or - for stdout.",
    metavar="PATH|-")]


def check_destinations(*destinations: str | None) -> None:
    """Fail with a one-line error before any work when an output file cannot be written."""
    from pgdiag.render import ensure_writable

    for destination in destinations:
        if destination and destination != "-":
            ensure_writable(destination)


def emit(report: Report, json_out: str | None, html_out: str | None, markdown_out: str | None = None) -> None:
    """Write the JSON, HTML and Markdown reports where asked, then the terminal report unless one of them goes
    to stdout."""
    write_reports(report, json_out, html_out, markdown_out)
    if terminal_wanted(json_out, markdown_out):
        show(report)


def write_reports(report: Report, json_out: str | None, html_out: str | None, markdown_out: str | None) -> None:
    """Write the JSON, HTML and Markdown reports to the files (or stdout, ``-``) the user named."""
    from pgdiag.render import write_output

    if json_out:
        from pgdiag.render.json import render_json

        write_output(json_out, render_json(report))
    if html_out:
        from pgdiag.render.html import render_html

        write_output(html_out, render_html(report))
    if markdown_out:
        from pgdiag.render.markdown import render_markdown

        write_output(markdown_out, render_markdown(report))


def terminal_wanted(json_out: str | None, markdown_out: str | None, quiet: bool = False) -> bool:
    """Whether to print the terminal report: not with ``--quiet``, nor when a report goes to stdout."""
    return not quiet and "-" not in (json_out, markdown_out)


AllFindingsOption = Annotated[bool, typer.Option(
    "--all-findings", help="List every finding in the terminal, not only the 10 highest ranked of each check "
    "(the JSON and HTML reports always hold every one).")]


def show(report: Report, verbose: bool = False, all_findings: bool = False) -> None:
    """Print the terminal report; `verbose` adds each collector's status, rows and time, `all_findings` lists
    every finding rather than the highest ranked of each check."""
    from pgdiag.render.terminal import PER_CHECK, print_collectors, print_report

    print_report(report, per_check=None if all_findings else PER_CHECK)
    if verbose:
        print_collectors(report)
