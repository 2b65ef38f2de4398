"""What the statements read so far established: facts the rules judge by, never verdicts.

`History` spans every file of one run, in order: column types (from ``CREATE TABLE``, ``ADD COLUMN``,
``ALTER COLUMN … TYPE``) and CHECK constraints with whether they were validated. `FileContext` is one
migration file: the tables and indexes it created so far (statements on those lock nothing anyone
waits for), whether it set ``lock_timeout``, whether an explicit transaction is open, and the whole
list of its statements.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pglast import ast
from pglast.enums import (
    AlterTableType,
    ConstrType,
    NullTestType,
    ObjectType,
    TransactionStmtKind,
    VariableSetKind,
)

from pgdiag.lint.files import MigrationFile
from pgdiag.lint.nodes import (
    TableRef,
    TypeSpec,
    column_constraints,
    name_ref,
    strings,
    table_ref,
    type_spec,
)
from pgdiag.lint.statements import Statement

BEGIN_KINDS = {TransactionStmtKind.TRANS_STMT_BEGIN, TransactionStmtKind.TRANS_STMT_START}
END_KINDS = {TransactionStmtKind.TRANS_STMT_COMMIT, TransactionStmtKind.TRANS_STMT_ROLLBACK,
        TransactionStmtKind.TRANS_STMT_PREPARE}


@dataclass
class CheckFact:
    """A CHECK constraint some migration added or validated: on which table, whether it proves a column
    NOT NULL (``CHECK (col IS NOT NULL)``; None when not, or when its definition was not read), and in
    which file it was validated."""

    table: TableRef
    name: str | None
    not_null_column: str | None
    known: bool
    validated: bool
    validated_in: str | None = None


@dataclass
class History:
    """Facts established by the files linted so far, in run order."""

    columns: list[tuple[TableRef, dict[str, TypeSpec | None]]] = field(default_factory=list)
    checks: list[CheckFact] = field(default_factory=list)

    def column_type(self, table: TableRef, column: str) -> TypeSpec | None:
        """The type a migration gave `column` of `table`, None when no linted file says."""
        columns = self._columns(table)
        return columns.get(column) if columns is not None else None

    def check(self, table: TableRef, name: str) -> CheckFact | None:
        """The CHECK constraint called `name` on `table`, if a linted statement added or validated it."""
        return next((c for c in self.checks if c.name == name and c.table.matches(table)), None)

    def _columns(self, table: TableRef) -> dict[str, TypeSpec | None] | None:
        """The known columns of `table`, None when no linted file created it."""
        return next((cols for ref, cols in reversed(self.columns) if ref.matches(table)), None)

    def define_table(self, table: TableRef, columns: dict[str, TypeSpec | None]) -> None:
        """Record a created table and its columns."""
        self.drop_table(table)
        self.columns.append((table, dict(columns)))

    def set_column(self, table: TableRef, column: str, spec: TypeSpec | None) -> None:
        """Record a column's (new) type; a table no file created gets an entry of its own."""
        columns = self._columns(table)
        if columns is None:
            columns = {}
            self.columns.append((table, columns))
        columns[column] = spec

    def drop_column(self, table: TableRef, column: str) -> None:
        """Forget a dropped column and the checks that proved it not null."""
        columns = self._columns(table)
        if columns is not None:
            columns.pop(column, None)
        self.checks = [c for c in self.checks if not (c.table.matches(table) and c.not_null_column == column)]

    def rename_column(self, table: TableRef, old: str, new: str) -> None:
        """Carry a column's type and not-null checks over to its new name."""
        columns = self._columns(table)
        if columns is not None and old in columns:
            columns[new] = columns.pop(old)
        for check in self.checks:
            if check.table.matches(table) and check.not_null_column == old:
                check.not_null_column = new

    def rename_table(self, table: TableRef, new: TableRef) -> None:
        """Carry a table's columns and checks over to its new name."""
        self.columns = [(new if ref.matches(table) else ref, cols) for ref, cols in self.columns]
        for check in self.checks:
            if check.table.matches(table):
                check.table = new

    def drop_table(self, table: TableRef) -> None:
        """Forget a dropped table."""
        self.columns = [(ref, cols) for ref, cols in self.columns if not ref.matches(table)]
        self.checks = [c for c in self.checks if not c.table.matches(table)]


@dataclass
class FileContext:
    """One migration file being linted: its statements, the run's `History`, and what this file did so far."""

    file: MigrationFile
    statements: list[Statement]
    history: History
    created: list[TableRef] = field(default_factory=list)
    created_indexes: set[str] = field(default_factory=set)
    lock_timeout_set: bool = False
    in_transaction: bool = False
    reported: set[str] = field(default_factory=set)

    def is_new(self, table: TableRef) -> bool:
        """Whether an earlier statement of this file created `table` (nobody else can be using it)."""
        return any(t.matches(table) for t in self.created)

    def apply(self, statement: Statement) -> None:
        """Record what `statement` establishes, after the rules have judged it."""
        node = statement.node
        if isinstance(node, ast.CreateStmt):
            self._create_table(node)
        elif isinstance(node, ast.CreateTableAsStmt) and node.into is not None:
            self.created.append(table_ref(node.into.rel))
        elif isinstance(node, ast.IndexStmt) and node.idxname:
            self.created_indexes.add(node.idxname)
        elif isinstance(node, ast.AlterTableStmt) and node.relation is not None:
            for cmd in node.cmds or ():
                self._alter(table_ref(node.relation), cmd)
        elif isinstance(node, ast.RenameStmt):
            self._rename(node)
        elif isinstance(node, ast.DropStmt) and node.removeType == ObjectType.OBJECT_TABLE:
            for name in node.objects or ():
                table = name_ref(name)
                self.created = [t for t in self.created if not t.matches(table)]
                self.history.drop_table(table)
        elif isinstance(node, ast.VariableSetStmt) and node.name == "lock_timeout":
            self.lock_timeout_set = node.kind == VariableSetKind.VAR_SET_VALUE and not _is_zero(node.args)
        elif isinstance(node, ast.TransactionStmt):
            if node.kind in BEGIN_KINDS:
                self.in_transaction = True
            elif node.kind in END_KINDS:
                self.in_transaction = False

    def _create_table(self, node: ast.CreateStmt) -> None:
        """A new table: its columns' types and its validated CHECK constraints. ``IF NOT EXISTS`` may have
        found the table already there (in use), so it does not make the table new."""
        table = table_ref(node.relation)
        if not node.if_not_exists:
            self.created.append(table)
        columns = {}
        for element in node.tableElts or ():
            if isinstance(element, ast.ColumnDef):
                columns[element.colname] = type_spec(element.typeName)
                for constraint in column_constraints(element):
                    self._add_check(table, constraint, validated=True)
            elif isinstance(element, ast.Constraint):
                self._add_check(table, element, validated=True)
        self.history.define_table(table, columns)

    def _alter(self, table: TableRef, cmd: Any) -> None:
        """One ``ALTER TABLE`` sub-command's effect on the history."""
        if not isinstance(cmd, ast.AlterTableCmd):
            return
        if cmd.subtype == AlterTableType.AT_AddColumn and isinstance(cmd.def_, ast.ColumnDef):
            self.history.set_column(table, cmd.def_.colname, type_spec(cmd.def_.typeName))
            for constraint in column_constraints(cmd.def_):
                self._add_check(table, constraint, validated=True)
        elif cmd.subtype == AlterTableType.AT_AlterColumnType and isinstance(cmd.def_, ast.ColumnDef):
            self.history.set_column(table, cmd.name, type_spec(cmd.def_.typeName))
        elif cmd.subtype == AlterTableType.AT_DropColumn:
            self.history.drop_column(table, cmd.name)
        elif cmd.subtype == AlterTableType.AT_AddConstraint and isinstance(cmd.def_, ast.Constraint):
            self._add_check(table, cmd.def_, validated=not cmd.def_.skip_validation)
        elif cmd.subtype == AlterTableType.AT_ValidateConstraint:
            self._validate(table, cmd.name)
        elif cmd.subtype == AlterTableType.AT_DropConstraint:
            self.history.checks = [c for c in self.history.checks
                                   if not (c.name == cmd.name and c.table.matches(table))]

    def _add_check(self, table: TableRef, constraint: ast.Constraint, validated: bool) -> None:
        """Record a CHECK constraint (other kinds prove nothing about NULLs)."""
        if constraint.contype != ConstrType.CONSTR_CHECK:
            return
        self.history.checks.append(CheckFact(
            table=table, name=constraint.conname, not_null_column=_not_null_column(constraint.raw_expr), known=True,
            validated=validated, validated_in=self.file.display if validated else None))

    def _validate(self, table: TableRef, name: str) -> None:
        """``VALIDATE CONSTRAINT``: a known check becomes validated; an unknown one is recorded as such."""
        fact = self.history.check(table, name)
        if fact is None:
            fact = CheckFact(table=table, name=name, not_null_column=None, known=False, validated=False)
            self.history.checks.append(fact)
        fact.validated, fact.validated_in = True, self.file.display

    def _rename(self, node: ast.RenameStmt) -> None:
        """Renamed tables stay new if they were; renamed columns keep their type and checks."""
        if node.relation is None:
            return
        table = table_ref(node.relation)
        if node.renameType == ObjectType.OBJECT_TABLE:
            new = TableRef(schema=table.schema, name=node.newname)
            self.created = [new if t.matches(table) else t for t in self.created]
            self.history.rename_table(table, new)
        elif node.renameType == ObjectType.OBJECT_COLUMN:
            self.history.rename_column(table, node.subname, node.newname)


def _not_null_column(expression: Any) -> str | None:
    """The column of a ``col IS NOT NULL`` check expression, else None."""
    if (isinstance(expression, ast.NullTest) and expression.nulltesttype == NullTestType.IS_NOT_NULL
            and isinstance(expression.arg, ast.ColumnRef)):
        names = strings(expression.arg.fields)
        return names[-1] if names else None
    return None


def _is_zero(args: Any) -> bool:
    """Whether ``SET lock_timeout`` turns the timeout off (0)."""
    for arg in args or ():
        value = getattr(arg, "val", None)
        text = getattr(value, "sval", None) if value is not None else None
        number = getattr(value, "ival", None) if value is not None else None
        if number == 0 or (text is not None and text.strip() in ("0", "0ms", "0s")):
            return True
    return False
