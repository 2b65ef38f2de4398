"""What a plan insight is: a catalogue entry whose `run` turns the plan (and what pgdiag knows around it) into
findings. Insights are classes found by scanning `pgdiag.explain.insights`, like checks and migration rules.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable

from pgdiag.core.findings import Finding, ObjectRef, QueryRef, severity_rank
from pgdiag.core.plugins import Entry, Threshold
from pgdiag.explain.fix import IndexFix
from pgdiag.explain.plan import Plan, PlanNode
from pgdiag.sql import Statement

LEVELS = ("low", "medium", "high")

__all__ = ["Insight", "InsightContext", "Threshold", "level", "pretty_rows", "run_insights"]


class Insight(Entry):
    """Base class: a catalogue entry (`pgdiag.core.plugins.Entry`) with a ``plan_*`` id. A subclass's docstring
    is its documentation (summary, when it fires, the severity mapping, the fix; docs/explain.md lists them);
    its thresholds are set in pgdiag.toml under ``[checks.<id>]`` like a check's."""

    def run(self, context: InsightContext, settings: Any) -> Iterable[Finding]:
        """The findings of this insight in `context`'s plan, under `settings` (an instance of its `Settings`)."""
        raise NotImplementedError


@dataclass
class InsightContext:
    """The plan and what pgdiag knows around it: the statement, table schemas, tenancy, proposed indexes."""

    plan: Plan
    query: QueryRef
    statement: Statement | None = None
    schemas: dict[str, str] = field(default_factory=dict)
    tenant_column: str | None = None
    tenant_tables: frozenset[tuple[str, str]] = frozenset()
    foreign_keys: frozenset[tuple[str, str, str, str, str, str]] = frozenset()
    fixes: dict[int, IndexFix] = field(default_factory=dict)
    work_mem: str | None = None

    def object_of(self, node: PlanNode) -> ObjectRef:
        """The table (and index) a node reads, schema from the statement where it names the table."""
        if node.relation is None:
            return ObjectRef()
        return ObjectRef(schema=self.schemas.get(node.relation), table=node.relation, index=node.index)

    def finding(self, check: str, severity: str, node: PlanNode | None, title: str, why: str, action: str,
                evidence: dict[str, Any] | None = None, fix_sql: str | None = None,
                obj: ObjectRef | None = None) -> Finding:
        """A plan finding pointing at `node` (``evidence.node`` is its id): the recommendation is the one-sentence
        why, then what to do. ``query`` stays null: the document's own ``query`` is the statement every finding
        is about (repeating a long text per finding would multiply the document's size)."""
        facts: dict[str, Any] = {}
        if node is not None:
            facts = {"node": node.id, "node_label": node.label()}
            if node.own_ms is not None:
                facts["own_ms"] = round(node.own_ms, 3)
                facts["share_percent"] = round(node.share or 0.0, 1)
        facts.update(evidence or {})
        obj = obj if obj is not None else (self.object_of(node) if node is not None else ObjectRef())
        return Finding(check=check, severity=severity, title=title, object=obj, query=None,
                       evidence=facts, recommendation=f"{why} {action}".strip(), fix_sql=fix_sql,
                       fingerprint=plan_fingerprint(check, obj, self.query, node))


def level(value: float, levels: tuple[float, ...]) -> str | None:
    """The severity for `value` against ascending `levels` (low, medium, high): None below the first.

    >>> level(45.0, (10, 40, 90)), level(5.0, (10, 40, 90)), level(95.0, (50, 90))
    ('medium', None, 'medium')
    """
    reached = [name for name, bound in zip(LEVELS, levels) if value > bound]
    return reached[-1] if reached else None


def plan_fingerprint(check: str, obj: ObjectRef, query: QueryRef, node: PlanNode | None) -> str:
    """Stable across runs of the same statement with the same plan shape: check, object, statement, node path."""
    path = [] if node is None else [f"{n.node_type}#{n.id}" for n in [node, *node.ancestors()]]
    statement = query.queryid or hashlib.sha256(query.text.encode()).hexdigest()
    payload = json.dumps([check, obj.to_dict(), statement, path], sort_keys=True)
    return hashlib.sha256(payload.encode()).hexdigest()[:16]


def run_insights(context: InsightContext, insights: dict[str, type[Insight]],
                 overrides: Callable[[str], dict[str, Any]] | None = None,
                 enabled: Callable[[str], bool] | None = None) -> list[Finding]:
    """The findings of every enabled insight of `insights` (settings from `overrides` by id: pgdiag.toml), worst
    first, then in plan order."""
    found: list[Finding] = []
    for insight_id, insight_class in insights.items():
        if enabled is not None and not enabled(insight_id):
            continue
        settings = insight_class.settings(overrides(insight_id) if overrides is not None else {})
        found.extend(insight_class().run(context, settings))
    return sorted(found, key=lambda f: (severity_rank(f.severity), (f.evidence or {}).get("node", 0)))


def pretty_rows(value: float) -> str:
    """A row count for a sentence: ``1,234`` or ``1.2 M``.

    >>> pretty_rows(1234.0), pretty_rows(2_500_000.0)
    ('1,234', '2.5 M')
    """
    if value >= 1_000_000:
        return f"{value / 1_000_000:.1f} M"
    return f"{value:,.0f}"
