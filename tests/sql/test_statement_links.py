"""The statement model's links between query levels: where a compared value comes from (`Predicate.origin`),
what each level hands on (`Block.outputs`), and which side of an outer join a key leaves unrestricted
(`JoinKey.preserved`). Pure parsing: no database."""

from __future__ import annotations

from pgdiag.sql import analyze
from pgdiag.sql.model import Origin, Output, Statement


def model(sql: str) -> Statement:
    """The statement model of `sql` (no catalogue)."""
    statement = analyze(sql, ("public",)).statement
    assert statement is not None
    return statement


def test_in_subquery_and_scalar_subquery_point_at_their_block() -> None:
    """``IN (SELECT …)``, ``NOT IN (SELECT …)`` and ``= (SELECT …)`` name the subquery's block; its first
    output is the value."""
    st = model('SELECT * FROM p WHERE a IN (SELECT id FROM c WHERE x = $1) AND b NOT IN (SELECT id FROM d) '
               'AND e = (SELECT max(id) FROM f)')
    assert [(p.column, p.op, p.origin) for p in st.top.predicates] == [
        ("a", "in", Origin(1, None)), ("b", "neq", Origin(2, None)), ("e", "eq", Origin(3, None))]
    assert st.block(1).outputs == (Output("id", 1, "id", None),)
    assert st.block(3).outputs == (Output("max", None, None, None),)


def test_cte_and_derived_columns_point_at_their_body() -> None:
    """A table column compared with a CTE's or derived table's column gets that body's output name, through
    a column list that renames it."""
    st = model('WITH m(pid) AS (SELECT id FROM projects) SELECT * FROM alerts a JOIN m ON a.project_id = m.pid '
               'JOIN (SELECT id AS cid FROM clients) d ON a.client_id = d.cid')
    assert [(p.column, p.value, p.origin) for p in st.top.predicates] == [
        ("project_id", "column", Origin(1, "id")), ("client_id", "column", Origin(2, "cid"))]


def test_star_outputs_stand_for_a_relation() -> None:
    """``*`` hands on every column of each relation of the level; ``t.*`` those of one; a derived relation's
    star points at its block."""
    st = model('SELECT *, d.* FROM alerts a, (SELECT 1 AS one) d')
    assert st.top.outputs == (Output(None, 0, None, None), Output(None, None, None, Origin(1, None)),
                              Output(None, None, None, Origin(1, None)))


def test_returning_is_an_output() -> None:
    """A data-modifying CTE hands on its RETURNING list."""
    st = model('WITH gone AS (DELETE FROM alerts WHERE id = $1 RETURNING id, project_id AS p) SELECT * FROM gone')
    assert st.block(1).outputs == (Output("id", 0, "id", None), Output("p", 0, "project_id", None))


def test_outer_join_keys_name_their_preserved_side() -> None:
    """LEFT JOIN keeps its left side, RIGHT JOIN its right, FULL JOIN both (ON and USING); inner joins none."""
    st = model('SELECT * FROM a LEFT JOIN b ON b.a_id = a.id RIGHT JOIN c ON c.b_id = b.id '
               'FULL JOIN d USING (id) JOIN e ON e.id = a.id')
    assert [(j.left_ref, j.right_ref, j.preserved) for j in st.top.joins] == [
        (1, 0, (0,)), (2, 1, (2,)), (0, 3, (0, 3)), (4, 0, ())]
