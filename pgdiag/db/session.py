"""Open the only kind of session pgdiag uses: read-only, time-boxed and named.

Every setting travels in the startup packet (libpq ``options``), so nothing pgdiag sets
shows up as a statement in the target's ``pg_stat_statements``.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass

import psycopg
from psycopg.conninfo import conninfo_to_dict

from pgdiag.db.dsn import Target, as_url_error

APPLICATION_NAME = "pgdiag"

# psycopg logs a warning of its own when a pipeline ends after an error it has already raised (the what-if
# planner's PREPARE refused on a table pgdiag may not read): the error reaches pgdiag, which reports it, so the
# library's copy is only noise on the user's stderr. A handler on its logger keeps Python's last-resort handler
# from printing it; an application that configures logging still receives it.
logging.getLogger("psycopg").addHandler(logging.NullHandler())


@dataclass(frozen=True)
class SessionLimits:
    """Timeouts applied to every pgdiag session (DESIGN §2 defaults)."""

    statement_timeout_ms: int = 30_000
    lock_timeout_ms: int = 1_000
    connect_timeout_s: int = 10


def startup_options(target: Target, limits: SessionLimits, *, read_only: bool = True,
                    extra_settings: dict[str, str] | None = None) -> str:
    """The libpq ``options`` string: the user's own options, then Prisma's schema, then pgdiag's settings.

    The server applies ``-c`` settings in order and the last one wins, so pgdiag's safety settings come
    last: nothing in the user's ``options`` or URL can loosen them. ``application_name`` is not among
    them: it travels as its own startup parameter, which the server applies after ``options``.
    """
    settings = [
        *([("search_path", _schema_identifier(target.search_path))] if target.search_path else []),
        *(extra_settings or {}).items(),
        # The server then splits and lexes statements as pglast does (a database may default to 'off').
        ("standard_conforming_strings", "on"),
        ("statement_timeout", str(limits.statement_timeout_ms)),
        ("lock_timeout", str(limits.lock_timeout_ms)),
        ("default_transaction_read_only", "on" if read_only else "off"),
    ]
    user_options = conninfo_to_dict(target.conninfo).get("options") or ""
    ours = " ".join(f"-c {name}={_escape(value)}" for name, value in settings)
    return f"{user_options} {ours}".strip()


def connect(target: Target, limits: SessionLimits | None = None, *, read_only: bool = True,
            extra_settings: dict[str, str] | None = None) -> psycopg.Connection:
    """Connect to `target` in autocommit mode with pgdiag's safety settings.

    Autocommit keeps collectors independent: a failing catalog query aborts only itself. The session
    talks UTF-8 whatever the database's encoding, and lexes strings as pglast does.
    Connection failures become a one-line `ConnectError` with the password redacted.
    """
    limits = limits or SessionLimits()
    try:
        return psycopg.connect(
            target.conninfo,
            autocommit=True,
            application_name=APPLICATION_NAME,
            client_encoding="UTF8",  # names and texts arrive as str (and JSON decodes) in LATIN1 or SQL_ASCII too
            connect_timeout=limits.connect_timeout_s,
            options=startup_options(target, limits, read_only=read_only, extra_settings=extra_settings),
        )
    except psycopg.Error as exc:
        raise as_url_error(target, connect_failure_reason(exc)) from None


def connect_failure_reason(exc: BaseException) -> str:
    """The server's or libpq's reason for refusing a connection, on one line."""
    text = str(exc).strip()
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    if not lines:
        return type(exc).__name__
    first = lines[0]
    for prefix in ("connection failed:",):
        if first.startswith(prefix):
            first = first[len(prefix):].strip()
    if " failed: " in first:
        first = first.split(" failed: ", 1)[1]
    first = first.removeprefix("FATAL:").strip()
    hint = next((line for line in lines[1:] if line.startswith(("Is the server", "HINT"))), "")
    return f"{first} ({hint.rstrip('?')}?)" if hint.startswith("Is the server") else first


def _escape(value: str) -> str:
    """Escape a setting value for the ``options`` startup parameter: the server splits it at any
    whitespace (tab and newline too) and reads ``\\x`` as ``x``, so every whitespace character and
    backslash gets a backslash; unescaped, a value could smuggle in ``-c`` settings of its own."""
    return re.sub(r"[\s\\]", lambda match: "\\" + match.group(), value)


def _schema_identifier(schema: str) -> str:
    """Prisma's ``schema`` as one ``search_path`` entry: quoted unless it is a plain lower-case name, so
    that, as for Prisma, it names exactly that schema (capitals kept, a comma not a list separator)."""
    return schema if re.fullmatch(r"[a-z_][a-z0-9_$]*", schema) else '"' + schema.replace('"', '""') + '"'
