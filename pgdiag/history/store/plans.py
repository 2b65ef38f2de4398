"""The plans a snapshot keeps (issue 20), written and read inside the store's transactions.

A plan is stored once per fingerprint (its shape), gzip-compressed; each snapshot refers to it per
statement with that night's estimated cost. 90 nights of the same 50 plans therefore cost 50 plans
once plus 50 small rows a night (docs/history.md, "Plans").
"""

from __future__ import annotations

import gzip
import json
import zlib
from typing import Any, Callable, Sequence

from pgdiag.collect.plans import StatementPlan
from pgdiag.core.errors import PgdiagError

# A runner of the store's named statements, as `pgdiag.history.store.base.Run` (which imports this module).
Run = Callable[[str, dict[str, Any]], list[tuple]]


def write_plans(run: Run, snapshot_id: int, plans: Sequence[StatementPlan]) -> None:
    """Store `plans` for snapshot `snapshot_id`: each new shape once, then one reference per statement."""
    for plan in plans:
        run("insert_plan", {"fingerprint": plan.fingerprint, "plan": encode_plan(plan.plan)})
        run("insert_snapshot_plan", {"snapshot_id": snapshot_id, "queryid": plan.queryid,
                                     "fingerprint": plan.fingerprint, "total_cost": float(plan.total_cost)})


def plans_of(rows: list[tuple]) -> dict[str, StatementPlan]:
    """A snapshot's plans by queryid from its ``select_snapshot_plans`` rows (none for a snapshot stored
    without plans); a damaged plan is a one-line error."""
    return {str(queryid): StatementPlan(queryid=str(queryid), fingerprint=str(fingerprint),
                                        total_cost=float(cost), plan=decode_plan(bytes(blob)))
            for queryid, fingerprint, cost, blob in rows}


def statement_plans(run: Run, queryid: str) -> dict[int, tuple[str, float]]:
    """Statement `queryid`'s plan fingerprint and estimated cost per snapshot id that planned it."""
    return {int(snapshot_id): (str(fingerprint), float(cost))
            for snapshot_id, fingerprint, cost in run("select_statement_plans", {"queryid": queryid})}


def prune_plans(run: Run) -> None:
    """Inside retention's transaction, after the snapshots went (their plan references with them, ON DELETE
    CASCADE): drop the plan shapes no remaining snapshot refers to."""
    run("delete_orphan_plans", {})


def encode_plan(plan: dict[str, Any]) -> bytes:
    """A plan tree as gzip-compressed JSON."""
    return gzip.compress(json.dumps(plan, separators=(",", ":"), default=str).encode("utf-8"), compresslevel=6)


def decode_plan(blob: bytes) -> dict[str, Any]:
    """A plan tree from `encode_plan` output; damage is a one-line error."""
    try:
        plan = json.loads(gzip.decompress(blob).decode("utf-8"))
    except (OSError, EOFError, zlib.error, ValueError) as exc:
        raise PgdiagError(f"damaged plan ({exc})") from None
    if not isinstance(plan, dict):
        raise PgdiagError("damaged plan (not a plan tree)")
    return plan
