"""Which statements wait for a lock on something that already exists, and which cannot run in a transaction."""

from __future__ import annotations

from typing import Any

from pglast import ast
from pglast.enums import AlterTableType, ConstrType, ObjectType

from pgdiag.lint.nodes import TableRef, column_constraints, commands, name_ref, table_ref
from pgdiag.lint.state import FileContext


def locks_existing(node: Any, context: FileContext) -> bool:
    """Whether the statement `node` needs a lock on a table or index that this migration did not create."""
    return bool(existing_locked_tables(node, context)) or any(
        name_ref(n).name not in context.created_indexes for n in _dropped_indexes(node))


def existing_locked_tables(node: Any, context: FileContext) -> list[TableRef]:
    """The tables the statement `node` waits to lock that this migration did not create, in statement order:
    the table it changes, and the tables its foreign keys reference (SHARE ROW EXCLUSIVE on each)."""
    found: list[TableRef] = []
    for table in _locked_tables(node):
        if not context.is_new(table) and not any(t.matches(table) for t in found):
            found.append(table)
    return found


def referenced_by_alter(node: Any) -> list[TableRef]:
    """The tables the foreign keys an ``ALTER TABLE`` adds reference (``ADD CONSTRAINT … FOREIGN KEY`` and
    ``ADD COLUMN … REFERENCES``): adding the key locks each of them SHARE ROW EXCLUSIVE, which waits for
    every transaction writing to it and blocks its writers until the migration commits."""
    constraints: list[ast.Constraint] = []
    for cmd in commands(node, AlterTableType.AT_AddConstraint):
        if isinstance(cmd.def_, ast.Constraint):
            constraints.append(cmd.def_)
    for cmd in commands(node, AlterTableType.AT_AddColumn):
        if isinstance(cmd.def_, ast.ColumnDef):
            constraints.extend(column_constraints(cmd.def_))
    return _foreign_key_targets(constraints)


def outside_transaction_command(node: Any) -> str | None:
    """The name of the command when `node` cannot run inside a transaction block, else None."""
    if isinstance(node, ast.IndexStmt) and node.concurrent:
        return "CREATE INDEX CONCURRENTLY"
    if isinstance(node, ast.DropStmt) and node.concurrent:
        return "DROP INDEX CONCURRENTLY"
    if isinstance(node, ast.ReindexStmt) and any(
            isinstance(p, ast.DefElem) and p.defname == "concurrently" for p in node.params or ()):
        return "REINDEX CONCURRENTLY"
    if isinstance(node, ast.VacuumStmt) and node.is_vacuumcmd:
        return "VACUUM"
    if any(isinstance(cmd.def_, ast.PartitionCmd) and cmd.def_.concurrent
           for cmd in commands(node, AlterTableType.AT_DetachPartition)):
        return "DETACH PARTITION CONCURRENTLY"
    return None


def _locked_tables(node: Any) -> list[TableRef]:
    """The tables whose lock the statement waits for."""
    if isinstance(node, (ast.IndexStmt, ast.AlterTableStmt, ast.RenameStmt, ast.ClusterStmt, ast.ReindexStmt,
                         ast.CreateTrigStmt)):
        relation = getattr(node, "relation", None)
        own = [table_ref(relation)] if relation is not None else []
        return own + referenced_by_alter(node)
    if isinstance(node, ast.DropStmt) and node.removeType == ObjectType.OBJECT_TABLE:
        return [name_ref(n) for n in node.objects or ()]
    if isinstance(node, (ast.TruncateStmt, ast.LockStmt)):
        return [table_ref(r) for r in node.relations or ()]
    if isinstance(node, ast.VacuumStmt):
        return [table_ref(r.relation) for r in node.rels or () if isinstance(r, ast.VacuumRelation) and r.relation]
    if isinstance(node, ast.CreateStmt):
        return _referenced_tables(node)
    return []


def _dropped_indexes(node: Any) -> list[Any]:
    """The names a ``DROP INDEX`` statement drops (each locks its table)."""
    if isinstance(node, ast.DropStmt) and node.removeType == ObjectType.OBJECT_INDEX:
        return list(node.objects or ())
    return []


def _referenced_tables(node: ast.CreateStmt) -> list[TableRef]:
    """Tables a new table's foreign keys reference: creating them locks those tables (SHARE ROW EXCLUSIVE)."""
    constraints = [e for e in node.tableElts or () if isinstance(e, ast.Constraint)]
    for column in node.tableElts or ():
        if isinstance(column, ast.ColumnDef):
            constraints.extend(column_constraints(column))
    return _foreign_key_targets(constraints)


def _foreign_key_targets(constraints: list[ast.Constraint]) -> list[TableRef]:
    """The referenced tables of the foreign keys among `constraints`."""
    return [table_ref(c.pktable) for c in constraints if c.contype == ConstrType.CONSTR_FOREIGN and c.pktable]
