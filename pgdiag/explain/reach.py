"""Every function the server may call for a statement, found through the catalog before anything runs.

The statement's parse tree names functions (called by name or in attribute notation), operators, types it
casts to and relations it reads. The catalog turns those into functions (`explain_reachable_functions`):
every overload of a name, aggregates' support functions, operators' functions and estimators, casts'
functions. The relations and types lead to more SQL the server evaluates on the way
(`explain_reach_definitions`): views (recursively), row-level security policies, domain CHECK
constraints; and user SQL functions have bodies the planner may inline. Each such text is parsed like the
statement, until nothing new turns up. What pglast cannot parse counts as unknown.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterable

import pglast
import psycopg
from pglast import ast
from pglast.parser import ParseError
from psycopg import sql

from pgdiag.db import queries
from pgdiag.explain.allowlist import ReachedFunction
from pgdiag.core.calls import Name, references

QUERIES = ("explain_reach_definitions", "explain_reachable_functions", "explain_sql_function_bodies")
MAX_ROUNDS = 32  # views of views, policies reading tables with policies, SQL functions calling SQL functions


@dataclass
class Reach:
    """What a statement can reach: functions, and the texts pglast could not parse (whose calls are unknown)."""

    functions: list[ReachedFunction] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)


@dataclass
class _Names:
    """The names gathered so far from the statement and every text it leads to."""

    functions: dict[Name, None] = field(default_factory=dict)
    attributes: dict[str, None] = field(default_factory=dict)
    operators: dict[Name, None] = field(default_factory=dict)
    types: dict[Name, None] = field(default_factory=dict)
    relations: dict[Name, bool] = field(default_factory=dict)  # True: reached behind a view, policy or function

    def add(self, node: ast.Node, direct: bool) -> None:
        """Gather the names in `node`."""
        found = references(node)
        self.functions.update(dict.fromkeys(found.functions))
        self.attributes.update(dict.fromkeys(found.attributes))
        self.operators.update(dict.fromkeys(found.operators))
        self.types.update(dict.fromkeys(found.types))
        for relation in found.relations:
            self.relations[relation] = self.relations.get(relation, False) or not direct


def reach(conn: psycopg.Connection, tree: ast.Node) -> Reach:
    """The functions the statement `tree` can reach on `conn`'s database (see the module docstring)."""
    names = _Names()
    names.add(tree, direct=True)
    result = Reach()
    expanded: set[tuple[str, Name, bool]] = set()
    parsed_bodies: set[tuple[str, str]] = set()
    for _ in range(MAX_ROUNDS):
        pending = ({("relation", name, indirect) for name, indirect in names.relations.items()}
                   | {("type", name, False) for name in names.types})
        pending -= expanded
        if pending:
            expanded |= pending
            for kind, owner, definition in _definitions(conn, pending):
                _parse_into(names, result, f"{kind} {owner}", definition)
            continue
        found = _functions(conn, names)
        result.functions = [function for function, _ in found]
        bodies = set(_bodies(conn, [oid for _, oid in found if oid is not None])) - parsed_bodies
        if not bodies:
            return result
        for name, body in sorted(bodies):
            parsed_bodies.add((name, body))
            _parse_into(names, result, f"the body of {name}", body)
    result.unknown.append(f"more than {MAX_ROUNDS} levels of views, policies and SQL functions")
    return result


def _parse_into(names: _Names, result: Reach, owner: str, text: str) -> None:
    """Gather the names in `text` (one or more statements), or note `owner` as unknown."""
    try:
        for raw in pglast.parse_sql(text):
            names.add(raw.stmt, direct=False)
    except ParseError:  # the server prints what it parses; pglast may lag a major behind
        result.unknown.append(owner)


def _definitions(conn: psycopg.Connection, pending: set[tuple[str, Name, bool]]) -> list[tuple]:
    """(kind, owner, definition) of the views, policies and domain checks the pending relations (reached
    directly or not) and types lead to. A relation reached directly first and behind a view later comes
    again, for the policies of every role."""
    relations = [(name, indirect) for kind, name, indirect in pending if kind == "relation"]
    types = [name for kind, name, _ in pending if kind == "type"]
    query = sql.SQL(queries.get("explain_reach_definitions", conn.info.server_version)).format(
        names=_texts(name for (_, name), _ in relations), schemas=_texts(schema for (schema, _), _ in relations),
        direct=sql.Literal([not indirect for _, indirect in relations]),
        type_names=_texts(name for _, name in types), type_schemas=_texts(schema for schema, _ in types))
    with conn.cursor() as cursor:
        cursor.execute(query)
        return cursor.fetchall()


def _functions(conn: psycopg.Connection, names: _Names) -> list[tuple[ReachedFunction, int | None]]:
    """Every function the gathered names lead to, with the oid of those that are user SQL functions."""
    query = sql.SQL(queries.get("explain_reachable_functions", conn.info.server_version)).format(
        call_names=_texts(name for _, name in names.functions),
        call_schemas=_texts(schema for schema, _ in names.functions),
        attributes=_texts(names.attributes),
        op_names=_texts(name for _, name in names.operators),
        op_schemas=_texts(schema for schema, _ in names.operators),
        type_names=_texts(name for _, name in names.types), type_schemas=_texts(schema for schema, _ in names.types),
        rel_names=_texts(name for _, name in names.relations),
        rel_schemas=_texts(schema for schema, _ in names.relations))
    with conn.cursor() as cursor:
        cursor.execute(query)
        return [(ReachedFunction(name, via, bool(builtin), volatility, bool(aggregate)), oid if user_sql else None)
                for oid, name, via, builtin, volatility, aggregate, user_sql in cursor.fetchall()]


def _bodies(conn: psycopg.Connection, oids: list[int]) -> list[tuple[str, str]]:
    """(schema.name, body) of the user SQL functions `oids`."""
    if not oids:
        return []
    query = sql.SQL(queries.get("explain_sql_function_bodies", conn.info.server_version)).format(
        oids=sql.Literal(sorted(set(oids))))
    with conn.cursor() as cursor:
        cursor.execute(query)
        return cursor.fetchall()


def _texts(values: Iterable[str]) -> sql.Composable:
    """A text[] literal of `values`."""
    return sql.Literal(list(values))
