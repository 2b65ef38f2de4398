"""Decide, before anything runs, whether pgdiag may run the statement (EXPLAIN ANALYZE), only plan it, or
neither, without ``--allow-writes``: from the functions it can reach (`pgdiag.explain.reach`) judged by the
allow-list (`pgdiag.explain.allowlist`)."""

from __future__ import annotations

from dataclasses import dataclass

import psycopg

from pgdiag.explain.allowlist import may_plan, may_run
from pgdiag.explain.reach import reach
from pgdiag.explain.run import describe
from pgdiag.explain.statement import CheckedStatement

ADVICE = "add --allow-writes to send it anyway in a transaction that is rolled back"
MAX_NAMED = 6  # functions named in a message


@dataclass(frozen=True)
class Guard:
    """Why the statement may not run (None: it may), and why it may not even be planned (None: it may)."""

    not_run: str | None = None
    not_planned: str | None = None


def judge(conn: psycopg.Connection, checked: CheckedStatement) -> Guard:
    """What pgdiag may do with `checked` on `conn` without ``--allow-writes`` (see `Guard`)."""
    if checked.tree is None:
        return Guard(not_planned=f"pgdiag cannot parse the statement ({checked.parse_error}), so it cannot tell "
                                 f"which functions even planning it would call; fix it, or {ADVICE}")
    try:
        reached = reach(conn, checked.tree)
    except psycopg.Error as exc:  # e.g. the statement timeout: not knowing counts as unsafe
        return Guard(not_planned=f"pgdiag could not check which functions the statement reaches ({describe(exc)}); "
                                 f"raise --statement-timeout, or {ADVICE}")
    if reached.unknown:
        return Guard(not_planned=f"pgdiag cannot parse {_listed(reached.unknown)}, so it cannot tell which functions "
                                 f"the statement reaches; {ADVICE}")
    unplannable = [function.describe() for function in reached.functions if not may_plan(function)]
    if unplannable:
        return Guard(not_planned=(
            f"the statement reaches {_listed(unplannable)}: a function labelled IMMUTABLE or STABLE that pgdiag "
            "does not trust (user functions never are), which the planner itself calls on constant arguments, "
            f"so pgdiag neither runs nor plans it; {ADVICE}"))
    unsafe = [function.describe() for function in reached.functions if not may_run(function)]
    if unsafe:
        return Guard(not_run=(
            f"the statement reaches {_listed(unsafe)}, not known to be free of side effects (only built-in "
            "functions on pgdiag's allow-list are): what a function does outside the transaction (end sessions, "
            "notify, take locks, write through dblink, consume a transaction id, reset statistics…) a rollback "
            "does not undo"))
    return Guard()


def _listed(items: list[str]) -> str:
    """The first few items, comma-separated, and how many more."""
    shown = ", ".join(dict.fromkeys(items[:MAX_NAMED]))
    return shown + (f" and {len(items) - MAX_NAMED} more" if len(items) > MAX_NAMED else "")
