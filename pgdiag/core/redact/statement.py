"""Passwords written inside SQL statement texts, replaced by ``***`` before pgdiag keeps or shows a text.

pg_stat_statements replaces the constants of SELECT, INSERT, UPDATE, DELETE and MERGE with ``$n`` but keeps
utility statements as written: ``ALTER ROLE app PASSWORD 'secret'``, ``CREATE USER MAPPING … OPTIONS
(password 'secret')``, ``CREATE SUBSCRIPTION … CONNECTION 'host=… password=secret'``, ``DO`` blocks that
``EXECUTE`` such statements, ``format('… PASSWORD %L', …)``.

Where the text parses, the parse tree says which string constants are secrets (the argument of every option
named like a password, ``format`` arguments after ``PASSWORD`` in the format string); every string literal
of the text is then decoded, hidden whole when its value is a secret, and otherwise redacted recursively
(a literal may hold a statement, a DO or function body, or a connection string). Where it does not parse,
the rest of each statement after the keyword ``PASSWORD`` is hidden; where it does not even scan (an
unterminated quote), everything after the first ``password``. The literal right after a ``PASSWORD``
keyword or a password-like option name is hidden in every case.
"""

from __future__ import annotations

import re

import pglast
from pglast import ast
from pglast.parser import ParseError, scan

from pgdiag.core.parse_guard import parse_sql
from pgdiag.core.redact.text import KEYWORD_PASSWORD, QUERY_PASSWORD, SECRET_KEY, URL_PASSWORD, redact

HIDDEN = "***"
_MAYBE = re.compile(r"password|secret|scram_|://", re.IGNORECASE)
_SECRET_NAME = re.compile(SECRET_KEY, re.IGNORECASE)
_LITERALS = {"SCONST", "USCONST"}
_COMMENTS = {"SQL_COMMENT", "C_COMMENT"}
_SEMICOLON = "ASCII_59"
# format() specifiers: %s %I %L %%, with an optional position (%2$L) and width (%-10s, %*s, %*3$s).
_FORMAT_SPEC = re.compile(r"%(?:(\d+)\$)?(?:-?(?:\d+|\*(?:\d+\$)?))?([sIL%])")
_PASSWORD_WORD = re.compile(r"password", re.IGNORECASE)
# Literals inside literals inside literals… beyond this, the crude redaction takes over.
_MAX_LEVELS = 8


def redact_statement(text: str) -> str:
    r"""`text` with every password in it replaced by ``***``.

    >>> redact_statement("ALTER ROLE app WITH LOGIN PASSWORD 'it''s secret' VALID UNTIL 'infinity'")
    "ALTER ROLE app WITH LOGIN PASSWORD '***' VALID UNTIL 'infinity'"
    >>> redact_statement("CREATE SUBSCRIPTION s CONNECTION 'host=db password=hunter2 dbname=app' PUBLICATION p")
    "CREATE SUBSCRIPTION s CONNECTION 'host=db password=*** dbname=app' PUBLICATION p"
    >>> print(redact_statement("DO $$ BEGIN EXECUTE 'ALTER ROLE x PASSWORD ''abc'''; END $$"))
    DO $$ BEGIN EXECUTE 'ALTER ROLE x PASSWORD ''***'''; END $$
    >>> redact_statement("SELECT format('ALTER ROLE %I PASSWORD %L', 'x', 'abc')")
    "SELECT format('ALTER ROLE %I PASSWORD %L', 'x', '***')"
    >>> redact_statement("ALTER ROLE x PASSWORD 'abc' garbage")
    'ALTER ROLE x PASSWORD ***'
    >>> redact_statement("ALTER ROLE x PASSWORD 'abc")
    'ALTER ROLE x PASSWORD ***'
    """
    if not _MAYBE.search(text):
        return text
    try:
        return _redact_sql(text, 0)
    except Exception:  # a redactor that fails must fail closed, not lose the scan or show the text
        return _crude(text)


def redact_value(value: str, level: int = 0) -> str:
    """A string constant's `value` with its passwords hidden: as a statement when it parses as one (or is
    no connection string), else as a connection string (``password=``, ``?password=``, ``user:pw@``).

    >>> redact_value("host=h password=bs\\\\ abc dbname=x")
    'host=h password=*** dbname=x'
    """
    if not _MAYBE.search(value):
        return value
    if level > _MAX_LEVELS or "\x00" in value:
        return _crude(value)
    try:
        tree = parse_sql(value)
    except ParseError:
        tree = None
    if tree is None and _is_conninfo(value):
        return redact(value, ())
    return _redact_sql(value, level, tree)


def _redact_sql(text: str, level: int, tree: tuple | None = None) -> str:
    """Redact the statement(s) `text`, parsed as `tree` when given (else parsed here)."""
    if "\x00" in text:
        return _crude(text)
    try:
        tokens = scan(text)
    except ParseError:
        return _crude(text)
    if tree is None:
        try:
            tree = parse_sql(text)
        except ParseError:
            tree = None
    secrets = _tree_secrets(tree) if tree is not None else set()
    edits: list[tuple[int, int, str]] = []
    previous = None  # the last token that is not a comment
    hide_until_end = False  # a format string with PASSWORD was seen in an unparsed statement
    index = 0
    while index < len(tokens):
        token = tokens[index]
        start, end = token.start, token.end + 1
        raw = text[start:end]
        if token.name == _SEMICOLON:
            hide_until_end = False
        if tree is None and token.name == "PASSWORD" and not _placeholder_follows(tokens, index):
            stop = next((t for t in tokens[index + 1:] if t.name == _SEMICOLON), None)
            edits.append((end, stop.start if stop else len(text), " " + HIDDEN))
            index = tokens.index(stop) if stop else len(tokens)
            previous = token
            continue
        if token.name in _LITERALS:
            value = _decode(raw)
            if value in secrets or _names_secret(previous) or hide_until_end or (
                    value is None and _MAYBE.search(raw)):
                edits.append((start, end, f"'{HIDDEN}'"))
            elif value is not None:
                hidden = redact_value(value, level + 1)
                if hidden != value:
                    edits.append((start, end, _quote(hidden, raw)))
                if tree is None and _is_password_format(value):
                    hide_until_end = True
        elif token.name in _COMMENTS:
            inner = slice(2, -2) if token.name == "C_COMMENT" else slice(2, None)
            body = raw[inner]
            if _MAYBE.search(body):
                edits.append((start + 2, start + 2 + len(body), redact(body, ())))
        if token.name not in _COMMENTS:
            previous = token if token.name != "IDENT" else _Ident(raw)
        index += 1
    for start, end, replacement in sorted(edits, reverse=True):
        text = text[:start] + replacement + text[end:]
    return text


def _placeholder_follows(tokens: tuple, index: int) -> bool:
    """Whether the PASSWORD at `index` is followed by a format specifier (``PASSWORD %L``): a template, whose
    secret is in format's arguments."""
    return index + 1 < len(tokens) and tokens[index + 1].name == "ASCII_37"


class _Ident:
    """An identifier token, kept with its text so that a password-like option name can be recognised."""

    name = "IDENT"

    def __init__(self, raw: str) -> None:
        self.text = raw.strip('"').replace('""', '"')


def _names_secret(token: object) -> bool:
    """Whether `token` (the one before a literal) makes that literal a password: the keyword PASSWORD or an
    option name such as ``"password"``, ``sslpassword``, ``oauth_client_secret``."""
    if token is None:
        return False
    if isinstance(token, _Ident):
        return bool(_SECRET_NAME.fullmatch(token.text))
    return getattr(token, "name", "") == "PASSWORD"


def _tree_secrets(tree: tuple) -> set[str]:
    """The values of the string constants in password positions of the parse tree `tree`."""
    secrets: set[str] = set()
    stack: list = list(tree)
    while stack:
        node = stack.pop()
        if isinstance(node, tuple):
            stack.extend(node)
            continue
        if not isinstance(node, ast.Node):
            continue
        if isinstance(node, ast.DefElem) and node.defname and _SECRET_NAME.fullmatch(node.defname):
            secrets |= _strings(node.arg)
        elif isinstance(node, ast.FuncCall) and node.funcname and node.args:
            name = node.funcname[-1]
            if isinstance(name, ast.String) and name.sval == "format":
                secrets |= _format_secrets(node.args)
        stack.extend(getattr(node, attr) for attr in node.__slots__ if attr != "location")
    return secrets


def _format_secrets(args: tuple) -> set[str]:
    """The string constants among ``format()`` arguments that fill a specifier after PASSWORD."""
    template = args[0]
    if not (isinstance(template, ast.A_Const) and isinstance(template.val, ast.String)):
        return set()
    text = template.val.sval
    word = _PASSWORD_WORD.search(text)
    if word is None:
        return set()
    before = [m for m in _FORMAT_SPEC.finditer(text, 0, word.start()) if m.group(2) != "%"]
    positional = any(m.group(1) or "*" in m.group(0) for m in _FORMAT_SPEC.finditer(text))
    first = 1 if positional else 1 + len(before)
    return set().union(*(_strings(arg) for arg in args[first:]))


def _strings(node: object) -> set[str]:
    """Every string value under `node`."""
    found: set[str] = set()
    stack = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, tuple):
            stack.extend(item)
        elif isinstance(item, ast.String):
            found.add(item.sval)
        elif isinstance(item, ast.Node):
            stack.extend(getattr(item, attr) for attr in item.__slots__)
    return found


def _is_password_format(value: str) -> bool:
    """Whether `value` is a format string that puts an argument after the word PASSWORD."""
    word = _PASSWORD_WORD.search(value)
    return word is not None and any(m.group(2) != "%" for m in _FORMAT_SPEC.finditer(value, word.end()))


def _is_conninfo(value: str) -> bool:
    """Whether `value` holds a password in a connection-string shape."""
    return any(pattern.search(value) for pattern in (KEYWORD_PASSWORD, QUERY_PASSWORD, URL_PASSWORD))


def _decode(raw: str) -> str | None:
    """The value of the string literal token `raw` (quotes, escapes and continuations resolved), or None."""
    try:
        (statement,) = pglast.parse_sql("SELECT " + raw)
        constant = statement.stmt.targetList[0].val
    except (ParseError, ValueError, AttributeError, IndexError):
        return None
    if isinstance(constant, ast.A_Const) and isinstance(constant.val, ast.String):
        return constant.val.sval
    return None


def _quote(value: str, raw: str) -> str:
    """`value` as a literal, dollar-quoted with `raw`'s tag when `raw` was dollar-quoted and the tag still fits."""
    if raw.startswith("$"):
        tag = raw[:raw.index("$", 1) + 1]
        if tag not in value:
            return f"{tag}{value}{tag}"
    return "'" + value.replace("'", "''") + "'"


def _crude(text: str) -> str:
    """Text that does not even scan: connection-string shapes redacted, then everything after the first
    ``password``."""
    text = redact(text, ())
    word = _PASSWORD_WORD.search(text)
    return text[:word.end()] + " " + HIDDEN if word else text
