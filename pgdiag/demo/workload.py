"""Replay the demo workload the way an application does: ``$n`` parameters bound by the server."""

from __future__ import annotations

import random
from typing import Any, Callable

import psycopg
from psycopg.types.numeric import Int4

from pgdiag.demo.script import Step

SEED = 42
STATUSES = ("open", "acknowledged", "resolved")
# Row counts of the demo tables (schema.sql), for drawing existing ids.
ORGANIZATIONS, USERS, CLIENTS, PROJECTS, ALERTS = 50, 2000, 5000, 15000, 200000

Draw = Callable[[random.Random], Any]
DRAWS: dict[str, Draw] = {
    "org": lambda rng: rng.randint(1, ORGANIZATIONS),
    "user": lambda rng: rng.randint(1, USERS),
    "client": lambda rng: rng.randint(1, CLIENTS),
    "project": lambda rng: rng.randint(1, PROJECTS),
    "alert": lambda rng: rng.randint(1, ALERTS),
    "status": lambda rng: rng.choice(STATUSES),
}


def run_workload(conn: psycopg.Connection, steps: list[Step]) -> None:
    """Run every step `calls` times with freshly drawn parameters (the same ones on every run)."""
    rng = random.Random(SEED)
    with psycopg.RawCursor(conn) as cursor:
        for step in steps:
            for _ in range(step.calls):
                cursor.execute(step.sql, [_value(name, rng) for name in step.params] or None)
                if cursor.description is not None:
                    cursor.fetchall()


def _value(name: str, rng: random.Random) -> Any:
    """A parameter: an integer literal as given, else a draw from the named generator.

    Integers are bound as ``int4`` whatever their size, as an ORM binds an ``Int`` field: the
    parameter type is part of a statement's queryid, so varying it would split one statement
    into several ``pg_stat_statements`` entries.
    """
    if name.lstrip("-").isdigit():
        return Int4(int(name))
    try:
        value = DRAWS[name](rng)
    except KeyError:
        raise ValueError(f"workload.sql names an unknown parameter {name!r}") from None
    return Int4(value) if isinstance(value, int) else value
