"""drop_column: DROP COLUMN while the running application still reads the column."""

from __future__ import annotations

from typing import ClassVar, Iterable

from pglast import ast
from pglast.enums import AlterTableType

from pgdiag.core.findings import Finding, ObjectRef
from pgdiag.core.sqltext import quote_ident
from pgdiag.lint.rules.base import Rule, existing_table_commands
from pgdiag.lint.state import FileContext
from pgdiag.lint.statements import Statement


class DropColumn(Rule):
    """DROP COLUMN of a table the running application uses.

    **Problem**

    During a deploy the old version of the application runs beside the migration. Prisma Client names
    every column of a model in its queries (``SELECT "id", "email", "legacyField" …`` and ``RETURNING``
    lists of writes), so once the column is gone every query of that model from the old version fails
    until the new version has replaced it. Prisma Migrate writes ``DROP COLUMN`` when a field is
    removed from the schema, in the same deploy as the code change. Columns of tables created earlier
    in the same migration are not reported.

    **Why it matters**

    Errors on every request that touches the model, for the length of the rollout; and the data is
    gone, so rolling back the application does not help.

    **Fix**

    Two releases. First stop using the column: mark the field ``@ignore`` in ``schema.prisma`` (Prisma
    Client no longer reads or writes it; make it optional or give it a default first so inserts work)
    and deploy. Then remove the field in a later release, whose migration drops the column.
    """

    id: ClassVar[str] = "drop_column"
    severity: ClassVar[str] = "high"
    statements: ClassVar[tuple[type[ast.Node], ...] | None] = (ast.AlterTableStmt,)

    def check(self, statement: Statement, context: FileContext) -> Iterable[Finding]:
        """One finding per column dropped from a table this migration did not create."""
        for table, cmd in existing_table_commands(statement, context, AlterTableType.AT_DropColumn):
            yield self.finding(
                statement, context,
                title=f"Dropping {table.sql()}.{quote_ident(cmd.name)} breaks the application version still running",
                recommendation=("Drop it in two releases: first stop using it (Prisma: mark the field @ignore, making "
                                "it optional or defaulted) and deploy, then remove the field and drop the column in a "
                                "later release."),
                obj=ObjectRef(schema=table.schema, table=table.name, columns=(cmd.name,)),
            )
