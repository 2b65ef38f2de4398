"""detach_partition: DETACH PARTITION without CONCURRENTLY, which locks the whole partitioned table."""

from __future__ import annotations

from typing import ClassVar, Iterable

from pglast import ast
from pglast.enums import AlterTableType

from pgdiag.core.findings import Finding, ObjectRef
from pgdiag.lint.nodes import table_ref
from pgdiag.lint.rules.base import PRISMA_OWN_MIGRATION, Rule, existing_table_commands
from pgdiag.lint.state import FileContext
from pgdiag.lint.statements import Statement


class DetachPartition(Rule):
    """ALTER TABLE … DETACH PARTITION without CONCURRENTLY on a partitioned table in use.

    **Problem**

    ``DETACH PARTITION`` takes an ACCESS EXCLUSIVE lock on the partitioned table: every query on any of
    its partitions waits, and while the statement itself waits for running queries, every later query
    queues behind it. Tables created earlier in the same migration are not reported.

    **Why it matters**

    Partitioned tables are the largest and busiest ones; detaching an old month is routine, and done
    this way it stops all traffic to the table for as long as the slowest running query takes.

    **Fix**

    On PostgreSQL 14 and later, detach concurrently (SHARE UPDATE EXCLUSIVE on the parent: reads and
    writes go on). It cannot run inside a transaction block, so it goes alone in its migration::

        ALTER TABLE "Event" DETACH PARTITION "Event_2024_01" CONCURRENTLY;
    """

    id: ClassVar[str] = "detach_partition"
    severity: ClassVar[str] = "medium"
    statements: ClassVar[tuple[type[ast.Node], ...] | None] = (ast.AlterTableStmt,)

    def check(self, statement: Statement, context: FileContext) -> Iterable[Finding]:
        """One finding per non-concurrent DETACH PARTITION of an existing partitioned table."""
        for table, cmd in existing_table_commands(statement, context, AlterTableType.AT_DetachPartition):
            partition = cmd.def_
            if not isinstance(partition, ast.PartitionCmd) or partition.concurrent:
                continue
            child = table_ref(partition.name)
            prisma = f" {PRISMA_OWN_MIGRATION}" if context.file.prisma else ""
            yield self.finding(
                statement, context,
                title=f"DETACH PARTITION {child.sql()} locks all of {table.sql()} (ACCESS EXCLUSIVE)",
                recommendation=("Detach it CONCURRENTLY (PostgreSQL 14+): reads and writes of the partitioned table go "
                                f"on.{prisma}"),
                obj=ObjectRef(schema=table.schema, table=table.name),
                fix_sql=f"ALTER TABLE {table.sql()} DETACH PARTITION {child.sql()} CONCURRENTLY;",
            )
