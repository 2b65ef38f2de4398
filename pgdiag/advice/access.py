"""From a parsed statement to what it asks of each table: the `TableAccess` index candidates come from.

Only conditions an index can serve count: top-level (AND-ed) equality, IN and ``= ANY`` on a
parameter or constant, one range, and the block's ORDER BY when every sort key is on that one
table. A table reached only through joins contributes each join column on its own, as the inner
side of a nested loop would look it up.
"""

from __future__ import annotations

from typing import Iterator

from pgdiag.advice.candidates import TableAccess
from pgdiag.sql import Block, Statement, TableRef
from pgdiag.sql.workload import WorkloadStatement

EQUALITY_OPS = ("eq", "in", "any")
BOUND_VALUES = ("param", "const")
SCANNED_ROLES = ("read", "update_target", "delete_target", "merge_target")


def table_accesses(item: WorkloadStatement) -> Iterator[TableAccess]:
    """Every indexable access of `item` to a table, one per table reference (several for join-only ones)."""
    statement = item.statement
    for block in statement.blocks:
        for ref in statement.refs_in(block.id):
            if ref.role not in SCANNED_ROLES or ref.schema is None:
                continue
            yield from _accesses(statement, block, ref, item)


def _accesses(statement: Statement, block: Block, ref: TableRef, item: WorkloadStatement) -> Iterator[TableAccess]:
    """The access of one table reference: its own filters and sort, else its join columns one by one."""
    own = [p for p in block.predicates if p.ref == ref.id and p.top_level and p.value in BOUND_VALUES
           and not p.column_cast]  # an index on the column does not serve a condition on its cast
    equality = tuple(p.column for p in own if p.op in EQUALITY_OPS)
    ranges = tuple(p.column for p in own if p.op == "range")
    order_by = _sort_on(block, ref)
    if equality or ranges or order_by:
        limited = block.id == statement.top.id and block.limit is not None
        yield TableAccess(ref.schema, ref.table, equality, ranges, order_by, item.ref, limited)
        return
    for column in _join_columns(statement, ref):
        yield TableAccess(ref.schema, ref.table, (column,), statement=item.ref)


def _sort_on(block: Block, ref: TableRef) -> tuple[tuple[str, bool], ...]:
    """The block's ORDER BY as (column, descending) when every key is a plain column of `ref`."""
    keys = block.order_by
    if not keys or any(key.ref != ref.id or key.column is None for key in keys):
        return ()
    return tuple((key.column, key.descending) for key in keys)


def _join_columns(statement: Statement, ref: TableRef) -> tuple[str, ...]:
    """Columns of `ref` equated to another reference's column at the top level of some block."""
    columns: list[str] = []
    for block in statement.blocks:
        for join in block.joins:
            if not join.top_level:
                continue
            if join.left_ref == ref.id and join.right_ref != ref.id:
                columns.append(join.left_column)
            elif join.right_ref == ref.id and join.left_ref != ref.id:
                columns.append(join.right_column)
    return tuple(dict.fromkeys(columns))
