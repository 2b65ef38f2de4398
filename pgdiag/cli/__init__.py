"""The ``pgdiag`` command: wires one module per command and turns every failure into a documented exit code.

Exit codes: 0 ok, 1 findings at or above ``--fail-on``, 2 usage, connection or input error
(one line on stderr), 3 internal error (one line plus where the traceback was logged). ``pgdiag`` alone
prints the help on standard output and exits 2 (no command is a usage error).
"""

from __future__ import annotations

import sys
from typing import Annotated

import typer
from typer._click import exceptions as click_exceptions

from pgdiag.cli import (
    checks,
    demo,
    doctor,
    explain,
    history,
    lint_migrations,
    report,
    scan,
)
from pgdiag.core.errors import EXIT_INTERNAL, EXIT_USAGE, PgdiagError
from pgdiag.core.redact import redact
from pgdiag.core.visible import visible

app = typer.Typer(
    name="pgdiag",
    help="PostgreSQL performance diagnostics: what is slow, what is missing, what leaks across tenants.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _print_version(wanted: bool) -> None:
    """``--version``: print the program's name and version and stop."""
    if wanted:
        from pgdiag import __version__

        typer.echo(f"pgdiag {__version__}")
        raise typer.Exit()


@app.callback()
def _options(version: Annotated[bool, typer.Option(
        "--version", callback=_print_version, is_eager=True, help="Print pgdiag's version and exit.")] = False) -> None:
    """PostgreSQL performance diagnostics: what is slow, what is missing, what leaks across tenants."""


app.command("scan")(scan.scan)
app.command("explain")(explain.explain)
app.command("doctor")(doctor.doctor)
app.command("checks")(checks.checks)
app.command("demo")(demo.demo)
app.command("history")(history.history)
app.command("report")(report.report)
app.command("lint-migrations")(lint_migrations.lint_migrations)


def run(argv: list[str]) -> int:
    """Run the command line with `argv` and return the exit code; never raises."""
    command = typer.main.get_command(app)
    if not argv:  # the help, and the one error line: no command is a usage error (exit 2)
        command.main(args=["--help"], prog_name="pgdiag", standalone_mode=False)
        return _fail("no command given (see 'pgdiag --help')", EXIT_USAGE)
    try:
        code = command.main(args=argv, prog_name="pgdiag", standalone_mode=False)
    except PgdiagError as exc:
        return _fail(str(exc), exc.exit_code)
    except click_exceptions.UsageError as exc:
        hint = f" (see 'pgdiag {exc.ctx.info_name} --help')" if exc.ctx and exc.ctx.parent else \
            " (see 'pgdiag --help')"
        return _fail(" ".join(exc.format_message().split()) + hint, EXIT_USAGE)
    except (typer.Abort, KeyboardInterrupt):
        return _fail("interrupted", EXIT_USAGE)
    except Exception:
        from pgdiag.core.crashlog import write_crash_log

        log = write_crash_log()
        return _fail(f"internal error (a bug in pgdiag); details in {log}", EXIT_INTERNAL)
    return int(code or 0)


def main() -> None:
    """Console-script entry point."""
    sys.exit(run(sys.argv[1:]))


def _fail(message: str, code: int) -> int:
    """Print `message` as the single error line on stderr and return `code`.

    Messages are built without secrets; the redaction here is the last line of defence for a password
    written where nobody expected one (a store path that is a URL without its scheme). Control characters
    (a server error quoting a name with ESC in it) are written out."""
    sys.stderr.write(f"pgdiag: error: {visible(redact(message, ()))}\n")
    return code

