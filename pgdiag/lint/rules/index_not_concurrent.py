"""index_not_concurrent: CREATE INDEX, REINDEX or DROP INDEX that blocks writes to a table in use."""

from __future__ import annotations

from typing import ClassVar, Iterable

from pglast import ast
from pglast.enums import ObjectType, ReindexObjectType

from pgdiag.core.findings import Finding, ObjectRef
from pgdiag.core.sqltext import quote_ident
from pgdiag.lint.locks import outside_transaction_command
from pgdiag.lint.nodes import altered, deparse, name_ref, table_ref
from pgdiag.lint.rules.base import PRISMA_OWN_MIGRATION, Rule
from pgdiag.lint.state import FileContext
from pgdiag.lint.statements import Statement


class IndexNotConcurrent(Rule):
    """Index built, rebuilt or dropped without CONCURRENTLY on a table that already exists.

    **Problem**

    ``CREATE INDEX`` without ``CONCURRENTLY`` holds a SHARE lock on the table for the whole build:
    reads go on, but every ``INSERT``, ``UPDATE`` and ``DELETE`` waits until the index is built, which
    takes minutes on a large table. ``DROP INDEX`` without ``CONCURRENTLY`` needs an ACCESS EXCLUSIVE
    lock on the table: short, but it queues behind any running query and every later query queues
    behind it. Prisma Migrate writes both forms (``-- CreateIndex`` for a new ``@@index``,
    ``-- DropIndex`` for a removed one). ``REINDEX`` without ``CONCURRENTLY`` (hand-written, to repair
    a bloated or corrupt index) blocks writes to the table like ``CREATE INDEX``, and reads that would
    use the index too. Indexes on tables created earlier in the same migration, and indexes dropped or
    rebuilt that the same migration created, are not reported: nobody uses them yet.

    Severity is high for ``CREATE INDEX`` and ``REINDEX``, medium for ``DROP INDEX``.

    **Why it matters**

    A deploy that builds an index on a busy table stops every write to it for the length of the build:
    requests time out, queues back up, and the migration looks like an outage.

    **Fix**

    Build, rebuild and drop concurrently (writes go on; ``REINDEX … CONCURRENTLY`` needs PostgreSQL 12)::

        CREATE INDEX CONCURRENTLY "Alert_organizationId_idx" ON "Alert" ("organizationId");
        REINDEX INDEX CONCURRENTLY "Alert_organizationId_idx";
        DROP INDEX CONCURRENTLY "Alert_status_idx";

    ``CONCURRENTLY`` cannot run inside a transaction block. In a Prisma project, give the statement a
    migration of its own (``prisma migrate dev --create-only``, then edit ``migration.sql``). A failed
    concurrent build leaves an INVALID index behind: drop it with ``DROP INDEX CONCURRENTLY`` and run
    the migration again (``prisma migrate resolve --rolled-back <migration>`` first). PostgreSQL cannot
    build an index on a partitioned table concurrently: build it on each partition concurrently, then
    attach those to an index created with ``ON ONLY`` the parent.
    """

    id: ClassVar[str] = "index_not_concurrent"
    severity: ClassVar[str] = "high"
    statements: ClassVar[tuple[type[ast.Node], ...] | None] = (ast.IndexStmt, ast.DropStmt, ast.ReindexStmt)

    def check(self, statement: Statement, context: FileContext) -> Iterable[Finding]:
        """One finding per non-concurrent index build or drop on an existing table."""
        node = statement.node
        if isinstance(node, ast.IndexStmt) and not node.concurrent:
            yield from self._create(statement, context, node)
        elif isinstance(node, ast.DropStmt) and node.removeType == ObjectType.OBJECT_INDEX and not node.concurrent:
            yield from self._drop(statement, context, node)
        elif isinstance(node, ast.ReindexStmt) and outside_transaction_command(node) is None:
            yield from self._reindex(statement, context, node)

    def _create(self, statement: Statement, context: FileContext, node: ast.IndexStmt) -> Iterable[Finding]:
        """A ``CREATE INDEX`` on a table this migration did not create."""
        table = table_ref(node.relation)
        if context.is_new(table):
            return
        columns = tuple(p.name for p in node.indexParams or () if isinstance(p, ast.IndexElem) and p.name)
        prisma = f" {PRISMA_OWN_MIGRATION}" if context.file.prisma else ""
        named = f" {node.idxname}" if node.idxname else ""
        yield self.finding(
            statement, context,
            title=f"CREATE INDEX{named} blocks writes to {table.sql()} while it builds",
            recommendation=("Build it with CREATE INDEX CONCURRENTLY, which lets writes go on during the build."
                            f"{prisma} If a concurrent build fails, drop the INVALID index it leaves "
                            "(DROP INDEX CONCURRENTLY) and run it again."),
            obj=ObjectRef(schema=table.schema, table=table.name, index=node.idxname, columns=columns or None),
            fix_sql=deparse(altered(node, concurrent=True)),
        )

    def _reindex(self, statement: Statement, context: FileContext, node: ast.ReindexStmt) -> Iterable[Finding]:
        """A ``REINDEX`` of an index, table, schema or database this migration did not create."""
        if node.kind == ReindexObjectType.REINDEX_OBJECT_TABLE and context.is_new(table_ref(node.relation)):
            return
        if node.kind == ReindexObjectType.REINDEX_OBJECT_INDEX and node.relation.relname in context.created_indexes:
            return
        name = table_ref(node.relation).sql() if node.relation is not None else \
            quote_ident(node.name) if node.name else None
        table = table_ref(node.relation) if node.kind == ReindexObjectType.REINDEX_OBJECT_TABLE else None
        index = node.relation.relname if node.kind == ReindexObjectType.REINDEX_OBJECT_INDEX else None
        kind = node.kind.name.removeprefix("REINDEX_OBJECT_")
        target = f"{kind.lower()} {name}" if name else f"the {kind.lower()}"
        # REINDEX KIND CONCURRENTLY name: the form PostgreSQL 12 and 13 accept too (an option list needs 14).
        fix_sql = f"REINDEX {kind} CONCURRENTLY {name};" if name and kind != "SYSTEM" else None
        prisma = f" {PRISMA_OWN_MIGRATION}" if context.file.prisma else ""
        yield self.finding(
            statement, context,
            title=f"REINDEX of {target} blocks writes (and reads that use its indexes) while it rebuilds",
            recommendation=("Rebuild with REINDEX … CONCURRENTLY (PostgreSQL 12+), which lets reads and writes go on."
                            f"{prisma}"),
            obj=ObjectRef(schema=table.schema if table else None, table=table.name if table else None, index=index),
            fix_sql=fix_sql,
        )

    def _drop(self, statement: Statement, context: FileContext, node: ast.DropStmt) -> Iterable[Finding]:
        """A ``DROP INDEX`` of indexes this migration did not create: one finding per index."""
        for name in node.objects or ():
            index = name_ref(name)
            if index.name in context.created_indexes:
                continue
            prisma = f" {PRISMA_OWN_MIGRATION}" if context.file.prisma else ""
            exists = " IF EXISTS" if node.missing_ok else ""
            yield self.finding(
                statement, context, severity="medium",
                title=f"DROP INDEX {index.name} takes an ACCESS EXCLUSIVE lock on its table",
                recommendation=("Drop it with DROP INDEX CONCURRENTLY, which waits for running queries instead of "
                                f"locking them and everything after them out.{prisma}"),
                obj=ObjectRef(schema=index.schema, index=index.name),
                fix_sql=f"DROP INDEX CONCURRENTLY{exists} {index.sql()};",
            )
