"""The ``pgdiag`` command: runs the command line and turns every failure into a documented exit code.

Exit codes: 0 ok, 1 findings at or above ``--fail-on``, 2 usage, connection or input error
(one line on stderr), 3 internal error (one line plus where the traceback was logged). ``pgdiag`` alone
prints the help on standard output and exits 2 (no command is a usage error).

The commands are the typer app of `pgdiag.cli.commands`. One command line skips it: ``lint-migrations``
with plain options (`quick_lint`) runs without importing typer (docs/performance.md, "Lint start-up");
anything else on that command line goes through typer too.
"""

from __future__ import annotations

import sys

from pgdiag.cli import quick_lint
from pgdiag.core.errors import EXIT_INTERNAL, EXIT_USAGE, PgdiagError
from pgdiag.core.redact import redact
from pgdiag.core.visible import visible


def run(argv: list[str], *, quick: bool = True) -> int:
    """Run the command line with `argv` and return the exit code; never raises. With `quick` off, a plain
    ``lint-migrations`` command line goes through typer like every other (tests compare both paths)."""
    try:
        lint = quick_lint.arguments(argv) if quick else None
        if lint is not None:
            from pgdiag.cli.lint_work import lint_migrations

            return lint_migrations(lint.paths, lint.json_out, lint.fail_on)
        return _run_typer(argv)
    except PgdiagError as exc:
        return _fail(str(exc), exc.exit_code)
    except KeyboardInterrupt:
        return _fail("interrupted", EXIT_USAGE)
    except Exception:
        from pgdiag.core.crashlog import write_crash_log

        log = write_crash_log()
        return _fail(f"internal error (a bug in pgdiag); details in {log}", EXIT_INTERNAL)


def main() -> None:
    """Console-script entry point."""
    sys.exit(run(sys.argv[1:]))


def _run_typer(argv: list[str]) -> int:
    """The command line through the typer app: its usage errors and interruptions as one-line errors."""
    import typer
    from typer._click import exceptions as click_exceptions

    from pgdiag.cli.commands import app

    command = typer.main.get_command(app)
    if not argv:  # the help, and the one error line: no command is a usage error (exit 2)
        command.main(args=["--help"], prog_name="pgdiag", standalone_mode=False)
        return _fail("no command given (see 'pgdiag --help')", EXIT_USAGE)
    try:
        code = command.main(args=argv, prog_name="pgdiag", standalone_mode=False)
    except click_exceptions.UsageError as exc:
        hint = f" (see 'pgdiag {exc.ctx.info_name} --help')" if exc.ctx and exc.ctx.parent else \
            " (see 'pgdiag --help')"
        return _fail(" ".join(exc.format_message().split()) + hint, EXIT_USAGE)
    except typer.Abort:
        return _fail("interrupted", EXIT_USAGE)
    return int(code or 0)


def _fail(message: str, code: int) -> int:
    """Print `message` as the single error line on stderr and return `code`.

    Messages are built without secrets; the redaction here is the last line of defence for a password
    written where nobody expected one (a store path that is a URL without its scheme). Control characters
    (a server error quoting a name with ESC in it) are written out."""
    sys.stderr.write(f"pgdiag: error: {visible(redact(message, ()))}\n")
    return code
