"""Find the connection string the user meant, make it acceptable to libpq, and keep its secrets out of output.

Sources in order: ``-d/--dsn``, ``PGDIAG_DSN``, ``DATABASE_URL`` (Prisma's ``?schema=`` honoured
as ``search_path``), then libpq's own ``PG*`` variables and ``.pgpass``.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field, replace
from urllib.parse import unquote, unquote_plus

from pgdiag.core.errors import ConnectError
from pgdiag.core.lazy import psycopg
from pgdiag.core.redact import KEYWORD_PASSWORD, QUERY_PASSWORD, SECRET_KEY, URL_PASSWORD, redact

# URL parameters Prisma understands but libpq rejects.
_PRISMA_ONLY_PARAMS = {
    "schema", "connection_limit", "pool_timeout", "pgbouncer", "statement_cache_size",
    "socket_timeout", "sslaccept", "sslidentity",
}
_URL_SCHEMES = ("postgres://", "postgresql://")
UNPARSABLE = "the connection string could not be parsed"
# The same at the start of a whole connection string, where libpq also reads spaces into the user name
# and password (and then echoes them in its error).
_WHOLE_URL_PASSWORD = re.compile(r"\s*[A-Za-z][A-Za-z0-9+.\-]*:/+[^:/@]*:(.*)@")
# libpq's URL credentials end at the first ``@`` seen before any ``/``.
_URL_CREDENTIALS = re.compile(r"[^@/]*@")


@dataclass(frozen=True)
class Target:
    """A database to diagnose: the libpq string to connect with and how to name it safely."""

    conninfo: str
    search_path: str | None = None
    secrets: tuple[str, ...] = field(default=(), repr=False)
    defaulted: bool = False
    """True when no connection string was given (no -d, PGDIAG_DSN or DATABASE_URL): libpq's PG* variables and
    defaults chose the server, so a failure to connect says where a connection string can be given."""

    @property
    def display(self) -> str:
        """The target as a URL without its password, fit for any output."""
        return display_name(self.conninfo, redacted=bool(self.secrets), secrets=self.secrets)

    def redact(self, text: str) -> str:
        """`text` with every secret of this target replaced by ``***``."""
        return redact(text, self.secrets)


def resolve(dsn: str | None, environ: dict[str, str] | None = None) -> Target:
    """Build the `Target` from the flag value or, failing that, the environment."""
    env = os.environ if environ is None else environ
    raw = dsn or env.get("PGDIAG_DSN") or env.get("DATABASE_URL") or ""
    if raw.strip():
        return parse(raw)
    return replace(parse(""), defaulted=True)


def parse(raw: str) -> Target:
    """Turn a URL or ``key=value`` string into a `Target`; a malformed one is a one-line error.

    The error never quotes the string: libpq's complaint does (``missing "=" after "postgres:PW@db"``), and
    a string libpq cannot read has no known place for its password. It names the string's parts as parsed
    (scheme, host, port, database, user) or says the string could not be parsed."""
    secrets = _secrets_in(raw)
    search_path = None
    conninfo = raw.strip()
    if conninfo.startswith(_URL_SCHEMES):
        conninfo, search_path = _strip_prisma_params(conninfo)
    try:
        params = psycopg.conninfo.conninfo_to_dict(conninfo)
    except Exception:  # psycopg raises ProgrammingError for any malformed string
        raise ConnectError(f"invalid connection string: {UNPARSABLE}") from None
    secrets = _longest_first([*secrets, *_secrets_in_names(params), *(
        value for key, value in params.items() if re.fullmatch(SECRET_KEY, key))])
    ports = str(params.get("port") or "")
    if ports and not all(p.strip().isdigit() for p in ports.split(",")):
        raise ConnectError(f"invalid connection string: the port is not a number "
                           f"({display_name(conninfo, port=False, secrets=secrets)})")
    return Target(conninfo=conninfo, search_path=search_path, secrets=secrets)


def _secrets_in_names(params: dict[str, str]) -> list[str]:
    """Passwords written where a name goes: ``user=app:PW`` (a URL habit in a keyword string), or URL
    credentials that landed in the host or database name. The server quotes those names in its errors."""
    found = []
    user = str(params.get("user") or "")
    if ":" in user:
        found.append(user.partition(":")[2])
    for key in ("host", "dbname"):
        value = str(params.get(key) or "")
        if "@" in value:
            credentials = value.rpartition("@")[0]
            found += [credentials.partition(":")[2], credentials]
    return found


def display_name(conninfo: str, *, redacted: bool = False, port: bool = True, secrets: tuple[str, ...] = ()) -> str:
    """A ``postgresql://user@host:port/db`` rendering of `conninfo` with no password (`secrets` hidden in
    the names too; without the port when `port` is False)."""
    try:
        params = psycopg.conninfo.conninfo_to_dict(conninfo)
    except Exception:
        return UNPARSABLE
    if not port:
        params.pop("port", None)
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
    name = redact(f"postgresql://{netloc}/{dbname}{query}", secrets)
    return f"{name} (password redacted)" if redacted else name


def _strip_prisma_params(url: str) -> tuple[str, str | None]:
    """Remove URL parameters libpq rejects; Prisma's ``schema`` becomes the search_path.

    The parameters kept are passed on byte for byte: decoding and re-encoding them would change what
    libpq reads (``%20`` is a space to libpq, ``+`` is not). ``schema`` is decoded as Prisma decodes it.
    The query starts at the first ``?`` after the credentials, where libpq starts it.
    """
    authority = url.index("//") + 2
    credentials = _URL_CREDENTIALS.match(url, authority)
    start = url.find("?", credentials.end() if credentials else authority)
    if start < 0:
        return url, None
    kept, schema = [], None
    for pair in url[start + 1:].split("&"):
        if not pair:  # "a=1&&b=2": libpq refuses the empty pair, Prisma and the old parser ignored it
            continue
        key, _, value = pair.partition("=")
        if unquote(key) == "schema":
            schema = unquote_plus(value) or None
        elif unquote(key) not in _PRISMA_ONLY_PARAMS:
            kept.append(pair)
    return url[:start] + ("?" + "&".join(kept) if kept else ""), schema


def _secrets_in(raw: str) -> tuple[str, ...]:
    """Passwords written in `raw`, whether libpq can parse it or not: URL credentials of any scheme,
    ``?password=`` parameters and ``password=`` keywords, each as written and as decoded."""
    found: list[str] = []
    whole = _WHOLE_URL_PASSWORD.match(raw)
    for written in [*(m.group(2) for m in URL_PASSWORD.finditer(raw)), *([whole.group(1)] if whole else [])]:
        # A raw '/' or '@' makes libpq split the password and echo the pieces as a port or a host.
        for piece in (written, re.split("[@/]", written, maxsplit=1)[0], written.partition("@")[2]):
            found += [piece, unquote(piece)]
    for match in QUERY_PASSWORD.finditer(raw):
        found += [match.group(2), unquote(match.group(2))]
    for match in KEYWORD_PASSWORD.finditer(raw):
        value = match.group(2)
        if value.startswith("'"):
            value = value[1:-1] if len(value) > 1 and value.endswith("'") else value[1:]
        found += [value, re.sub(r"\\([\s\S])", r"\1", value)]
    found.append(os.environ.get("PGPASSWORD", ""))
    return _longest_first(found)


def _longest_first(secrets: list[str]) -> tuple[str, ...]:
    """The distinct non-empty `secrets`, longest first, so a secret that contains another is redacted whole."""
    return tuple(sorted({s for s in secrets if s}, key=len, reverse=True))


def as_url_error(target: Target, reason: str) -> ConnectError:
    """A `ConnectError` naming the redacted target and the server's reason, and, when no connection string was
    given, every place one can be."""
    hint = (" (no connection string given: pass -d/--dsn URL, or set PGDIAG_DSN or DATABASE_URL; without them "
            "libpq's PGHOST, PGPORT, PGUSER, PGDATABASE and defaults are used)") if target.defaulted else ""
    return ConnectError(f"cannot connect to {target.display}: {target.redact(reason)}{hint}")
