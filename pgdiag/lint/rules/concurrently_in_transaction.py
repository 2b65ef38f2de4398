"""concurrently_in_transaction: statements that cannot run in a transaction, placed where they will."""

from __future__ import annotations

from typing import ClassVar, Iterable

from pgdiag.core.findings import Finding, ObjectRef
from pgdiag.lint.locks import outside_transaction_command
from pgdiag.lint.rules.base import Rule
from pgdiag.lint.state import FileContext
from pgdiag.lint.statements import Statement


class ConcurrentlyInTransaction(Rule):
    """CREATE/DROP INDEX CONCURRENTLY, REINDEX CONCURRENTLY or VACUUM where a transaction will surround it.

    **Problem**

    These commands refuse to run inside a transaction block ("cannot run inside a transaction block").
    Reported at high severity after an explicit ``BEGIN`` in the same file, and at medium severity in a
    Prisma migration (``migration.sql``) that holds other statements too: Prisma Migrate has sent such
    a file to PostgreSQL as one multi-statement query, which PostgreSQL runs as a single implicit
    transaction.

    **Why it matters**

    The migration fails at deploy time; with Prisma it is then recorded as failed and blocks every later
    ``prisma migrate deploy`` until it is resolved by hand.

    **Fix**

    Give the statement a migration of its own, holding nothing else (``prisma migrate dev
    --create-only``, then edit ``migration.sql``), outside any ``BEGIN … COMMIT``.
    """

    id: ClassVar[str] = "concurrently_in_transaction"
    severity: ClassVar[str] = "high"

    def check(self, statement: Statement, context: FileContext) -> Iterable[Finding]:
        """A finding for a non-transactional command inside BEGIN, or sharing a Prisma migration."""
        command = outside_transaction_command(statement.node)
        if command is None:
            return
        if context.in_transaction:
            severity, where = "high", "inside the transaction this file opens with BEGIN"
        elif context.file.prisma and len(context.statements) > 1:
            severity = "medium"
            where = "in a Prisma migration with other statements, which Prisma may run as one transaction"
        else:
            return
        yield self.finding(
            statement, context, severity=severity,
            title=f"{command} fails {where}",
            recommendation=(f"Move the {command} statement into a migration of its own that holds nothing else "
                            "(prisma migrate dev --create-only, then edit its migration.sql)."),
            obj=ObjectRef(),
        )
