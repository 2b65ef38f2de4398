"""constraint_not_valid: foreign keys and CHECK constraints validated in place on a table in use."""

from __future__ import annotations

from typing import ClassVar, Iterable

from pglast import ast
from pglast.enums import AlterTableType, ConstrType

from pgdiag.core.findings import Finding, ObjectRef
from pgdiag.core.sqltext import quote_ident
from pgdiag.lint.nodes import (
    TableRef,
    altered,
    column_constraints,
    commands,
    deparse,
    strings,
    table_ref,
)
from pgdiag.lint.rules.base import Rule, altered_existing_table
from pgdiag.lint.state import FileContext
from pgdiag.lint.statements import Statement

_VALIDATED_KINDS = {ConstrType.CONSTR_FOREIGN: "foreign key", ConstrType.CONSTR_CHECK: "CHECK constraint"}


class ConstraintNotValid(Rule):
    """Foreign key or CHECK constraint added without NOT VALID to a table that already exists.

    **Problem**

    ``ALTER TABLE … ADD CONSTRAINT … FOREIGN KEY`` or ``… CHECK`` (also written on a column added by
    ``ADD COLUMN … REFERENCES``) checks every existing row while holding its lock: SHARE ROW EXCLUSIVE
    on both tables for a foreign key, ACCESS EXCLUSIVE for a CHECK. Prisma Migrate adds every relation
    as such a foreign key (``-- AddForeignKey``). Also reported, at medium severity: ``VALIDATE
    CONSTRAINT`` in the same migration that added the constraint ``NOT VALID``, since a migration run
    as one transaction still holds the strong lock of the ``ADD`` while it validates. Constraints on
    tables created earlier in the same migration are not reported.

    **Why it matters**

    The scan of a large table takes seconds to minutes, and for all that time writes to the table (and,
    for a foreign key, to the referenced table; for a CHECK, reads too) wait.

    **Fix**

    Add the constraint ``NOT VALID`` (it is enforced for new rows at once, the lock is brief), then
    validate it in a later migration: ``VALIDATE CONSTRAINT`` scans under a SHARE UPDATE EXCLUSIVE
    lock, which lets reads and writes go on::

        ALTER TABLE "Post" ADD CONSTRAINT "Post_authorId_fkey" FOREIGN KEY ("authorId")
            REFERENCES "User"("id") ON DELETE RESTRICT ON UPDATE CASCADE NOT VALID;
        -- in a later migration:
        ALTER TABLE "Post" VALIDATE CONSTRAINT "Post_authorId_fkey";
    """

    id: ClassVar[str] = "constraint_not_valid"
    severity: ClassVar[str] = "high"
    statements: ClassVar[tuple[type[ast.Node], ...] | None] = (ast.AlterTableStmt,)

    def check(self, statement: Statement, context: FileContext) -> Iterable[Finding]:
        """Findings for constraints validated in place, and for validations in the migration that added them."""
        altered = altered_existing_table(statement, context)
        if altered is None:
            return
        table, node = altered
        for cmd in commands(node, AlterTableType.AT_AddConstraint):
            constraint = cmd.def_
            if isinstance(constraint, ast.Constraint) and constraint.contype in _VALIDATED_KINDS \
                    and not constraint.skip_validation:
                yield self._in_place(statement, context, node, table, cmd, constraint)
        for cmd in commands(node, AlterTableType.AT_AddColumn):
            for constraint in column_constraints(cmd.def_):
                if constraint.contype in _VALIDATED_KINDS:
                    yield self._on_new_column(statement, context, table, cmd.def_, constraint)
        for cmd in commands(node, AlterTableType.AT_ValidateConstraint):
            if _added_not_valid_earlier(statement, context, table, cmd.name):
                yield self._validated_too_soon(statement, context, table, cmd.name)

    def _in_place(self, statement: Statement, context: FileContext, node: ast.AlterTableStmt, table: TableRef,
                  cmd: ast.AlterTableCmd, constraint: ast.Constraint) -> Finding:
        """``ADD CONSTRAINT`` of a foreign key or check without ``NOT VALID``."""
        kind = _VALIDATED_KINDS[constraint.contype]
        columns = strings(constraint.fk_attrs) if constraint.contype == ConstrType.CONSTR_FOREIGN else []
        fix_sql = None
        if constraint.conname:
            relaxed = altered(constraint, skip_validation=True, initially_valid=False)
            single = altered(node, cmds=(altered(cmd, def_=relaxed),))
            fix_sql = (f"{deparse(single)}\n-- in a later migration:\n"
                       f"ALTER TABLE {table.sql()} VALIDATE CONSTRAINT {quote_ident(constraint.conname)};")
        name = f" {constraint.conname}" if constraint.conname else ""
        referenced = table_ref(constraint.pktable) if constraint.contype == ConstrType.CONSTR_FOREIGN \
            and constraint.pktable is not None else None
        also = (f", and blocks writes to {referenced.sql()} meanwhile"
                if referenced is not None and not referenced.matches(table) else "")
        return self.finding(
            statement, context,
            title=f"Adding {kind}{name} to {table.sql()} checks every row under lock{also}",
            recommendation=(f"Add the {kind} NOT VALID (new rows are checked at once, the lock is brief), then "
                            "VALIDATE CONSTRAINT it in a later migration: validation lets reads and writes go on."
                            + ("" if constraint.conname else " Name the constraint so it can be validated.")),
            obj=ObjectRef(schema=table.schema, table=table.name, columns=tuple(columns) or None),
            fix_sql=fix_sql,
            evidence={"referenced_table": referenced.sql()} if referenced is not None else None,
        )

    def _on_new_column(self, statement: Statement, context: FileContext, table: TableRef, column: ast.ColumnDef,
                       constraint: ast.Constraint) -> Finding:
        """``ADD COLUMN … REFERENCES``/``CHECK``: a column constraint cannot be NOT VALID."""
        kind = _VALIDATED_KINDS[constraint.contype]
        return self.finding(
            statement, context,
            title=f"Adding column {column.colname} with a {kind} checks every row of {table.sql()} under lock",
            recommendation=(f"Add the column without the {kind}, then add the {kind} as a table constraint NOT VALID "
                            "and VALIDATE CONSTRAINT it in a later migration."),
            obj=ObjectRef(schema=table.schema, table=table.name, columns=(column.colname,)),
        )

    def _validated_too_soon(self, statement: Statement, context: FileContext, table: TableRef,
                            name: str) -> Finding:
        """``VALIDATE CONSTRAINT`` in the migration that added the constraint ``NOT VALID``."""
        return self.finding(
            statement, context, severity="medium",
            title=f"Constraint {name} is validated in the migration that added it NOT VALID",
            recommendation=("Validate it in a later migration: run in one transaction with the ADD, the validation "
                            "scans while the ADD's lock still blocks the table."),
            obj=ObjectRef(schema=table.schema, table=table.name),
        )


def _added_not_valid_earlier(statement: Statement, context: FileContext, table: TableRef, name: str) -> bool:
    """Whether a statement before `statement` in this file added constraint `name` of `table` NOT VALID."""
    for earlier in context.statements[:statement.index]:
        for cmd in commands(earlier.node, AlterTableType.AT_AddConstraint):
            constraint = cmd.def_
            if isinstance(constraint, ast.Constraint) and constraint.conname == name and constraint.skip_validation \
                    and table_ref(earlier.node.relation).matches(table):
                return True
    return False
