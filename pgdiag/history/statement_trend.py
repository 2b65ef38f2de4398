"""``pgdiag history --statement``: read one statement's figures and plans out of every stored snapshot."""

from __future__ import annotations

from pgdiag.history.compare.trend import StatementTrend, resolve_queryid, trend
from pgdiag.history.store import Store, StoreError


def load_trend(store: Store, statement: str, target: str | None) -> StatementTrend:
    """The statement (a queryid, or its text as the latest snapshot holds it) across the snapshots of
    `target`, or of the store's only target that has it; one that several targets have needs `target`."""
    infos = store.snapshots(target)
    if not infos:
        raise StoreError(f"no snapshots of target {target} in store {store.display}" if target else
                         f"no snapshots in store {store.display}")
    loaded = [(info, store.get(info.id).snapshot) for info in infos]
    queryid = resolve_queryid(loaded[-1][1], statement)
    plans = store.statement_plans(queryid)
    having = sorted({info.target for info, snapshot in loaded
                     if trend(queryid, [(info.id, snapshot)], plans)[1]})
    if len(having) > 1:
        raise StoreError(f"statement {queryid} was seen on {len(having)} targets ({', '.join(having[:5])}): "
                         "choose one with --target")
    chosen = [(info.id, snapshot) for info, snapshot in loaded if info.target in having]
    text, points = trend(queryid, chosen, plans)
    return StatementTrend(store=store.display, target=having[0] if having else target, queryid=queryid,
                          text=text, points=points)
