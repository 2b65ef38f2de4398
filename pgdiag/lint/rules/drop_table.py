"""drop_table: DROP TABLE of a table the running application may still use."""

from __future__ import annotations

from typing import ClassVar, Iterable

from pglast import ast
from pglast.enums import ObjectType

from pgdiag.core.findings import Finding, ObjectRef
from pgdiag.lint.nodes import name_ref
from pgdiag.lint.rules.base import Rule
from pgdiag.lint.state import FileContext
from pgdiag.lint.statements import Statement


class DropTable(Rule):
    """DROP TABLE of a table that existed before this migration.

    **Problem**

    The application version running during the deploy may still query the table (Prisma Migrate drops
    it when its model is removed, in the same deploy as the code change), and ``DROP TABLE`` waits for
    an ACCESS EXCLUSIVE lock on it and on the tables its foreign keys reference. Tables created earlier
    in the same migration are not reported.

    Severity is medium: unlike a dropped column, old code fails only where it still uses the model.

    **Why it matters**

    Queries from the old version fail with "relation does not exist" until it is replaced, and the data
    cannot be brought back by rolling back the application.

    **Fix**

    Remove every use of the model first and deploy that (or mark the model ``@@ignore``, so Prisma
    Client no longer offers it), then drop the table in a later release, after a backup if the data
    may be needed.
    """

    id: ClassVar[str] = "drop_table"
    severity: ClassVar[str] = "medium"
    statements: ClassVar[tuple[type[ast.Node], ...] | None] = (ast.DropStmt,)

    def check(self, statement: Statement, context: FileContext) -> Iterable[Finding]:
        """One finding per table dropped that this migration did not create."""
        node = statement.node
        if not isinstance(node, ast.DropStmt) or node.removeType != ObjectType.OBJECT_TABLE:
            return
        for name in node.objects or ():
            table = name_ref(name)
            if context.is_new(table):
                continue
            yield self.finding(
                statement, context,
                title=f"Dropping table {table.sql()} breaks the application version still running if it uses it",
                recommendation=("Stop using the table first (remove the model's uses, or mark it @@ignore) and deploy "
                                "that; drop the table in a later release."),
                obj=ObjectRef(schema=table.schema, table=table.name),
            )
