"""Find the connection string the user meant, make it acceptable to libpq, and keep its secrets out of output.

Sources in order: ``-d/--dsn``, ``PGDIAG_DSN``, ``DATABASE_URL`` (Prisma's ``?schema=`` honoured
as ``search_path``), then libpq's own ``PG*`` variables and ``.pgpass``.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, unquote, urlencode, urlsplit, urlunsplit

from psycopg.conninfo import conninfo_to_dict

from pgdiag.errors import ConnectError

# URL parameters Prisma understands but libpq rejects.
_PRISMA_ONLY_PARAMS = {
    "schema", "connection_limit", "pool_timeout", "pgbouncer", "statement_cache_size",
    "socket_timeout", "sslaccept", "sslidentity",
}
_KEYWORD_PASSWORD = re.compile(r"password\s*=\s*('(?:[^'\\]|\\.)*'|\S+)", re.IGNORECASE)
_URL_SCHEMES = ("postgres://", "postgresql://")


@dataclass(frozen=True)
class Target:
    """A database to diagnose: the libpq string to connect with and how to name it safely."""

    conninfo: str
    search_path: str | None = None
    secrets: tuple[str, ...] = field(default=(), repr=False)

    @property
    def display(self) -> str:
        """The target as a URL without its password, fit for any output."""
        return display_name(self.conninfo, redacted=bool(self.secrets))

    def redact(self, text: str) -> str:
        """`text` with every secret of this target replaced by ``***``."""
        return redact(text, self.secrets)


def redact(text: str, secrets: tuple[str, ...]) -> str:
    """Replace each secret in `text` (and any ``password=…`` keyword) by ``***``."""
    for secret in sorted(secrets, key=len, reverse=True):
        if secret:
            text = text.replace(secret, "***")
    text = _KEYWORD_PASSWORD.sub("password=***", text)
    return re.sub(r"(postgres(?:ql)?://[^:/@\s]*:)[^@\s]*@", r"\1***@", text)


def resolve(dsn: str | None, environ: dict[str, str] | None = None) -> Target:
    """Build the `Target` from the flag value or, failing that, the environment."""
    env = os.environ if environ is None else environ
    raw = dsn or env.get("PGDIAG_DSN") or env.get("DATABASE_URL") or ""
    return parse(raw)


def parse(raw: str) -> Target:
    """Turn a URL or ``key=value`` string into a `Target`; a malformed one is a one-line error."""
    secrets = _secrets_in(raw)
    search_path = None
    conninfo = raw.strip()
    if conninfo.startswith(_URL_SCHEMES):
        conninfo, search_path = _strip_prisma_params(conninfo)
    try:
        params = conninfo_to_dict(conninfo)
    except Exception as exc:  # psycopg raises ProgrammingError for any malformed string
        reason = redact(str(exc).strip().splitlines()[0] if str(exc).strip() else "malformed", secrets)
        raise ConnectError(f"invalid connection string: {reason}") from None
    ports = str(params.get("port") or "")
    if ports and not all(p.strip().isdigit() for p in ports.split(",")):
        raise ConnectError(f"invalid connection string: port {redact(ports, secrets)!r} is not a number")
    return Target(conninfo=conninfo, search_path=search_path, secrets=secrets)


def display_name(conninfo: str, *, redacted: bool = False) -> str:
    """A ``postgresql://user@host:port/db`` rendering of `conninfo` with no password."""
    try:
        params = conninfo_to_dict(conninfo)
    except Exception:
        return "<invalid connection string>"
    env = os.environ
    user = params.get("user") or env.get("PGUSER") or ""
    host = params.get("host") or env.get("PGHOST") or ""
    port = params.get("port") or env.get("PGPORT") or ""
    dbname = params.get("dbname") or env.get("PGDATABASE") or user
    netloc = f"{user}@" if user else ""
    query = ""
    if host.startswith("/"):
        query = f"?host={host}"
        host = ""
    netloc += host + (f":{port}" if port and host else "")
    if port and not host:
        query += ("&" if query else "?") + f"port={port}"
    name = f"postgresql://{netloc}/{dbname}{query}"
    return f"{name} (password redacted)" if redacted else name


def _strip_prisma_params(url: str) -> tuple[str, str | None]:
    """Remove URL parameters libpq rejects; Prisma's ``schema`` becomes the search_path."""
    parts = urlsplit(url)
    kept, schema = [], None
    for key, value in parse_qsl(parts.query, keep_blank_values=True):
        if key == "schema":
            schema = value or None
        elif key not in _PRISMA_ONLY_PARAMS:
            kept.append((key, value))
    return urlunsplit(parts._replace(query=urlencode(kept))), schema


def _secrets_in(raw: str) -> tuple[str, ...]:
    """Passwords written in `raw`, in both their encoded and decoded forms."""
    found: list[str] = []
    if raw.strip().startswith(_URL_SCHEMES):
        netloc = urlsplit(raw.strip()).netloc
        userinfo = netloc.rpartition("@")[0]
        if ":" in userinfo:
            encoded = userinfo.split(":", 1)[1]
            found += [encoded, unquote(encoded)]
        for key, value in parse_qsl(urlsplit(raw.strip()).query):
            if key == "password":
                found.append(value)
    for match in _KEYWORD_PASSWORD.finditer(raw):
        found.append(match.group(1).strip("'"))
    if os.environ.get("PGPASSWORD"):
        found.append(os.environ["PGPASSWORD"])
    return tuple(sorted({s for s in found if s}, key=len, reverse=True))


def as_url_error(target: Target, reason: str) -> ConnectError:
    """A `ConnectError` naming the redacted target and the server's reason."""
    return ConnectError(f"cannot connect to {target.display}: {target.redact(reason)}")
