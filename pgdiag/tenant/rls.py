"""Row-level security as the tenant checks see it: which tables a policy pins to one tenant, for which
commands, and whether the roles that run a statement are subject to it.

A policy pins a table to one tenant when its USING expression, read with the statement model,
has a top-level ``=``/``IN``/``= ANY`` condition on the tenant column (compared with anything:
``current_setting('app.org')::int`` is the usual value). RLS protects a command when a restrictive
policy for it pins the tenant, or when every permissive policy for it does (permissive policies are
OR-ed, so one open policy opens the table). The table's owner bypasses RLS unless FORCE ROW LEVEL
SECURITY is set (superusers and BYPASSRLS roles always do; pgdiag cannot see those attributes).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from pgdiag.core.lazy import pandas as pd
from pgdiag.core.snapshot import Snapshot
from pgdiag.core.sqltext import qualified
from pgdiag.sql import analyze
from pgdiag.sql.model import Role
from pgdiag.tenant.model import TableName

# The policy commands (pg_policy.polcmd) a reference's role needs, each of which must be protected.
COMMANDS: dict[Role, tuple[str, ...]] = {"read": ("r",), "update_target": ("w",), "delete_target": ("d",),
                                         "merge_target": ("w", "d")}
ALL_COMMANDS = "*"
PINS = ("eq", "in", "any")


@dataclass(frozen=True)
class Protection:
    """Row-level security on one table: its policies that pin the tenant column for the commands asked
    about, whether it is forced on the owner, and who the owner is."""

    table: TableName
    policies: tuple[str, ...]
    forced: bool
    owner: str

    def bypassed_by(self, roles: frozenset[str]) -> bool:
        """Whether one of `roles` owns the table while RLS is not forced, so the policies do not apply to it."""
        return not self.forced and self.owner in roles


def protection(snapshot: Snapshot, table: TableName, column: str, roles: tuple[Role, ...]) -> Protection | None:
    """The row-level security that pins `table` to one tenant for every command of `roles`; None when RLS
    is off, or a command of theirs has no policy pinning `column` (or the policies collector did not run)."""
    rows = _policies_by_table(snapshot).get(table)
    if rows is None or not bool(rows["rls_enabled"].iloc[0]):
        return None
    pinning: set[str] = set()
    for command in {c for role in roles for c in COMMANDS[role]}:
        applicable = rows[rows["policy"].notna() & rows["command"].isin([command, ALL_COMMANDS])]
        entries = [(str(r.policy), bool(r.permissive), _pins(table, r.using_expr, column))
                   for r in applicable.itertuples()]
        restrictive = [name for name, permissive, pins in entries if not permissive and pins]
        permissive = [(name, pins) for name, is_permissive, pins in entries if is_permissive]
        if restrictive:
            pinning.update(restrictive)
        elif permissive and all(pins for _, pins in permissive):
            pinning.update(name for name, _ in permissive)
        else:
            return None
    first = rows.iloc[0]
    return Protection(table, tuple(sorted(pinning)), bool(first["rls_forced"]), str(first["owner"]))


def statement_roles(snapshot: Snapshot) -> dict[str, frozenset[str]]:
    """The roles that ran each statement of the connected database, by queryid."""
    frame = snapshot.frame("statements")
    if frame.empty:
        return {}
    mine = frame.loc[frame["database"] == snapshot.target.get("database"), ["queryid", "username"]].dropna()
    roles: dict[str, set[str]] = {}
    for queryid, user in zip(mine["queryid"], mine["username"]):  # plain columns: a groupby per queryid is slow
        roles.setdefault(str(queryid), set()).add(str(user))
    return {queryid: frozenset(users) for queryid, users in roles.items()}


def _policies_by_table(snapshot: Snapshot) -> dict[TableName, pd.DataFrame]:
    """The ``policies`` frame's rows by table, split once per snapshot (a filter of the whole frame per
    statement grew with statements × policies); empty when the collector did not run."""
    return snapshot.derived("policies_by_table", _split_policies)


def _split_policies(snapshot: Snapshot) -> dict[TableName, pd.DataFrame]:
    frame = snapshot.frame("policies") if snapshot.ok("policies") else pd.DataFrame()
    if frame.empty:
        return {}
    return {(str(schema), str(table)): rows for (schema, table), rows in frame.groupby(["schema", "table"], sort=False)}


@lru_cache(maxsize=1024)
def _pins(table: TableName, expression: object, column: str) -> bool:
    """Whether a policy's USING expression restricts `column` by equality at its top level."""
    if not isinstance(expression, str) or not expression:
        return False
    analysis = analyze(f"SELECT 1 FROM {qualified(*table)} WHERE {expression}", (table[0] or "public",))
    if analysis.statement is None:
        return False
    return any(p.column == column and p.op in PINS and p.top_level and p.ref == 0
               for p in analysis.statement.top.predicates)
