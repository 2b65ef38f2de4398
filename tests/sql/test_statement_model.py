"""The statement model, case by case: one SQL text in, every fact PostgreSQL's semantics say it holds out.

Each `Case` is a statement (with its search path and, when it matters, a small column catalogue)
and the whole model expected of it in a compact form; `render` turns an `Analysis` into the same
form, so one comparison covers everything and a wrong extra predicate fails as surely as a missing
one. Pure parsing: no database.

Compact form (see `render`):

- refs: ``(schema, table, alias, role, block id)``, in statement order;
- blocks, in id order: a dict with ``context``, ``parent`` (absent for the top block) and only the
  facts that are set: ``cte_name``, ``set_op``, ``where`` and ``on`` predicates
  ``(name, column, op, value, params, top_level)`` by where they are written, ``joins``
  ``("name.column", "name.column", top_level, "on" | "where")``, ``order_by``
  ``(name, column, descending)`` plus the NULLS placement when one is written, ``limit`` and
  ``offset`` (an int, ``"$n"``, or ``"expr"``), ``grouped``, ``distinct``;
- a reference's name is its alias, else its table, suffixed ``#id`` when two references share it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Collection

import pytest

from pgdiag.sql import Analysis, Statement, analyze
from pgdiag.sql.build import ColumnLookup

Catalogue = dict[tuple[str, str], list[str]]

SHOP: Catalogue = {
    ("public", "orders"): ["id", "customer_id", "status", "total", "created_at"],
    ("public", "customers"): ["id", "name", "email", "region"],
    ("public", "items"): ["id", "order_id", "sku", "price"],
}


@dataclass(frozen=True)
class Case:
    """One statement and the model expected of it."""

    id: str
    sql: str
    refs: tuple[tuple[Any, ...], ...] = ()
    blocks: tuple[dict[str, Any], ...] = ()
    command: str = "select"
    writes_data: bool = False
    n_params: int = 0
    kind: str = "ok"
    search_path: tuple[str, ...] = ("public",)
    catalogue: Catalogue | None = None

    def expected(self) -> dict[str, Any]:
        """The compact form `render` must produce."""
        if self.kind != "ok":
            return {"kind": self.kind}
        return {"kind": "ok", "command": self.command, "writes_data": self.writes_data, "n_params": self.n_params,
                "refs": list(self.refs), "blocks": list(self.blocks)}


def top(**facts: Any) -> dict[str, Any]:
    """The outermost block with `facts`."""
    return {"context": "top", **facts}


def child(context: str, parent: int, **facts: Any) -> dict[str, Any]:
    """A nested block of `context` under block `parent`, with `facts`."""
    return {"context": context, "parent": parent, **facts}


def render(analysis: Analysis) -> dict[str, Any]:
    """`analysis` in the compact form of the cases (module docstring)."""
    if analysis.kind != "ok":
        return {"kind": analysis.kind}
    statement = analysis.statement
    assert statement is not None
    names = [ref.name for ref in statement.refs]

    def name(ref_id: int) -> str:
        return names[ref_id] if names.count(names[ref_id]) == 1 else f"{names[ref_id]}#{ref_id}"

    blocks = []
    for block in statement.blocks:
        out: dict[str, Any] = {"context": block.context}
        if block.parent is not None:
            out["parent"] = block.parent
        if block.cte_name is not None:
            out["cte_name"] = block.cte_name
        if block.set_op is not None:
            out["set_op"] = block.set_op
        for source, key in (("where", "where"), ("join_on", "on")):
            predicates = [(name(p.ref), p.column, p.op, p.value, p.params, p.top_level)
                          for p in block.predicates if p.source == source]
            if predicates:
                out[key] = predicates
        if block.joins:
            out["joins"] = [(f"{name(j.left_ref)}.{j.left_column}", f"{name(j.right_ref)}.{j.right_column}",
                             j.top_level, "on" if j.source == "join_on" else "where") for j in block.joins]
        if block.order_by:
            out["order_by"] = [(None if k.ref is None else name(k.ref), k.column, k.descending)
                               + ((k.nulls,) if k.nulls is not None else ()) for k in block.order_by]
        for key, bound in (("limit", block.limit), ("offset", block.offset)):
            if bound is not None:
                out[key] = bound.value if bound.value is not None else \
                    f"${bound.param}" if bound.param is not None else "expr"
        if block.grouped:
            out["grouped"] = True
        if block.distinct:
            out["distinct"] = True
        blocks.append(out)
    return {"kind": "ok", "command": statement.command, "writes_data": statement.writes_data,
            "n_params": statement.n_params,
            "refs": [(r.schema, r.table, r.alias, r.role, r.block) for r in statement.refs], "blocks": blocks}


def lookup(catalogue: Catalogue | None) -> ColumnLookup | None:
    """The catalogue as the `columns` callable `analyze` takes (None when there is no catalogue)."""
    if catalogue is None:
        return None

    def columns(schema: str, table: str) -> Collection[str] | None:
        return catalogue.get((schema, table))
    return columns


PRISMA_FIND_MANY = ('SELECT "public"."Alert"."id", "public"."Alert"."status" FROM "public"."Alert" '
                    'WHERE ("public"."Alert"."organizationId" = $1 AND "public"."Alert"."deletedAt" IS NULL) '
                    'ORDER BY "public"."Alert"."createdAt" DESC LIMIT $2 OFFSET $3')
PRISMA_RELATION_JOIN = (
    'SELECT "t0"."id", "t0"."email", "User_comments"."__prisma_data__" AS "comments" FROM "public"."User" AS "t0" '
    'LEFT JOIN LATERAL (SELECT COALESCE(JSONB_AGG("__prisma_data__"), \'[]\') AS "__prisma_data__" FROM '
    '(SELECT "t3"."__prisma_data__" FROM (SELECT JSONB_BUILD_OBJECT(\'id\', "t2"."id", \'content\', "t2"."content") '
    'AS "__prisma_data__" FROM (SELECT "t1".* FROM "public"."Comment" AS "t1" WHERE "t0"."id" = "t1"."authorId" '
    '/* root select */) AS "t2" /* inner select */) AS "t3" /* middle select */) AS "t4" /* outer select */) '
    'AS "User_comments" ON true WHERE "t0"."email" = $1 LIMIT $2')

ORDERS = ("public", "orders", None, "read", 0)

CASES = [
    # Predicates -------------------------------------------------------------------------------
    Case("eq_param_and_const",
         "SELECT id FROM orders WHERE status = 'open' AND customer_id = $1",
         refs=(ORDERS,), n_params=1,
         blocks=(top(where=[("orders", "status", "eq", "const", (), True),
                            ("orders", "customer_id", "eq", "param", (1,), True)]),)),
    Case("value_written_first_is_filed_column_first",
         "SELECT id FROM orders WHERE $1 = customer_id AND 100 < total",
         refs=(ORDERS,), n_params=1,
         blocks=(top(where=[("orders", "customer_id", "eq", "param", (1,), True),
                            ("orders", "total", "range", "const", (), True)]),)),
    Case("in_list",
         "SELECT id FROM orders WHERE id IN ($1, $2, $3) AND status IN ('open', 'paid') AND customer_id IN (7, $4)",
         refs=(ORDERS,), n_params=4,
         blocks=(top(where=[("orders", "id", "in", "param", (1, 2, 3), True),
                            ("orders", "status", "in", "const", (), True),
                            ("orders", "customer_id", "in", "param", (4,), True)]),)),
    Case("eq_any_array",
         "SELECT id FROM orders WHERE id = ANY($1) AND customer_id = ANY($2::int[]) AND status = ANY(ARRAY['a', $3])",
         refs=(ORDERS,), n_params=3,
         blocks=(top(where=[("orders", "id", "any", "param", (1,), True),
                            ("orders", "customer_id", "any", "param", (2,), True),
                            ("orders", "status", "any", "param", (3,), True)]),)),
    Case("quantified_comparisons",
         "SELECT id FROM orders WHERE total < ANY($1) AND status <> ANY($2) AND id = ALL($3) "
         "AND customer_id <> ALL($4)",
         refs=(ORDERS,), n_params=4,
         blocks=(top(where=[("orders", "total", "range", "param", (1,), True),
                            ("orders", "status", "other", "param", (2,), True),
                            ("orders", "id", "other", "param", (3,), True),
                            ("orders", "customer_id", "neq", "param", (4,), True)]),)),
    Case("ranges",
         "SELECT id FROM orders WHERE created_at >= $1 AND created_at < $2 AND total BETWEEN $3 AND 100 "
         "AND id NOT BETWEEN 5 AND 9",
         refs=(ORDERS,), n_params=3,
         blocks=(top(where=[("orders", "created_at", "range", "param", (1,), True),
                            ("orders", "created_at", "range", "param", (2,), True),
                            ("orders", "total", "range", "param", (3,), True),
                            ("orders", "id", "other", "const", (), True)]),)),
    Case("row_comparison_keyset_page",
         "SELECT id FROM orders WHERE customer_id = $1 AND (created_at, id) < ($2, $3) "
         "ORDER BY created_at DESC, id DESC LIMIT 20",
         refs=(ORDERS,), n_params=3,
         blocks=(top(where=[("orders", "customer_id", "eq", "param", (1,), True),
                            ("orders", "created_at", "range", "param", (2,), True)],
                     order_by=[("orders", "created_at", True), ("orders", "id", True)], limit=20),)),
    Case("row_equality_and_inequality",
         "SELECT id FROM orders WHERE (customer_id, status) = ($1, $2) AND (id, total) <> (1, 2)",
         refs=(ORDERS,), n_params=2,
         blocks=(top(where=[("orders", "customer_id", "eq", "param", (1,), True),
                            ("orders", "status", "eq", "param", (2,), True),
                            ("orders", "id", "neq", "const", (), False),
                            ("orders", "total", "neq", "const", (), False)]),)),
    Case("null_tests",
         'SELECT id FROM orders WHERE "deletedAt" IS NULL AND total IS NOT NULL',
         refs=(ORDERS,),
         blocks=(top(where=[("orders", "deletedAt", "is_null", "const", (), True),
                            ("orders", "total", "is_not_null", "const", (), True)]),)),
    Case("like_prefix_only_for_a_constant_leading_literal",
         "SELECT id FROM customers WHERE name LIKE 'abc%' AND email LIKE '%@example.com' AND region LIKE $1 "
         "AND name ILIKE 'abc%' AND email NOT LIKE 'x%'",
         refs=(("public", "customers", None, "read", 0),), n_params=1,
         blocks=(top(where=[("customers", "name", "like_prefix", "const", (), True),
                            ("customers", "email", "other", "const", (), True),
                            ("customers", "region", "other", "param", (1,), True),
                            ("customers", "name", "other", "const", (), True),
                            ("customers", "email", "other", "const", (), True)]),)),
    Case("negations_are_neq",
         "SELECT id FROM orders WHERE status <> $1 AND total != 0 AND id NOT IN ($2, $3) "
         "AND customer_id IS DISTINCT FROM $4",
         refs=(ORDERS,), n_params=4,
         blocks=(top(where=[("orders", "status", "neq", "param", (1,), True),
                            ("orders", "total", "neq", "const", (), True),
                            ("orders", "id", "neq", "param", (2, 3), True),
                            ("orders", "customer_id", "neq", "param", (4,), True)]),)),
    Case("null_safe_equality_is_not_indexable_eq",
         "SELECT id FROM orders WHERE customer_id IS NOT DISTINCT FROM $1",
         refs=(ORDERS,), n_params=1,
         blocks=(top(where=[("orders", "customer_id", "other", "param", (1,), True)]),)),
    Case("or_and_not_are_not_top_level",
         "SELECT id FROM orders WHERE customer_id = $1 AND (status = $2 OR total > $3) AND NOT (id = 4)",
         refs=(ORDERS,), n_params=3,
         blocks=(top(where=[("orders", "customer_id", "eq", "param", (1,), True),
                            ("orders", "status", "eq", "param", (2,), False),
                            ("orders", "total", "range", "param", (3,), False),
                            ("orders", "id", "eq", "const", (), False)]),)),
    Case("bare_boolean_column_is_eq_const",
         'SELECT id FROM customers WHERE "isActive" AND NOT archived',
         refs=(("public", "customers", None, "read", 0),),
         blocks=(top(where=[("customers", "isActive", "eq", "const", (), True),
                            ("customers", "archived", "eq", "const", (), False)]),)),
    Case("casts_keep_params",
         "SELECT id FROM orders WHERE id = $1::int AND created_at > $2::timestamptz LIMIT $3::bigint",
         refs=(ORDERS,), n_params=3,
         blocks=(top(where=[("orders", "id", "eq", "param", (1,), True),
                            ("orders", "created_at", "range", "param", (2,), True)], limit="$3"),)),
    Case("expressions_on_the_column_side_are_not_predicates",
         "SELECT id FROM orders WHERE lower(status) = $1 AND total + 1 > 3 AND orders.total = orders.id AND 1 = 1",
         refs=(ORDERS,), n_params=1,
         blocks=(top(),)),

    # Joins ------------------------------------------------------------------------------------
    Case("join_on",
         "SELECT o.id FROM orders o JOIN customers c ON c.id = o.customer_id AND c.region = $1 WHERE o.status = $2",
         refs=(("public", "orders", "o", "read", 0), ("public", "customers", "c", "read", 0)), n_params=2,
         blocks=(top(where=[("o", "status", "eq", "param", (2,), True)],
                     on=[("c", "region", "eq", "param", (1,), True)],
                     joins=[("c.id", "o.customer_id", True, "on")]),)),
    Case("join_using",
         "SELECT id FROM orders JOIN items USING (order_id) WHERE sku = $1",
         refs=(ORDERS, ("public", "items", None, "read", 0)), n_params=1,
         catalogue={("public", "orders"): ["order_id", "status"], ("public", "items"): ["order_id", "sku"]},
         blocks=(top(where=[("items", "sku", "eq", "param", (1,), True)],
                     joins=[("orders.order_id", "items.order_id", True, "on")]),)),
    Case("join_using_chain_keys_on_the_merged_left_column",
         "SELECT * FROM a JOIN b USING (id) JOIN c USING (id)",
         refs=(("public", "a", None, "read", 0), ("public", "b", None, "read", 0), ("public", "c", None, "read", 0)),
         blocks=(top(joins=[("a.id", "b.id", True, "on"), ("a.id", "c.id", True, "on")]),)),
    Case("comma_join_in_where",
         "SELECT o.id FROM orders o, customers c WHERE o.customer_id = c.id AND c.email = $1",
         refs=(("public", "orders", "o", "read", 0), ("public", "customers", "c", "read", 0)), n_params=1,
         blocks=(top(where=[("c", "email", "eq", "param", (1,), True)],
                     joins=[("o.customer_id", "c.id", True, "where")]),)),
    Case("self_join_by_alias",
         "SELECT e.id FROM employees e JOIN employees m ON m.id = e.manager_id WHERE m.name = $1",
         refs=(("public", "employees", "e", "read", 0), ("public", "employees", "m", "read", 0)), n_params=1,
         blocks=(top(where=[("m", "name", "eq", "param", (1,), True)], joins=[("m.id", "e.manager_id", True, "on")]),)),
    Case("left_join_on_filters_only_the_nullable_side",
         "SELECT c.id FROM customers c LEFT JOIN orders o ON o.customer_id = c.id AND o.status = 'open' "
         "AND c.region = 'eu' WHERE c.email = $1",
         refs=(("public", "customers", "c", "read", 0), ("public", "orders", "o", "read", 0)), n_params=1,
         blocks=(top(where=[("c", "email", "eq", "param", (1,), True)],
                     on=[("o", "status", "eq", "const", (), True), ("c", "region", "eq", "const", (), False)],
                     joins=[("o.customer_id", "c.id", True, "on")]),)),
    Case("right_join_on_filters_only_the_left_side",
         "SELECT c.id FROM orders o RIGHT JOIN customers c ON o.customer_id = c.id AND c.region = 'eu' "
         "AND o.total > 100",
         refs=(("public", "orders", "o", "read", 0), ("public", "customers", "c", "read", 0)),
         blocks=(top(on=[("c", "region", "eq", "const", (), False), ("o", "total", "range", "const", (), True)],
                     joins=[("o.customer_id", "c.id", True, "on")]),)),
    Case("full_join_on_filters_neither_side",
         "SELECT 1 FROM orders o FULL JOIN customers c ON o.customer_id = c.id AND c.region = 'eu' AND o.total > 100",
         refs=(("public", "orders", "o", "read", 0), ("public", "customers", "c", "read", 0)),
         blocks=(top(on=[("c", "region", "eq", "const", (), False), ("o", "total", "range", "const", (), False)],
                     joins=[("o.customer_id", "c.id", True, "on")]),)),
    Case("join_keys_under_or_are_not_top_level",
         "SELECT 1 FROM orders o JOIN customers c ON c.id = o.customer_id OR c.email = o.status",
         refs=(("public", "orders", "o", "read", 0), ("public", "customers", "c", "read", 0)),
         blocks=(top(joins=[("c.id", "o.customer_id", False, "on"), ("c.email", "o.status", False, "on")]),)),

    # ORDER BY, LIMIT, OFFSET ------------------------------------------------------------------
    Case("order_desc_nulls_last_limit_offset",
         "SELECT id FROM orders ORDER BY created_at DESC NULLS LAST, id LIMIT 50 OFFSET 100",
         refs=(ORDERS,),
         blocks=(top(order_by=[("orders", "created_at", True, "last"), ("orders", "id", False)], limit=50,
                     offset=100),)),
    Case("limit_all_is_no_limit",
         "SELECT id FROM orders ORDER BY id NULLS FIRST LIMIT ALL OFFSET $1",
         refs=(ORDERS,), n_params=1,
         blocks=(top(order_by=[("orders", "id", False, "first")], offset="$1"),)),
    Case("limit_null_and_expression_offset",
         "SELECT id FROM orders LIMIT NULL OFFSET $1 * 20",
         refs=(ORDERS,), n_params=1,
         blocks=(top(offset="expr"),)),
    Case("fetch_first_rows_only",
         "SELECT id FROM orders ORDER BY id OFFSET 10 ROWS FETCH FIRST 5 ROWS ONLY",
         refs=(ORDERS,),
         blocks=(top(order_by=[("orders", "id", False)], limit=5, offset=10),)),
    Case("fetch_first_row_only_is_one",
         "SELECT id FROM orders WHERE customer_id = $1 FETCH FIRST ROW ONLY",
         refs=(ORDERS,), n_params=1,
         blocks=(top(where=[("orders", "customer_id", "eq", "param", (1,), True)], limit=1),)),
    Case("order_by_output_name_and_position",
         'SELECT "createdAt" AS created, title FROM "Post" ORDER BY created DESC, 2, lower(title)',
         refs=(("public", "Post", None, "read", 0),),
         blocks=(top(order_by=[("Post", "createdAt", True), ("Post", "title", False), (None, None, False)]),)),

    # Names ------------------------------------------------------------------------------------
    Case("prisma_find_many",
         PRISMA_FIND_MANY,
         refs=(("public", "Alert", None, "read", 0),), n_params=3,
         blocks=(top(where=[("Alert", "organizationId", "eq", "param", (1,), True),
                            ("Alert", "deletedAt", "is_null", "const", (), True)],
                     order_by=[("Alert", "createdAt", True)], limit="$2", offset="$3"),)),
    Case("prisma_in_list",
         'SELECT "public"."Alert"."id", "public"."Alert"."title" FROM "public"."Alert" '
         'WHERE "public"."Alert"."id" IN ($1,$2,$3) OFFSET $4',
         refs=(("public", "Alert", None, "read", 0),), n_params=4,
         blocks=(top(where=[("Alert", "id", "in", "param", (1, 2, 3), True)], offset="$4"),)),
    Case("prisma_compound_key_in",
         'SELECT "public"."Membership"."role" FROM "public"."Membership" WHERE ("public"."Membership"."userId",'
         '"public"."Membership"."orgId") IN (($1,$2),($3,$4)) OFFSET $5',
         refs=(("public", "Membership", None, "read", 0),), n_params=5,
         blocks=(top(where=[("Membership", "userId", "in", "param", (1, 3), True),
                            ("Membership", "orgId", "in", "param", (2, 4), True)], offset="$5"),)),
    Case("prisma_count",
         'SELECT COUNT(*) AS "_count$_all" FROM (SELECT "public"."Alert"."id" FROM "public"."Alert" '
         'WHERE ("public"."Alert"."organizationId" = $1 AND 1=1) OFFSET $2) AS "sub"',
         refs=(("public", "Alert", None, "read", 1),), n_params=2,
         blocks=(top(grouped=True),
                 child("from_subquery", 0, where=[("Alert", "organizationId", "eq", "param", (1,), True)],
                       offset="$2"))),
    Case("prisma_relation_join_correlates_through_nested_derived_tables",
         PRISMA_RELATION_JOIN,
         refs=(("public", "User", "t0", "read", 0), ("public", "Comment", "t1", "read", 4)), n_params=2,
         blocks=(top(where=[("t0", "email", "eq", "param", (1,), True)], limit="$2"),
                 child("from_subquery", 0, grouped=True),
                 child("from_subquery", 1),
                 child("from_subquery", 2),
                 child("from_subquery", 3, joins=[("t0.id", "t1.authorId", True, "where")]))),
    Case("unquoted_names_fold_to_lower_case",
         "SELECT O.Id FROM Public.Orders O WHERE O.Status = $1 AND Public.Orders.Id = 2",
         refs=(("public", "orders", "o", "read", 0),), n_params=1,
         blocks=(top(where=[("o", "status", "eq", "param", (1,), True)]),)),
    Case("schema_qualified_column",
         'SELECT 1 FROM app."Order" WHERE app."Order"."id" = $1 AND "Order"."total" > 0',
         refs=(("app", "Order", None, "read", 0),), n_params=1,
         blocks=(top(where=[("Order", "id", "eq", "param", (1,), True),
                            ("Order", "total", "range", "const", (), True)]),)),

    # Search path --------------------------------------------------------------------------------
    Case("search_path_first_schema_that_has_the_table",
         "SELECT 1 FROM orders o JOIN customers c ON c.id = o.customer_id",
         search_path=("tenant_1", "public"),
         catalogue={("tenant_1", "orders"): ["id", "customer_id"], ("public", "orders"): ["id"],
                    ("public", "customers"): ["id"]},
         refs=(("tenant_1", "orders", "o", "read", 0), ("public", "customers", "c", "read", 0)),
         blocks=(top(joins=[("c.id", "o.customer_id", True, "on")]),)),
    Case("search_path_without_catalogue_is_its_first_schema",
         "SELECT 1 FROM orders, public.customers",
         search_path=("app", "public"),
         refs=(("app", "orders", None, "read", 0), ("public", "customers", None, "read", 0)),
         blocks=(top(),)),
    Case("empty_search_path_leaves_schema_unknown",
         "SELECT 1 FROM orders WHERE id = 1",
         search_path=(),
         refs=((None, "orders", None, "read", 0),),
         blocks=(top(where=[("orders", "id", "eq", "const", (), True)]),)),

    # Unqualified columns -------------------------------------------------------------------------
    Case("unqualified_columns_resolved_by_catalogue",
         "SELECT 1 FROM orders o JOIN customers c ON c.id = o.customer_id WHERE status = $1 AND email = $2 AND id = 3",
         catalogue=SHOP,
         refs=(("public", "orders", "o", "read", 0), ("public", "customers", "c", "read", 0)), n_params=2,
         blocks=(top(where=[("o", "status", "eq", "param", (1,), True), ("c", "email", "eq", "param", (2,), True)],
                     joins=[("c.id", "o.customer_id", True, "on")]),)),
    Case("unqualified_columns_of_a_join_without_catalogue_are_dropped",
         "SELECT 1 FROM orders o JOIN customers c ON c.id = o.customer_id WHERE status = $1 AND email = $2",
         refs=(("public", "orders", "o", "read", 0), ("public", "customers", "c", "read", 0)), n_params=2,
         blocks=(top(joins=[("c.id", "o.customer_id", True, "on")]),)),
    Case("unqualified_column_hidden_behind_an_unknown_table_is_dropped",
         "SELECT 1 FROM orders o JOIN audit a ON a.order_id = o.id WHERE status = $1",
         catalogue=SHOP,
         refs=(("public", "orders", "o", "read", 0), ("public", "audit", "a", "read", 0)), n_params=1,
         blocks=(top(joins=[("a.order_id", "o.id", True, "on")]),)),
    Case("unqualified_column_missing_inside_resolves_outside",
         "SELECT id FROM orders WHERE EXISTS (SELECT 1 FROM items WHERE order_id = orders.id AND status = $1)",
         catalogue=SHOP,
         refs=(ORDERS, ("public", "items", None, "read", 1)), n_params=1,
         blocks=(top(),
                 child("where_subquery", 0, where=[("orders", "status", "eq", "param", (1,), True)],
                       joins=[("items.order_id", "orders.id", True, "where")]))),
    Case("table_name_hidden_by_its_alias",
         "SELECT 1 FROM orders o WHERE orders.id = $1",
         refs=(("public", "orders", "o", "read", 0),), n_params=1,
         blocks=(top(),)),

    # CTEs ---------------------------------------------------------------------------------------
    Case("cte_is_its_own_block_and_not_a_table",
         "WITH recent AS (SELECT id, customer_id, total FROM orders WHERE created_at > $1) "
         "SELECT c.name FROM recent r JOIN customers c ON c.id = r.customer_id WHERE r.id = $2 AND total > 100",
         catalogue=SHOP,
         refs=(("public", "orders", None, "read", 1), ("public", "customers", "c", "read", 0)), n_params=2,
         blocks=(top(on=[("c", "id", "eq", "column", (), True)]),
                 child("cte", 0, cte_name="recent",
                       where=[("orders", "created_at", "range", "param", (1,), True),
                              # PostgreSQL 12+ inlines a CTE read once: conditions on it filter its table
                              ("orders", "id", "eq", "param", (2,), True),
                              ("orders", "total", "range", "const", (), True)]))),
    Case("materialized_cte_is_a_fence",
         "WITH recent AS MATERIALIZED (SELECT id, total FROM orders) SELECT total FROM recent WHERE id = $1",
         catalogue=SHOP, refs=(("public", "orders", None, "read", 1),), n_params=1,
         blocks=(top(), child("cte", 0, cte_name="recent"))),
    Case("cte_read_twice_is_a_fence",
         "WITH o AS (SELECT * FROM orders) SELECT a.id FROM o a, o b WHERE a.id = $1 AND b.id = $2",
         catalogue=SHOP, refs=(("public", "orders", None, "read", 1),), n_params=2,
         blocks=(top(), child("cte", 0, cte_name="o"))),
    Case("derived_table_star_hands_conditions_down",
         "SELECT * FROM (SELECT * FROM orders) d WHERE d.customer_id = $1",
         catalogue=SHOP, refs=(("public", "orders", None, "read", 1),), n_params=1,
         blocks=(top(), child("from_subquery", 0, where=[("orders", "customer_id", "eq", "param", (1,), True)]))),
    Case("recursive_cte",
         "WITH RECURSIVE tree AS (SELECT id, parent_id FROM nodes WHERE id = $1 UNION ALL "
         "SELECT n.id, n.parent_id FROM nodes n JOIN tree t ON n.parent_id = t.id) SELECT id FROM tree",
         refs=(("public", "nodes", None, "read", 2), ("public", "nodes", "n", "read", 3)), n_params=1,
         blocks=(top(),
                 child("cte", 0, cte_name="tree"),
                 child("set_branch", 1, set_op="union_all", where=[("nodes", "id", "eq", "param", (1,), True)]),
                 child("set_branch", 1, set_op="union_all", on=[("n", "parent_id", "eq", "column", (), True)]))),
    Case("data_modifying_cte",
         "WITH gone AS (DELETE FROM sessions WHERE expires_at < $1 RETURNING user_id) SELECT count(*) FROM gone",
         refs=(("public", "sessions", None, "delete_target", 1),), writes_data=True, n_params=1,
         blocks=(top(grouped=True),
                 child("cte", 0, cte_name="gone", where=[("sessions", "expires_at", "range", "param", (1,), True)]))),
    Case("dml_target_is_a_table_even_when_a_cte_has_its_name",
         "WITH orders AS (SELECT 1 AS id) DELETE FROM orders WHERE id IN (SELECT id FROM orders)",
         command="delete", writes_data=True,
         refs=(("public", "orders", None, "delete_target", 0),),
         blocks=(top(where=[("orders", "id", "in", "subquery", (), True)]),
                 child("cte", 0, cte_name="orders"),
                 child("where_subquery", 0))),

    # Subqueries ---------------------------------------------------------------------------------
    Case("from_subquery",
         "SELECT s.n FROM (SELECT customer_id, count(*) AS n FROM orders WHERE status = $1 GROUP BY customer_id) s "
         "WHERE s.n > 5 ORDER BY s.n DESC LIMIT 10",
         refs=(("public", "orders", None, "read", 1),), n_params=1,
         blocks=(top(order_by=[(None, None, True)], limit=10),
                 child("from_subquery", 0, where=[("orders", "status", "eq", "param", (1,), True)], grouped=True))),
    Case("in_and_exists_subqueries",
         "SELECT o.id FROM orders o WHERE o.customer_id IN (SELECT c.id FROM customers c WHERE c.email = $1) "
         "AND EXISTS (SELECT 1 FROM items i WHERE i.order_id = o.id AND i.sku = $2)",
         refs=(("public", "orders", "o", "read", 0), ("public", "customers", "c", "read", 1),
               ("public", "items", "i", "read", 2)), n_params=2,
         blocks=(top(where=[("o", "customer_id", "in", "subquery", (), True)]),
                 child("where_subquery", 0, where=[("c", "email", "eq", "param", (1,), True)]),
                 child("where_subquery", 0, where=[("i", "sku", "eq", "param", (2,), True)],
                       joins=[("i.order_id", "o.id", True, "where")]))),
    Case("not_in_and_not_exists_subqueries",
         "SELECT o.id FROM orders o WHERE o.id NOT IN (SELECT r.order_id FROM refunds r) "
         "AND NOT EXISTS (SELECT 1 FROM items i WHERE i.order_id = o.id)",
         refs=(("public", "orders", "o", "read", 0), ("public", "refunds", "r", "read", 1),
               ("public", "items", "i", "read", 2)),
         blocks=(top(where=[("o", "id", "neq", "subquery", (), True)]),
                 child("where_subquery", 0),
                 child("where_subquery", 0, joins=[("i.order_id", "o.id", True, "where")]))),
    Case("subquery_under_or_is_not_top_level_but_its_own_conditions_are",
         "SELECT o.id FROM orders o WHERE o.status = $1 OR o.customer_id IN (SELECT c.id FROM customers c "
         "WHERE c.region = $2)",
         refs=(("public", "orders", "o", "read", 0), ("public", "customers", "c", "read", 1)), n_params=2,
         blocks=(top(where=[("o", "status", "eq", "param", (1,), False),
                            ("o", "customer_id", "in", "subquery", (), False)]),
                 child("where_subquery", 0, where=[("c", "region", "eq", "param", (2,), True)]))),
    Case("correlated_scalar_subquery_in_select_list",
         'SELECT c.id, (SELECT max(o.created_at) FROM orders o WHERE o.id = c."orderId") FROM customers c',
         refs=(("public", "customers", "c", "read", 0), ("public", "orders", "o", "read", 1)),
         blocks=(top(), child("select_subquery", 0, grouped=True, joins=[("o.id", "c.orderId", True, "where")]))),
    Case("lateral_subquery_correlates_with_earlier_from_item",
         "SELECT c.name, o.id FROM customers c CROSS JOIN LATERAL (SELECT id FROM orders "
         "WHERE orders.customer_id = c.id ORDER BY created_at DESC LIMIT 3) o",
         refs=(("public", "customers", "c", "read", 0), ("public", "orders", None, "read", 1)),
         blocks=(top(),
                 child("from_subquery", 0, joins=[("orders.customer_id", "c.id", True, "where")],
                       order_by=[("orders", "created_at", True)], limit=3))),

    # Set operations -----------------------------------------------------------------------------
    Case("union_chain_is_flat_and_sorted_as_a_whole",
         "SELECT id FROM a WHERE x = 1 UNION SELECT id FROM b WHERE y = $1 UNION SELECT id FROM c "
         "ORDER BY id DESC LIMIT 10",
         refs=(("public", "a", None, "read", 1), ("public", "b", None, "read", 2), ("public", "c", None, "read", 3)),
         n_params=1,
         blocks=(top(order_by=[(None, None, True)], limit=10),
                 child("set_branch", 0, set_op="union", where=[("a", "x", "eq", "const", (), True)]),
                 child("set_branch", 0, set_op="union", where=[("b", "y", "eq", "param", (1,), True)]),
                 child("set_branch", 0, set_op="union"))),
    Case("union_all_with_intersect_nests_by_precedence",
         "SELECT id FROM a UNION ALL SELECT id FROM b INTERSECT SELECT id FROM c",
         refs=(("public", "a", None, "read", 1), ("public", "b", None, "read", 3), ("public", "c", None, "read", 4)),
         blocks=(top(),
                 child("set_branch", 0, set_op="union_all"),
                 child("set_branch", 0, set_op="union_all"),
                 child("set_branch", 2, set_op="intersect"),
                 child("set_branch", 2, set_op="intersect"))),
    Case("parenthesised_branch_keeps_its_own_order_and_limit",
         "(SELECT id FROM a ORDER BY id LIMIT 1) EXCEPT ALL (SELECT id FROM a WHERE id = 2)",
         refs=(("public", "a", None, "read", 1), ("public", "a", None, "read", 2)),
         blocks=(top(),
                 child("set_branch", 0, set_op="except_all", order_by=[("a#0", "id", False)], limit=1),
                 child("set_branch", 0, set_op="except_all", where=[("a#1", "id", "eq", "const", (), True)]))),

    # Data-modifying statements --------------------------------------------------------------------
    Case("update_where",
         "UPDATE orders SET status = $1 WHERE id = $2",
         command="update", writes_data=True, n_params=2,
         refs=(("public", "orders", None, "update_target", 0),),
         blocks=(top(where=[("orders", "id", "eq", "param", (2,), True)]),)),
    Case("update_from",
         "UPDATE orders o SET status = 'vip' FROM customers c WHERE c.id = o.customer_id AND c.region = $1",
         command="update", writes_data=True, n_params=1,
         refs=(("public", "orders", "o", "update_target", 0), ("public", "customers", "c", "read", 0)),
         blocks=(top(where=[("c", "region", "eq", "param", (1,), True)],
                     joins=[("c.id", "o.customer_id", True, "where")]),)),
    Case("update_set_with_correlated_subquery",
         "UPDATE orders o SET total = (SELECT sum(i.price) FROM items i WHERE i.order_id = o.id) WHERE o.id = $1",
         command="update", writes_data=True, n_params=1,
         refs=(("public", "orders", "o", "update_target", 0), ("public", "items", "i", "read", 1)),
         blocks=(top(where=[("o", "id", "eq", "param", (1,), True)]),
                 child("select_subquery", 0, grouped=True, joins=[("i.order_id", "o.id", True, "where")]))),
    Case("delete_where",
         "DELETE FROM orders WHERE created_at < $1 AND status = 'cancelled'",
         command="delete", writes_data=True, n_params=1,
         refs=(("public", "orders", None, "delete_target", 0),),
         blocks=(top(where=[("orders", "created_at", "range", "param", (1,), True),
                            ("orders", "status", "eq", "const", (), True)]),)),
    Case("delete_using",
         "DELETE FROM orders o USING customers c WHERE c.id = o.customer_id AND c.deleted",
         command="delete", writes_data=True,
         refs=(("public", "orders", "o", "delete_target", 0), ("public", "customers", "c", "read", 0)),
         blocks=(top(where=[("c", "deleted", "eq", "const", (), True)],
                     joins=[("c.id", "o.customer_id", True, "where")]),)),
    Case("insert_values",
         "INSERT INTO orders (id, status) VALUES ($1, $2), ($3, $4)",
         command="insert", writes_data=True, n_params=4,
         refs=(("public", "orders", None, "insert_target", 0),),
         blocks=(top(), child("insert_select", 0))),
    Case("insert_default_values_still_has_a_source_block",
         "INSERT INTO orders DEFAULT VALUES",
         command="insert", writes_data=True,
         refs=(("public", "orders", None, "insert_target", 0),),
         blocks=(top(), child("insert_select", 0))),
    Case("insert_select",
         "INSERT INTO archive (id) SELECT id FROM orders WHERE status = $1 ORDER BY id LIMIT 1000",
         command="insert", writes_data=True, n_params=1,
         refs=(("public", "archive", None, "insert_target", 0), ("public", "orders", None, "read", 1)),
         blocks=(top(),
                 child("insert_select", 0, where=[("orders", "status", "eq", "param", (1,), True)],
                       order_by=[("orders", "id", False)], limit=1000))),
    Case("insert_on_conflict",
         "INSERT INTO counters AS c (key, n) VALUES ($1, 1) ON CONFLICT (key) DO UPDATE SET n = c.n + 1 "
         "WHERE c.locked = false",
         command="insert", writes_data=True, n_params=1,
         refs=(("public", "counters", "c", "insert_target", 0),),
         blocks=(top(), child("insert_select", 0))),
    Case("merge_with_not_matched_preserves_the_source",
         "MERGE INTO stock s USING deliveries d ON s.item_id = d.item_id AND d.qty > 0 AND s.active "
         "WHEN MATCHED THEN UPDATE SET qty = s.qty + d.qty "
         "WHEN NOT MATCHED THEN INSERT (item_id, qty) VALUES (d.item_id, d.qty)",
         command="merge", writes_data=True,
         refs=(("public", "stock", "s", "merge_target", 0), ("public", "deliveries", "d", "read", 0)),
         blocks=(top(on=[("d", "qty", "range", "const", (), False), ("s", "active", "eq", "const", (), True)],
                     joins=[("s.item_id", "d.item_id", True, "on")]),)),
    Case("merge_matched_only_is_an_inner_join",
         "MERGE INTO stock s USING (SELECT item_id FROM recalls WHERE batch = $1) r ON s.item_id = r.item_id "
         "AND s.qty > 0 WHEN MATCHED THEN DELETE",
         command="merge", writes_data=True, n_params=1,
         refs=(("public", "stock", "s", "merge_target", 0), ("public", "recalls", None, "read", 1)),
         blocks=(top(on=[("s", "item_id", "eq", "column", (), True), ("s", "qty", "range", "const", (), True)]),
                 child("from_subquery", 0, where=[("recalls", "batch", "eq", "param", (1,), True)]))),

    # GROUP BY, aggregates, DISTINCT -----------------------------------------------------------------
    Case("group_by_with_having",
         "SELECT status, count(*) FROM orders WHERE created_at > $1 GROUP BY status HAVING count(*) > $2",
         refs=(ORDERS,), n_params=2,
         blocks=(top(where=[("orders", "created_at", "range", "param", (1,), True)], grouped=True),)),
    Case("aggregate_without_group_by",
         "SELECT max(total) FROM orders WHERE customer_id = $1",
         refs=(ORDERS,), n_params=1,
         blocks=(top(where=[("orders", "customer_id", "eq", "param", (1,), True)], grouped=True),)),
    Case("window_function_is_not_grouping",
         "SELECT id, count(*) OVER (PARTITION BY customer_id) FROM orders",
         refs=(ORDERS,),
         blocks=(top(),)),
    Case("distinct_and_distinct_on",
         "SELECT DISTINCT ON (customer_id) customer_id, id FROM orders ORDER BY customer_id, created_at DESC",
         refs=(ORDERS,),
         blocks=(top(order_by=[("orders", "customer_id", False), ("orders", "created_at", True)], distinct=True),)),
    Case("distinct",
         "SELECT DISTINCT status FROM orders",
         refs=(ORDERS,),
         blocks=(top(distinct=True),)),

    # Kinds ------------------------------------------------------------------------------------------
    Case("vacuum_is_utility", "VACUUM ANALYZE orders", kind="utility"),
    Case("set_is_utility", "SET search_path = app, public", kind="utility"),
    Case("explain_is_utility", "EXPLAIN (ANALYZE) SELECT 1 FROM orders", kind="utility"),
    Case("syntax_error_is_unparsable", "SELEC id FROM orders", kind="unparsable"),
    Case("two_statements_are_unparsable", "SELECT 1; SELECT 2", kind="unparsable"),
    Case("pgdiag_marker", "SELECT /* pgdiag */ relname FROM pg_class", kind="pgdiag"),
]


def test_case_ids_are_unique() -> None:
    """Every case has its own id (pytest would otherwise run one under another's name)."""
    ids = [case.id for case in CASES]
    assert len(ids) == len(set(ids)) and len(ids) >= 45


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_statement_model(case: Case) -> None:
    """The statement's whole model is the one expected, and its ids and links are consistent."""
    analysis = analyze(case.sql, case.search_path, lookup(case.catalogue))
    assert render(analysis) == case.expected()
    assert (analysis.error is not None) == (analysis.kind == "unparsable")
    if analysis.statement is not None:
        assert_consistent(analysis.statement, case.sql)


def assert_consistent(statement: Statement, text: str) -> None:
    """Ids are positions, every block but the first has an earlier parent, every fact points at a reference."""
    assert statement.text == text
    assert [b.id for b in statement.blocks] == list(range(len(statement.blocks)))
    assert [r.id for r in statement.refs] == list(range(len(statement.refs)))
    assert statement.top.parent is None and all(b.parent is not None and b.parent < b.id
                                                for b in statement.blocks[1:])
    assert all(0 <= r.block < len(statement.blocks) for r in statement.refs)
    for block in statement.blocks:
        assert all(0 <= p.ref < len(statement.refs) for p in block.predicates)
        assert all(j.left_ref != j.right_ref for j in block.joins)


def test_expressions_nested_thousands_deep_are_analysed() -> None:
    """Generated SQL can chain an operator thousands of times (a left-deep tree as deep as it is long);
    the analysis walks it without running out of stack, and still finds the highest parameter and the
    subquery at the bottom."""
    terms = " || ".join(f"${n}" for n in range(1, 3001))
    text = (f'SELECT {terms} FROM "Ticket" t WHERE t."organizationId" = '
            '(SELECT "organizationId" FROM "Client" WHERE "id" = $3001)')
    analysis = analyze(text, ("public",))
    assert analysis.kind == "ok" and analysis.statement is not None
    assert analysis.statement.n_params == 3001
    assert [ref.table for ref in analysis.statement.refs] == ["Ticket", "Client"]


def test_a_union_of_a_thousand_branches_is_one_block_per_branch() -> None:
    """Generated reports union one SELECT per partition or tenant schema; the chain is a tree as deep as it
    is long, and every branch is still a block of its own, in text order."""
    text = " UNION ALL ".join(f'SELECT "id" FROM "T{n}"' for n in range(1500))
    analysis = analyze(text, ("public",))
    assert analysis.kind == "ok" and analysis.statement is not None
    assert [ref.table for ref in analysis.statement.refs] == [f"T{n}" for n in range(1500)]


def test_a_statement_nested_too_deep_is_left_out_not_fatal() -> None:
    nested = "SELECT 1 FROM t WHERE " + "(a = $1 OR " * 1500 + "b = $2" + ")" * 1500
    analysis = analyze(nested, ("public",))
    assert (analysis.kind, analysis.statement, analysis.error) == ("too_deep", None, "nested too deeply to analyse")


def test_a_cast_column_is_marked_and_gets_no_index_advice() -> None:
    """``a::text = '5'`` cannot use an index on a; a cast on the value side (``b = $2::int``) can. The model
    marks the first, and index advice leaves it out."""
    from pgdiag.advice.access import table_accesses
    from pgdiag.sql.workload import StatementRef, WorkloadStatement

    analysis = analyze('SELECT * FROM "public"."c" WHERE "a"::text = $1 AND $2::int = "b"', ("public",))
    assert analysis.statement is not None
    assert [(p.column, p.column_cast) for p in analysis.statement.top.predicates] == [("a", True), ("b", False)]
    item = WorkloadStatement(StatementRef(None, analysis.statement.text, 2, 10, 100.0, 10, 100), analysis.statement)
    assert [access.equality for access in table_accesses(item)] == [("b",)]


def test_a_predicate_an_outer_join_does_not_restrict_keeps_its_origin_and_cast() -> None:
    """In ``c LEFT JOIN b ON …`` a condition on c does not filter c's rows: it is filed as not top-level, and
    it still says where its value comes from (the CTE b) and that its column is cast."""
    catalogue = lookup({("public", "t"): ["org"], ("public", "c"): ["org", "x"], ("public", "d"): ["id"]})
    analysis = analyze('WITH b AS (SELECT "org" FROM "t") SELECT * FROM "c" LEFT JOIN b ON b."org" = "c"."org"',
                       ("public",), catalogue)
    assert analysis.statement is not None
    [on_c] = [p for block in analysis.statement.blocks for p in block.predicates if p.column == "org"]
    assert not on_c.top_level and on_c.origin is not None and on_c.origin.column == "org"
    analysis = analyze('SELECT * FROM "c" LEFT JOIN "d" ON "c"."x"::text = $1', ("public",), catalogue)
    assert analysis.statement is not None
    [cast] = analysis.statement.top.predicates
    assert (cast.column, cast.top_level, cast.column_cast) == ("x", False, True)
