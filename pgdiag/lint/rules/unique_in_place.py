"""unique_in_place: UNIQUE, PRIMARY KEY or EXCLUDE constraints whose index is built under an ACCESS EXCLUSIVE lock."""

from __future__ import annotations

from typing import ClassVar, Iterable

from pglast import ast
from pglast.enums import AlterTableType, ConstrType

from pgdiag.core.findings import Finding, ObjectRef
from pgdiag.core.sqltext import column_list, index_name, quote_ident
from pgdiag.lint.nodes import TableRef, column_constraints, commands, strings
from pgdiag.lint.rules.base import Rule, altered_existing_table
from pgdiag.lint.state import FileContext
from pgdiag.lint.statements import Statement

_KINDS = {ConstrType.CONSTR_UNIQUE: ("UNIQUE", "key"), ConstrType.CONSTR_PRIMARY: ("PRIMARY KEY", "pkey"),
          ConstrType.CONSTR_EXCLUSION: ("EXCLUDE", "excl")}


class UniqueInPlace(Rule):
    """UNIQUE, PRIMARY KEY or EXCLUDE constraint added to an existing table, building its index in place.

    **Problem**

    ``ALTER TABLE … ADD CONSTRAINT … UNIQUE (…)`` (or ``PRIMARY KEY``, ``EXCLUDE``, or ``ADD COLUMN …
    UNIQUE``) builds the constraint's index while holding an ACCESS EXCLUSIVE lock on the table: no
    read or write gets through until the whole index is built. (Prisma itself writes ``@unique`` as
    ``CREATE UNIQUE INDEX``, which ``index_not_concurrent`` judges.) Constraints that use an existing
    index (``USING INDEX``) and tables created earlier in the same migration are not reported.

    **Why it matters**

    Building an index on a large table takes minutes, and for that long the table is unavailable.

    **Fix**

    Build the unique index concurrently, then attach it to a constraint, which is instant::

        CREATE UNIQUE INDEX CONCURRENTLY "User_email_key" ON "User" ("email");
        -- in a later migration:
        ALTER TABLE "User" ADD CONSTRAINT "User_email_key" UNIQUE USING INDEX "User_email_key";

    For a primary key the columns must already be NOT NULL (see ``set_not_null``), or attaching it
    scans the table. An exclusion constraint cannot use an existing index: add it in a quiet window.
    """

    id: ClassVar[str] = "unique_in_place"
    severity: ClassVar[str] = "high"
    statements: ClassVar[tuple[type[ast.Node], ...] | None] = (ast.AlterTableStmt,)

    def check(self, statement: Statement, context: FileContext) -> Iterable[Finding]:
        """One finding per constraint of an existing table whose index would be built in place."""
        altered = altered_existing_table(statement, context)
        if altered is None:
            return
        table, node = altered
        for cmd in commands(node, AlterTableType.AT_AddConstraint):
            constraint = cmd.def_
            if isinstance(constraint, ast.Constraint) and constraint.contype in _KINDS and not constraint.indexname:
                yield self._finding(statement, context, table, constraint, strings(constraint.keys))
        for cmd in commands(node, AlterTableType.AT_AddColumn):
            for constraint in column_constraints(cmd.def_):
                if constraint.contype in _KINDS:
                    yield self._finding(statement, context, table, constraint, [cmd.def_.colname])

    def _finding(self, statement: Statement, context: FileContext, table: TableRef, constraint: ast.Constraint,
                 columns: list[str]) -> Finding:
        """The finding, with the concurrent index and ``USING INDEX`` as fix SQL where that applies."""
        keyword, suffix = _KINDS[constraint.contype]
        fix_sql = None
        if constraint.contype != ConstrType.CONSTR_EXCLUSION and columns:
            name = constraint.conname or index_name(table.name, [] if suffix == "pkey" else columns, suffix=suffix)
            quoted = quote_ident(name)
            fix_sql = (f"CREATE UNIQUE INDEX CONCURRENTLY {quoted} ON {table.sql()} ({column_list(columns)});\n"
                       "-- in a later migration:\n"
                       f"ALTER TABLE {table.sql()} ADD CONSTRAINT {quoted} {keyword} USING INDEX {quoted};")
        return self.finding(
            statement, context,
            title=f"Adding a {keyword} constraint to {table.sql()} builds its index under an ACCESS EXCLUSIVE lock",
            recommendation=("Build the unique index with CREATE UNIQUE INDEX CONCURRENTLY, then add the constraint "
                            "USING INDEX, which takes the lock only for an instant."
                            if fix_sql else
                            "Add it when the table is quiet: an exclusion constraint cannot adopt an index built "
                            "concurrently."),
            obj=ObjectRef(schema=table.schema, table=table.name, index=constraint.conname,
                          columns=tuple(columns) or None),
            fix_sql=fix_sql,
        )
