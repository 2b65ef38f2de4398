"""The column names a query hands to whoever reads it (a CTE's or a derived table's columns).

They tell an unqualified column that belongs to a CTE or subquery in FROM apart from a table's
column, so a predicate on it is dropped instead of pinned on the wrong table.
"""

from __future__ import annotations

from typing import Collection, Iterable

from pglast import ast
from pglast.enums import SetOperation

Columns = Collection[str] | None
"""Known column names (only ever asked ``in``), or None when they cannot be told (``SELECT *``, functions)."""

UNNAMED = "?column?"


def output_columns(query: ast.Node | None) -> tuple[str, ...] | None:
    """The names of `query`'s output columns in order; None when a ``*`` hides them."""
    if isinstance(query, ast.SelectStmt):
        if query.op != SetOperation.SETOP_NONE:
            return output_columns(query.larg)
        if query.valuesLists:
            return tuple(f"column{i}" for i in range(1, len(query.valuesLists[0]) + 1))
        return _target_names(query.targetList or ())
    if isinstance(query, (ast.InsertStmt, ast.UpdateStmt, ast.DeleteStmt, ast.MergeStmt)):
        returning = query.returningClause
        return _target_names(returning.exprs or ()) if returning is not None else ()
    return None


def renamed(columns: tuple[str, ...] | None, alias: ast.Alias | None) -> Columns:
    """The columns as seen through `alias`: its column list renames the first columns."""
    names = tuple(n.sval for n in alias.colnames) if alias is not None and alias.colnames else ()
    if columns is None:
        return frozenset(names) if names else None
    return frozenset(names + columns[len(names):])


def _target_names(targets: Iterable[ast.ResTarget]) -> tuple[str, ...] | None:
    """The names PostgreSQL gives select-list entries: the alias, else the column or function name."""
    names: list[str] = []
    for target in targets:
        value = target.val
        while isinstance(value, ast.TypeCast):
            value = value.arg
        if target.name:
            names.append(target.name)
        elif isinstance(value, ast.ColumnRef):
            last = value.fields[-1]
            if isinstance(last, ast.A_Star):
                return None
            names.append(last.sval)
        elif isinstance(value, ast.FuncCall):
            names.append(value.funcname[-1].sval)
        else:
            names.append(UNNAMED)
    return tuple(names)
