"""truncate_cascade: TRUNCATE … CASCADE, which also empties every table that references the ones named."""

from __future__ import annotations

from typing import ClassVar, Iterable

from pglast import ast
from pglast.enums import DropBehavior

from pgdiag.core.findings import Finding, ObjectRef
from pgdiag.lint.nodes import table_ref
from pgdiag.lint.rules.base import Rule
from pgdiag.lint.state import FileContext
from pgdiag.lint.statements import Statement


class TruncateCascade(Rule):
    """TRUNCATE … CASCADE of a table that existed before this migration.

    **Problem**

    ``CASCADE`` empties, besides the tables named, every table with a foreign key to them, and every
    table referencing those, recursively: tables the statement never names. Each is locked ACCESS
    EXCLUSIVE meanwhile. Tables created earlier in the same migration are not reported.

    **Why it matters**

    One line meant to clear a staging table can empty ``"User"``'s dependants in production; the rows
    come back only from a backup.

    **Fix**

    Name every table to empty explicitly and leave out ``CASCADE`` (PostgreSQL then refuses to truncate a
    table others reference unless they are listed too), or delete the rows you mean with ``DELETE``.
    """

    id: ClassVar[str] = "truncate_cascade"
    severity: ClassVar[str] = "high"
    statements: ClassVar[tuple[type[ast.Node], ...] | None] = (ast.TruncateStmt,)

    def check(self, statement: Statement, context: FileContext) -> Iterable[Finding]:
        """One finding per TRUNCATE … CASCADE that names a table this migration did not create."""
        node = statement.node
        if not isinstance(node, ast.TruncateStmt) or node.behavior != DropBehavior.DROP_CASCADE:
            return
        existing = [table_ref(r) for r in node.relations or () if not context.is_new(table_ref(r))]
        if not existing:
            return
        names = ", ".join(t.sql() for t in existing)
        yield self.finding(
            statement, context,
            title=f"TRUNCATE … CASCADE of {names} also empties every table that references it",
            recommendation=("List every table to empty and drop CASCADE, so PostgreSQL refuses to empty a table you "
                            "did not name; or DELETE the rows you mean."),
            obj=ObjectRef(schema=existing[0].schema, table=existing[0].name),
        )
