"""column_type_rewrite: ALTER COLUMN … TYPE that rewrites a table in use under an ACCESS EXCLUSIVE lock."""

from __future__ import annotations

from typing import ClassVar, Iterable

from pglast import ast
from pglast.enums import AlterTableType

from pgdiag.core.findings import Finding, ObjectRef
from pgdiag.core.sqltext import quote_ident
from pgdiag.lint.nodes import TypeSpec, type_spec
from pgdiag.lint.rules.base import Rule, existing_table_commands
from pgdiag.lint.state import FileContext
from pgdiag.lint.statements import Statement

# Types whose length or precision modifier can grow (or go) without a rewrite; PostgreSQL's
# varchar_support, numeric_support, varbit_support and timestamp_support transforms.
_GROWABLE = {"varchar", "numeric", "varbit", "timestamp", "timestamptz"}
# Changes between different types that are binary coercible, so no rewrite and no check.
_COERCIBLE = {("varchar", "text"), ("text", "varchar"), ("cidr", "inet")}


class ColumnTypeRewrite(Rule):
    """Column type change that rewrites an existing table.

    **Problem**

    ``ALTER TABLE … ALTER COLUMN … TYPE`` (Prisma: ``SET DATA TYPE``) rewrites the table and all its
    indexes under an ACCESS EXCLUSIVE lock, unless the new type stores the same bytes and accepts every
    old value. pgdiag knows these changes to be free: ``varchar(n)`` to ``varchar(m)`` with m ≥ n, to
    unlimited ``varchar`` or to ``text``; ``text`` to unlimited ``varchar``; ``numeric(p, s)`` to
    ``numeric(q, s)`` with q ≥ p or to unlimited ``numeric``; a larger or no precision for ``varbit``,
    ``timestamp`` and ``timestamptz``; ``cidr`` to ``inet``; and the same type unchanged. Any ``USING``
    clause rewrites. The old type comes from the linted migrations (``CREATE TABLE``, ``ADD COLUMN``,
    earlier type changes); when none of them defined the column, the change is reported as a possible
    rewrite. Tables created earlier in the same migration are not reported.

    **Why it matters**

    The rewrite copies the whole table while nothing can read or write it: minutes of downtime on a
    large table, and twice its size in disk space until it ends.

    **Fix**

    For a longer text column, widen it (``VARCHAR(255)`` to ``VARCHAR(500)`` or ``TEXT``: Prisma
    ``@db.VarChar(500)`` or ``@db.Text``), which is free. For a real type change, expand and contract:
    add a column of the new type, write both from the application, backfill in batches, switch reads,
    then drop the old column in a later release.
    """

    id: ClassVar[str] = "column_type_rewrite"
    severity: ClassVar[str] = "high"
    statements: ClassVar[tuple[type[ast.Node], ...] | None] = (ast.AlterTableStmt,)

    def check(self, statement: Statement, context: FileContext) -> Iterable[Finding]:
        """One finding per type change of an existing table's column that rewrites (or may)."""
        for table, cmd in existing_table_commands(statement, context, AlterTableType.AT_AlterColumnType):
            new = type_spec(cmd.def_.typeName)
            old = context.history.column_type(table, cmd.name)
            using = cmd.def_.raw_default is not None
            if not using and old is not None and new is not None and free_change(old, new):
                continue
            if using:
                why = "its USING clause rewrites every row"
            elif old is None:
                why = "no linted migration defines the column, so the change may rewrite it"
            else:
                why = f"{_spelled(old)} to {_spelled(new)} rewrites every row" if new else "the new type rewrites it"
            yield self.finding(
                statement, context,
                title=f"Changing the type of {table.sql()}.{quote_ident(cmd.name)}: {why}",
                recommendation=("Widen instead where that is the intent (a longer varchar, text, a larger numeric "
                                "precision cost nothing); for a real type change add a new column, backfill it in "
                                "batches, switch the application to it and drop the old column in a later release."),
                obj=ObjectRef(schema=table.schema, table=table.name, columns=(cmd.name,)),
                evidence={"old_type": _spelled(old) if old else None, "new_type": _spelled(new) if new else None},
            )


def free_change(old: TypeSpec, new: TypeSpec) -> bool:
    """Whether changing a column from `old` to `new` neither rewrites nor scans the table.

    >>> free_change(TypeSpec("varchar", (100,)), TypeSpec("varchar", (255,)))
    True
    >>> free_change(TypeSpec("varchar", (255,)), TypeSpec("varchar", (100,)))
    False
    >>> free_change(TypeSpec("int4"), TypeSpec("int8"))
    False
    """
    if old.array != new.array:
        return False
    if old == new:
        return True
    if old.name == new.name and old.name in _GROWABLE:
        return _grows(old.name, old.mods, new.mods)
    return (old.name, new.name) in _COERCIBLE and (new.name != "varchar" or not new.mods)


def _grows(name: str, old: tuple[int, ...], new: tuple[int, ...]) -> bool:
    """Whether modifiers `new` accept every value of `old` without changing how it is stored."""
    if not new:
        return True
    if not old:
        return False
    if name == "numeric":
        old_scale = old[1] if len(old) > 1 else 0
        new_scale = new[1] if len(new) > 1 else 0
        return new[0] >= old[0] and new_scale == old_scale
    return new[0] >= old[0]


def _spelled(spec: TypeSpec) -> str:
    """A type as a person writes it: ``varchar(255)``, ``int4[]``."""
    mods = f"({', '.join(str(m) for m in spec.mods)})" if spec.mods else ""
    return f"{spec.name}{mods}{'[]' if spec.array else ''}"
