"""add_column_not_null: ADD COLUMN … NOT NULL without a default, which fails on a table that has rows."""

from __future__ import annotations

from typing import ClassVar, Iterable

from pglast import ast
from pglast.enums import AlterTableType, ConstrType

from pgdiag.core.findings import Finding, ObjectRef
from pgdiag.core.sqltext import index_name, quote_ident
from pgdiag.lint.nodes import TableRef, altered, column_constraints, deparse, type_spec
from pgdiag.lint.rules.base import Rule, existing_table_commands
from pgdiag.lint.rules.volatile_default import SERIAL_TYPES
from pgdiag.lint.state import FileContext
from pgdiag.lint.statements import Statement

# Constraints that give every existing row a value, so NOT NULL holds without a DEFAULT clause.
_FILLING = {ConstrType.CONSTR_DEFAULT, ConstrType.CONSTR_IDENTITY, ConstrType.CONSTR_GENERATED}


class AddColumnNotNull(Rule):
    """ADD COLUMN … NOT NULL without a default on a table that already exists.

    **Problem**

    ``ALTER TABLE … ADD COLUMN "expiry" TIMESTAMP(3) NOT NULL`` gives every existing row NULL in the new
    column, so PostgreSQL refuses it (``column "expiry" … contains null values``) as soon as the table
    has one row. Prisma Migrate writes it for a new required field without ``@default`` and warns in the
    migration's header comment ("Added the required column … without a default value. This is not
    possible if the table is not empty."). It passes on an empty development database and fails on
    production. A column with a ``DEFAULT``, a serial type, an identity or a generated value is filled
    and not reported (whether filling it rewrites the table is ``volatile_default``'s verdict); nor are
    tables created earlier in the same migration.

    **Why it matters**

    The deploy fails halfway: the migration is marked failed in ``_prisma_migrations`` and every later
    deploy stops until someone resolves it by hand, while the new application code that needs the
    column may already be running.

    **Fix**

    Add the column nullable, backfill it in batches, then prove NOT NULL without a long lock and set
    it::

        ALTER TABLE "Session" ADD COLUMN "expiry" TIMESTAMP(3);
        -- backfill in batches: UPDATE "Session" SET "expiry" = … WHERE "id" IN (…);
        ALTER TABLE "Session" ADD CONSTRAINT "Session_expiry_not_null" CHECK ("expiry" IS NOT NULL) NOT VALID;
        -- in a later migration:
        ALTER TABLE "Session" VALIDATE CONSTRAINT "Session_expiry_not_null";
        ALTER TABLE "Session" ALTER COLUMN "expiry" SET NOT NULL;
        ALTER TABLE "Session" DROP CONSTRAINT "Session_expiry_not_null";

    When one value suits every existing row, a constant ``DEFAULT`` (Prisma ``@default(…)``) is enough:
    since PostgreSQL 11 it is stored once, without rewriting the table.
    """

    id: ClassVar[str] = "add_column_not_null"
    severity: ClassVar[str] = "high"
    statements: ClassVar[tuple[type[ast.Node], ...] | None] = (ast.AlterTableStmt,)

    def check(self, statement: Statement, context: FileContext) -> Iterable[Finding]:
        """One finding per added NOT NULL column of an existing table that nothing fills."""
        for table, cmd in existing_table_commands(statement, context, AlterTableType.AT_AddColumn):
            column = cmd.def_
            if isinstance(column, ast.ColumnDef) and _not_null(column) and not _filled(column):
                yield self._finding(statement, context, table, column)

    def _finding(self, statement: Statement, context: FileContext, table: TableRef,
                 column: ast.ColumnDef) -> Finding:
        """The finding, with the nullable column, backfill and not-null recipe as fix SQL."""
        name = column.colname
        target, quoted = table.sql(), quote_ident(name)
        check = quote_ident(index_name(table.name, [name], suffix="not_null"))
        nullable = altered(column, is_not_null=False, constraints=tuple(
            c for c in column_constraints(column) if c.contype != ConstrType.CONSTR_NOTNULL) or None)
        add = deparse(ast.AlterTableStmt(relation=ast.RangeVar(schemaname=table.schema, relname=table.name,
                                                               inh=True),
                                         cmds=(ast.AlterTableCmd(subtype=AlterTableType.AT_AddColumn, def_=nullable),),
                                         objtype=statement.node.objtype))
        return self.finding(
            statement, context,
            title=f"Adding {target}.{quoted} NOT NULL without a default fails when the table has rows",
            recommendation=("Add the column nullable, backfill it in batches, then add CHECK (column IS NOT NULL) "
                            "NOT VALID, VALIDATE CONSTRAINT it in a later migration and SET NOT NULL (no scan). If "
                            "one value suits every existing row, a constant DEFAULT (Prisma @default) is enough: it "
                            "is stored without rewriting the table."),
            obj=ObjectRef(schema=table.schema, table=table.name, columns=(name,)),
            fix_sql=(f"{add}\n"
                     f"-- backfill in batches: UPDATE {target} SET {quoted} = ... WHERE ...;\n"
                     f"ALTER TABLE {target} ADD CONSTRAINT {check} CHECK ({quoted} IS NOT NULL) NOT VALID;\n"
                     "-- in a later migration:\n"
                     f"ALTER TABLE {target} VALIDATE CONSTRAINT {check};\n"
                     f"ALTER TABLE {target} ALTER COLUMN {quoted} SET NOT NULL;\n"
                     f"ALTER TABLE {target} DROP CONSTRAINT {check};"),
        )


def _not_null(column: ast.ColumnDef) -> bool:
    """Whether the column is declared NOT NULL or PRIMARY KEY (which implies it)."""
    return bool(column.is_not_null) or any(c.contype in (ConstrType.CONSTR_NOTNULL, ConstrType.CONSTR_PRIMARY)
                                           for c in column_constraints(column))


def _filled(column: ast.ColumnDef) -> bool:
    """Whether existing rows get a value: a default, a serial type, an identity or a generated expression."""
    spec = type_spec(column.typeName)
    if spec is not None and spec.name in SERIAL_TYPES:
        return True
    return column.raw_default is not None or any(c.contype in _FILLING for c in column_constraints(column))
