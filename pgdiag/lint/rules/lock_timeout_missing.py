"""lock_timeout_missing: a migration that waits for locks without a lock_timeout."""

from __future__ import annotations

from typing import ClassVar, Iterable

from pgdiag.core.findings import Finding, ObjectRef
from pgdiag.lint.locks import existing_locked_tables, locks_existing, outside_transaction_command
from pgdiag.lint.rules.base import Rule
from pgdiag.lint.state import FileContext
from pgdiag.lint.statements import Statement

DEFAULT_TIMEOUT = "5s"


class LockTimeoutMissing(Rule):
    """Migration that takes locks on existing tables without setting lock_timeout first.

    **Problem**

    No ``SET lock_timeout`` comes before the first statement of the file that locks a table (or index)
    the migration did not create, naming the tables it waits for. A foreign key counts on both sides:
    ``ALTER TABLE "Post" ADD CONSTRAINT … FOREIGN KEY … REFERENCES "User"`` (as Prisma Migrate adds every
    relation, also right after ``CREATE TABLE "Post"``) waits for SHARE ROW EXCLUSIVE on ``"User"``, which
    queues behind any long transaction on ``"User"`` and blocks its writers meanwhile. Reported once per
    file, at that statement. A Prisma migration made only of statements that cannot run in a transaction
    (``CREATE INDEX CONCURRENTLY`` alone, as recommended) is not reported: nothing can go beside such a
    statement, so set the timeout on the role that runs migrations instead (``ALTER ROLE migrator SET
    lock_timeout = '5s';``), which a linter cannot see.

    Severity is low: nothing is wrong until a long query holds the table at deploy time.

    **Why it matters**

    A DDL statement waiting for its lock behind a long-running query makes every later query on the
    table queue behind *it*: a harmless, instant ``ALTER TABLE`` becomes an outage that lasts as long
    as the slowest transaction in flight.

    **Fix**

    Start the migration with a short timeout, so it fails fast instead of stalling traffic, and retry
    it (for Prisma: ``prisma migrate resolve --rolled-back <migration>``, then deploy again)::

        SET lock_timeout = '5s';
    """

    id: ClassVar[str] = "lock_timeout_missing"
    severity: ClassVar[str] = "low"

    def check(self, statement: Statement, context: FileContext) -> Iterable[Finding]:
        """One finding per file, at its first lock-taking statement, when no lock_timeout was set before it."""
        if context.lock_timeout_set or self.id in context.reported or not locks_existing(statement.node, context):
            return
        context.reported.add(self.id)
        if context.file.prisma and all(outside_transaction_command(s.node) for s in context.statements):
            return
        tables = existing_locked_tables(statement.node, context)
        names = ", ".join(t.sql() for t in tables)
        yield self.finding(
            statement, context,
            title=("No lock_timeout before the first lock this migration waits for"
                   + (f", on {names}" if names else "")),
            recommendation=(f"Start the file with SET lock_timeout = '{DEFAULT_TIMEOUT}'; so a statement stuck behind "
                            f"a long query fails fast instead of queueing all traffic to {names or 'the table'} behind "
                            "it; retry the migration later."),
            obj=ObjectRef(schema=tables[0].schema, table=tables[0].name) if tables else ObjectRef(),
            fix_sql=f"SET lock_timeout = '{DEFAULT_TIMEOUT}';",
            evidence={"locked_tables": [t.sql() for t in tables]} if tables else None,
        )
