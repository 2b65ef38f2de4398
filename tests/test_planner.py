"""The planner plans statements in batches, one round trip each: every statement gets its own plan, and one it
cannot plan (refused, or not valid SQL) costs only itself."""

from __future__ import annotations

from typing import Iterator

import pytest

from pgdiag.db.dsn import parse
from pgdiag.db.planner import PLAN_BATCH, Planner
from tests.pg import TestDatabase

ROLE = "pgdiag_planner_batch"
GOOD = ("SELECT v FROM pb_open WHERE id = $1", 1)
REFUSED = ("SELECT id FROM pb_closed WHERE id = $1", 1)
INVALID = ("SELECT FROM WHERE", 0)
BY_V = ("SELECT id FROM pb_open WHERE v = $1", 1)


@pytest.fixture(scope="module")
def reader(db: TestDatabase) -> Iterator[str]:
    """Two tables, and a role that may read only one of them; its DSN."""
    db.execute("CREATE TABLE pb_open (id int PRIMARY KEY, v int)", "CREATE TABLE pb_closed (id int)",
               f"DROP ROLE IF EXISTS {ROLE}", f"CREATE ROLE {ROLE} LOGIN", f"GRANT SELECT ON pb_open TO {ROLE}")
    yield db.dsn.replace("user=postgres", f"user={ROLE}")
    db.execute(f"DROP OWNED BY {ROLE}", f"DROP ROLE {ROLE}")


def test_a_batch_plans_around_the_statements_that_fail(reader: str) -> None:
    """Over two batches, a refused and an invalid statement among good ones: each good one has the plan it has
    alone, the failures have none, the refusal is noted once, and no prepared statement is left behind."""
    statements = [(f"SELECT v + {n} FROM pb_open WHERE id = $1", 1) for n in range(PLAN_BATCH + 5)]
    statements[3], statements[7], statements[PLAN_BATCH + 2] = REFUSED, INVALID, REFUSED
    with Planner.open(parse(reader)) as planner:
        plans = planner.generic_costs(statements)
        with Planner.open(parse(reader)) as alone:
            expected = [alone.generic_cost(*statement) for statement in statements]
        left = planner.conn.execute("SELECT count(*) FROM pg_prepared_statements").fetchone()
    failed = {3, 7, PLAN_BATCH + 2}
    assert [at for at, plan in enumerate(plans) if plan is None] == sorted(failed)
    assert all(plan == expected[at] for at, plan in enumerate(plans) if at not in failed)
    assert set(planner.refusals) == set(planner.denied) == {"public.pb_closed"}
    assert left == (0,)


def test_a_plan_is_made_again_only_when_the_hypothetical_indexes_change(db: TestDatabase, reader: str) -> None:
    """Without the same hypothetical indexes a statement is planned again (its plan reads the new one); with them
    it is not."""
    with Planner.open(parse(db.dsn)) as planner:
        if not planner.has_hypopg:
            return
        plain = planner.generic_cost(*GOOD)
        with planner.hypothetical_index("public", "pb_open", ["v"]) as first:
            with_first = planner.generic_cost(*GOOD)
            assert planner.generic_cost(*GOOD) is with_first
        with planner.hypothetical_index("public", "pb_open", ["v"]) as second:
            with_second = planner.generic_cost(*GOOD)
        assert with_second is not with_first and first != second
        assert planner.generic_cost(*GOOD) is plain


def test_plans_with_an_index_in_one_trip_match_those_made_around_it(db: TestDatabase, reader: str) -> None:
    """The index, the plans and its removal in one pipeline give the plans made inside `hypothetical_index`;
    a refused statement makes it start again the slow way, and nothing is left in the session either way."""
    with Planner.open(parse(db.dsn)) as planner:
        if not planner.has_hypopg:
            return
        with planner.hypothetical_index("public", "pb_open", ["v"], (True,)) as slow:
            expected = planner.generic_costs([BY_V, INVALID])
        name, plans = planner.costs_with_index("public", "pb_open", ["v"], (True,), [BY_V, INVALID])
        assert plans[1] is None and plans[0] is not None and name != slow
        assert plans[0].total_cost == expected[0].total_cost and name in plans[0].index_names()
        name, plans = planner.costs_with_index("public", "pb_open", ["v"], (False,), [BY_V])
        assert name in plans[0].index_names()
        left = planner.conn.execute("SELECT (SELECT count(*) FROM hypopg_list_indexes), "
                                    "(SELECT count(*) FROM pg_prepared_statements)").fetchone()
    assert left == (0, 0)
