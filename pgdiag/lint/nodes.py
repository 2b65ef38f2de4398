"""Small readers of pglast nodes shared by the rules and the state: table names, types, calls, SQL text."""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any, Iterable

from pglast import ast
from pglast.enums import AlterTableType
from pglast.stream import RawStream

from pgdiag.core.calls import calls_and_reads
from pgdiag.core.sqltext import qualified


@dataclass(frozen=True)
class TableRef:
    """A table as a migration names it: `schema` is None when the statement leaves it to the search path."""

    schema: str | None
    name: str

    def matches(self, other: TableRef) -> bool:
        """Whether both names can be the same table (an unqualified name matches any schema)."""
        return self.name == other.name and (self.schema is None or other.schema is None or self.schema == other.schema)

    def sql(self) -> str:
        """The name as SQL, quoted as needed."""
        return qualified(self.schema, self.name)


@dataclass(frozen=True)
class TypeSpec:
    """A column type: its normalised name (``varchar``, ``numeric``, ``int4``...), modifiers and whether an array."""

    name: str
    mods: tuple[int, ...] = ()
    array: bool = False


def table_ref(relation: ast.RangeVar) -> TableRef:
    """The `TableRef` of a pglast ``RangeVar``."""
    return TableRef(schema=relation.schemaname, name=relation.relname)


def name_ref(name: Any) -> TableRef:
    """The `TableRef` of a name list as ``DROP`` statements hold it: String nodes ``[schema,] name``."""
    parts = strings(name)
    return TableRef(schema=parts[-2] if len(parts) > 1 else None, name=parts[-1])


def type_spec(type_name: ast.TypeName | None) -> TypeSpec | None:
    """The `TypeSpec` of a ``TypeName``; None when a modifier is not a plain integer or there is no type."""
    if type_name is None or not type_name.names:
        return None
    mods = []
    for mod in type_name.typmods or ():
        value = getattr(getattr(mod, "val", None), "ival", None)
        if value is None:
            return None
        mods.append(int(value))
    return TypeSpec(name=type_name.names[-1].sval.lower(), mods=tuple(mods), array=bool(type_name.arrayBounds))


def commands(node: Any, *subtypes: AlterTableType) -> Iterable[ast.AlterTableCmd]:
    """The ``ALTER TABLE`` sub-commands of `node` of the given kinds (none for other statements)."""
    if not isinstance(node, ast.AlterTableStmt):
        return ()
    return [cmd for cmd in node.cmds or () if isinstance(cmd, ast.AlterTableCmd) and cmd.subtype in subtypes]


def column_constraints(column: ast.ColumnDef) -> list[ast.Constraint]:
    """The constraints written on a column definition."""
    return [c for c in column.constraints or () if isinstance(c, ast.Constraint)]


def called_functions(node: Any) -> list[str]:
    """Lower-case names of the functions `node` calls anywhere inside it (``gen_random_uuid``, ``now``...)."""
    return [name.lower() for _, name in calls_and_reads(node)[0]]


def deparse(node: Any) -> str:
    """SQL text for a statement node, ending with a semicolon."""
    return RawStream()(node) + ";"


def altered(node: Any, **changes: Any) -> Any:
    """A copy of `node` with attributes changed; the parsed statement itself stays as written.

    The copy is shallow: it shares its children with `node`, so a change deeper down alters a copy of each
    level above it (``altered(node, cmds=(altered(cmd, def_=…),))``) and never a shared child. Printing a
    tree (`deparse`) only resets the ``ancestors`` slot pglast's printers read, on every node it prints."""
    clone = copy.copy(node)
    for name, value in changes.items():
        setattr(clone, name, value)
    return clone


def strings(values: Iterable[Any] | None) -> list[str]:
    """The texts of a list of pglast ``String`` nodes (column lists, names)."""
    return [v.sval for v in values or () if isinstance(v, ast.String)]
