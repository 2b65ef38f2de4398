"""Parse SQL with pglast without letting a hostile text crash the process.

pglast turns libpg_query's tree into Python objects with C recursion: a left-deep operator chain
(``SELECT 1 + 1 + …``) of about 22,000 terms overflows an 8 MB C stack and kills the process with
SIGSEGV, and a smaller stack (threads, containers with a low ``ulimit -s``) fails sooner. So every parse
of a text that did not come from pgdiag itself goes through `parse_sql` here: a text longer than
`MAX_CHARS`, or nested deeper than `MAX_DEPTH` by a scan of its tokens, is refused with `TooComplex` (a
`ParseError`, so callers that skip unparsable texts skip it too); anything longer than `DIRECT_CHARS` is
parsed in a worker thread with a known `WORKER_STACK` of C stack. Figures in docs/security.md.
"""

from __future__ import annotations

import threading

import pglast
from pglast.parser import ParseError, scan

MAX_CHARS = 5_000_000
# PostgreSQL itself, at its default max_stack_depth of 2 MB, rejects operator chains past about 5,000 terms
# (measured on 15): anything it runs, pgdiag parses.
MAX_DEPTH = 10_000
# A nesting level costs at least two characters ("1+"), so a text this short is at most 1,000 deep and safe
# on any thread's stack.
DIRECT_CHARS = 2_000
WORKER_STACK = 64 * 1024 * 1024  # 64 MB: a 100,000-term chain still parses in it (measured)
# Tokens that separate operands without nesting them: commas, semicolons, AND/OR lists (flattened into
# one node) and reserved clause keywords (FROM, WHEN, THEN…) — except the reserved words that are operators.
_CHAIN_BREAKS = {"ASCII_44", "ASCII_59", "AND", "OR"}
_OPERATOR_WORDS = {"COLLATE", "IN_P", "NOT", "IS", "ISNULL", "NOTNULL", "LIKE", "ILIKE", "SIMILAR", "BETWEEN"}
_OPERANDS = {"IDENT", "UIDENT", "SCONST", "USCONST", "ICONST", "FCONST", "BCONST", "XCONST", "PARAM",
             "SQL_COMMENT", "C_COMMENT"}
_STACK_SIZE_LOCK = threading.Lock()
_OPEN = {"ASCII_40", "ASCII_91"}
_CLOSE = {"ASCII_41", "ASCII_93"}


class TooComplex(ParseError):
    """A statement pgdiag refuses to parse: longer than `MAX_CHARS` or nested deeper than `MAX_DEPTH`."""


def parse_sql(text: str) -> tuple:
    """pglast's ``parse_sql`` of `text`, refused with `TooComplex` when the text could crash the parser.

    >>> len(parse_sql("SELECT 1; SELECT 2"))
    2
    >>> parse_sql("SELECT " + " + ".join(["1"] * 20000))
    Traceback (most recent call last):
    ...
    pgdiag.core.parse_guard.TooComplex: statement nested too deeply to parse safely (depth over 10000), at index 0
    """
    if "\x00" in text:
        raise ParseError("statement contains a NUL byte", text.index("\x00"))
    if len(text) <= DIRECT_CHARS:
        return pglast.parse_sql(text)
    check_size(text)
    return _in_worker(text)


def check_size(text: str) -> None:
    """Raise `TooComplex` when `text` is longer than `MAX_CHARS` or its tokens nest deeper than `MAX_DEPTH`."""
    if len(text) > MAX_CHARS:
        raise TooComplex(f"statement too long to parse safely ({len(text):,} characters, "
                         f"limit {MAX_CHARS:,})", 0)
    # Each level the estimate counts is a token of at least one character, so a text of at most MAX_DEPTH
    # characters cannot be estimated deeper: it is not scanned (most migration files over DIRECT_CHARS).
    if len(text) > MAX_DEPTH and nesting_depth(text) > MAX_DEPTH:
        raise TooComplex(f"statement nested too deeply to parse safely (depth over {MAX_DEPTH})", 0)


def nesting_depth(text: str) -> int:
    """An upper estimate of how deep the parse tree of `text` nests, read from its tokens alone.

    Each open bracket is a level, and each operator, cast or non-reserved keyword since the last comma, AND,
    OR or reserved clause keyword at the same bracket level is one more (``1 + 1 + 1`` is a left-deep tree
    two operators deep). Generous on purpose: a false alarm costs one statement's analysis, a miss a crash.
    A text the scanner rejects is 0: the parser rejects it too, before building anything.

    >>> nesting_depth("SELECT a + b * c, f((x)) FROM t WHERE a = 1 OR a = 2")
    2
    """
    try:
        tokens = scan(text)
    except ParseError:
        return 0
    chains = [0]
    total = deepest = 0
    for token in tokens:
        if token.name in _OPEN:
            chains.append(0)
        elif token.name in _CLOSE:
            if len(chains) > 1:
                total -= chains.pop()
        elif token.name in _CHAIN_BREAKS or (token.kind == "RESERVED_KEYWORD" and token.name not in _OPERATOR_WORDS):
            total -= chains[-1]
            chains[-1] = 0
        elif token.name not in _OPERANDS:
            chains[-1] += 1
            total += 1
        deepest = max(deepest, len(chains) - 1 + total)
    return deepest


def _in_worker(text: str) -> tuple:
    """Parse `text` in a thread with `WORKER_STACK` bytes of stack, whatever the caller's stack is."""
    outcome: list = []

    def work() -> None:
        try:
            outcome.append(pglast.parse_sql(text))
        except BaseException as exc:  # handed back to the caller's thread below
            outcome.append(exc)

    with _STACK_SIZE_LOCK:  # the stack size is process-wide: threads of scan --all must not interleave here
        previous = threading.stack_size(WORKER_STACK)
        try:
            worker = threading.Thread(target=work, name="pgdiag-parse")
            worker.start()
        finally:
            threading.stack_size(previous)
    worker.join()
    if isinstance(outcome[0], BaseException):
        raise outcome[0]
    return outcome[0]
