"""rename: renaming a table or column the running application uses by its old name."""

from __future__ import annotations

from typing import ClassVar, Iterable

from pglast import ast
from pglast.enums import ObjectType

from pgdiag.core.findings import Finding, ObjectRef
from pgdiag.core.sqltext import quote_ident
from pgdiag.lint.nodes import table_ref
from pgdiag.lint.rules.base import Rule
from pgdiag.lint.state import FileContext
from pgdiag.lint.statements import Statement


class Rename(Rule):
    """Table or column renamed while the running application uses the old name.

    **Problem**

    ``ALTER TABLE … RENAME TO`` and ``ALTER TABLE … RENAME COLUMN`` take effect at once, and the
    application version running during the deploy still sends the old name: every query of the model
    fails until the new version has replaced it. Renames of tables created earlier in the same
    migration are not reported.

    **Why it matters**

    Errors on every request that touches the table for the length of the rollout, and a rollback of the
    application fails the same way in reverse.

    **Fix**

    With Prisma, rename in the schema only and keep the database name: ``newName String @map("old_name")``
    for a field, ``@@map("OldTable")`` for a model. Nothing changes in the database and the client uses
    the new name. To rename in the database too, expand and contract: add the new column (or a view
    for a table), write both, backfill, switch reads, drop the old one in a later release.
    """

    id: ClassVar[str] = "rename"
    severity: ClassVar[str] = "high"
    statements: ClassVar[tuple[type[ast.Node], ...] | None] = (ast.RenameStmt,)

    def check(self, statement: Statement, context: FileContext) -> Iterable[Finding]:
        """One finding per rename of a table, or of a column of a table, this migration did not create."""
        node = statement.node
        if not isinstance(node, ast.RenameStmt) or node.relation is None:
            return
        table = table_ref(node.relation)
        if context.is_new(table):
            return
        if node.renameType == ObjectType.OBJECT_TABLE:
            yield self.finding(
                statement, context,
                title=f"Renaming table {table.sql()} to {quote_ident(node.newname)} breaks the running application",
                recommendation=("Keep the table's name and rename the model only, with @@map(\"" + table.name
                                + "\") on it; or add the new table name as a view first and switch in steps."),
                obj=ObjectRef(schema=table.schema, table=table.name),
            )
        elif node.renameType == ObjectType.OBJECT_COLUMN:
            yield self.finding(
                statement, context,
                title=(f"Renaming {table.sql()}.{quote_ident(node.subname)} to {quote_ident(node.newname)} breaks the "
                       "running application"),
                recommendation=("Keep the column's name and rename the field only, with @map(\"" + node.subname
                                + "\") on it; or add the new column, write both, backfill and drop the old one later."),
                obj=ObjectRef(schema=table.schema, table=table.name, columns=(node.subname,)),
            )
