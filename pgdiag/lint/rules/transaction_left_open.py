"""transaction_left_open: a BEGIN that no COMMIT or ROLLBACK closes before the file ends."""

from __future__ import annotations

from typing import ClassVar, Iterable

from pglast import ast

from pgdiag.core.findings import Finding, ObjectRef
from pgdiag.lint.rules.base import Rule
from pgdiag.lint.state import BEGIN_KINDS, END_KINDS, FileContext
from pgdiag.lint.statements import Statement


class TransactionLeftOpen(Rule):
    """BEGIN without a COMMIT or ROLLBACK after it in the same file.

    **Problem**

    The migration opens a transaction block and the file ends inside it. When the session that ran it
    ends, PostgreSQL rolls the open transaction back: everything after the ``BEGIN`` is undone, while
    the tool that ran the file (``psql -f``, a migration runner) may report success and record the
    migration as applied. Reported at the ``BEGIN`` that stays open.

    **Why it matters**

    The database silently misses the migration's changes; the next deploy's code expects them and
    fails, and the migration history says they are there.

    **Fix**

    End the block with ``COMMIT;`` (or drop the ``BEGIN``: Prisma Migrate and most runners already run
    a file as one transaction).
    """

    id: ClassVar[str] = "transaction_left_open"
    severity: ClassVar[str] = "high"
    statements: ClassVar[tuple[type[ast.Node], ...] | None] = (ast.TransactionStmt,)

    def check(self, statement: Statement, context: FileContext) -> Iterable[Finding]:
        """One finding at a BEGIN when no later statement of the file ends the transaction."""
        node = statement.node
        if not (isinstance(node, ast.TransactionStmt) and node.kind in BEGIN_KINDS):
            return
        later = context.statements[statement.index + 1:]
        if any(isinstance(s.node, ast.TransactionStmt) and s.node.kind in END_KINDS for s in later):
            return
        yield self.finding(
            statement, context,
            title="BEGIN is never committed: the migration is rolled back when its session ends",
            recommendation="End the transaction with COMMIT; at the end of the file, or remove the BEGIN.",
            obj=ObjectRef(),
        )
