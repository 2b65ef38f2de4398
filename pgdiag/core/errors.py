"""Errors a user can act on, each with the exit code the command line documents."""

from __future__ import annotations

EXIT_OK = 0
EXIT_FINDINGS = 1
EXIT_USAGE = 2
EXIT_INTERNAL = 3


class PgdiagError(Exception):
    """A problem with the user's input or environment: reported as one line, exit code 2.

    The message must already be free of secrets and fit on one line; callers build it
    from redacted DSNs only.
    """

    exit_code = EXIT_USAGE

    def __init__(self, message: str) -> None:
        super().__init__(" ".join(message.split()))


class ConnectError(PgdiagError):
    """The server could not be reached or refused the session."""


class ConfigError(PgdiagError):
    """pgdiag.toml or a command-line value is invalid."""


class OutputError(PgdiagError):
    """A report could not be written where the user asked."""
