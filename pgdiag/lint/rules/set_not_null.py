"""set_not_null: SET NOT NULL that scans a table in use under an ACCESS EXCLUSIVE lock."""

from __future__ import annotations

from typing import ClassVar, Iterable

from pglast import ast
from pglast.enums import AlterTableType

from pgdiag.core.findings import Finding, ObjectRef
from pgdiag.core.sqltext import index_name, quote_ident
from pgdiag.lint.nodes import TableRef
from pgdiag.lint.rules.base import Rule, existing_table_commands
from pgdiag.lint.state import FileContext
from pgdiag.lint.statements import Statement


class SetNotNull(Rule):
    """SET NOT NULL on a column of an existing table without a validated CHECK (col IS NOT NULL) first.

    **Problem**

    ``ALTER TABLE … ALTER COLUMN … SET NOT NULL`` reads the whole table to prove there is no NULL, under
    an ACCESS EXCLUSIVE lock that blocks reads and writes. Prisma Migrate writes it when an optional
    field becomes required (``String?`` to ``String``). Since PostgreSQL 12 the scan is skipped when a
    *validated* ``CHECK (col IS NOT NULL)`` constraint already proves it. pgdiag knows of such a check
    when a linted statement added it validated or validated it with ``VALIDATE CONSTRAINT`` before this
    statement; a ``VALIDATE CONSTRAINT`` on the same table earlier in the same migration counts even
    when the constraint was added by a migration outside the linted files (its definition is then
    unknown, and pgdiag trusts it). Columns of tables created earlier in the same migration are not
    reported.

    **Why it matters**

    On a large table the scan takes as long as a sequential read of it, and nothing can read or write
    the table meanwhile.

    **Fix**

    Prove it first with a check that is validated without blocking, then set NOT NULL (no scan) and
    drop the check::

        ALTER TABLE "User" ADD CONSTRAINT "User_email_not_null" CHECK ("email" IS NOT NULL) NOT VALID;
        -- in a later migration:
        ALTER TABLE "User" VALIDATE CONSTRAINT "User_email_not_null";
        ALTER TABLE "User" ALTER COLUMN "email" SET NOT NULL;
        ALTER TABLE "User" DROP CONSTRAINT "User_email_not_null";
    """

    id: ClassVar[str] = "set_not_null"
    severity: ClassVar[str] = "high"
    statements: ClassVar[tuple[type[ast.Node], ...] | None] = (ast.AlterTableStmt,)

    def check(self, statement: Statement, context: FileContext) -> Iterable[Finding]:
        """One finding per SET NOT NULL on an existing table's column with no validated not-null check."""
        for table, cmd in existing_table_commands(statement, context, AlterTableType.AT_SetNotNull):
            if not _proven(context, table, cmd.name):
                yield self._finding(statement, context, table, cmd.name)

    def _finding(self, statement: Statement, context: FileContext, table: TableRef, column: str) -> Finding:
        """The finding, with the four-step recipe as fix SQL."""
        check = quote_ident(index_name(table.name, [column], suffix="not_null"))
        target, quoted = table.sql(), quote_ident(column)
        return self.finding(
            statement, context,
            title=f"SET NOT NULL on {target}.{quoted} scans the table under an ACCESS EXCLUSIVE lock",
            recommendation=("Add CHECK (column IS NOT NULL) NOT VALID, VALIDATE CONSTRAINT it in a later migration "
                            "(reads and writes go on), then SET NOT NULL, which uses the check instead of a scan, "
                            "and drop the check."),
            obj=ObjectRef(schema=table.schema, table=table.name, columns=(column,)),
            fix_sql=(f"ALTER TABLE {target} ADD CONSTRAINT {check} CHECK ({quoted} IS NOT NULL) NOT VALID;\n"
                     "-- in a later migration:\n"
                     f"ALTER TABLE {target} VALIDATE CONSTRAINT {check};\n"
                     f"ALTER TABLE {target} ALTER COLUMN {quoted} SET NOT NULL;\n"
                     f"ALTER TABLE {target} DROP CONSTRAINT {check};"),
        )


def _proven(context: FileContext, table: TableRef, column: str) -> bool:
    """Whether a validated check proves `column` not null: known to say so, or of unknown definition and
    validated earlier in this file."""
    for fact in context.history.checks:
        if not fact.validated or not fact.table.matches(table):
            continue
        if fact.not_null_column == column:
            return True
        if not fact.known and fact.validated_in == context.file.display:
            return True
    return False
