"""The plan model: EXPLAIN's JSON as a tree of nodes with their own (exclusive) time, row estimates and buffers.

PostgreSQL reports a node's time *including* its children and *averaged per loop*, so "where did
the time go" needs arithmetic (docs/explain.md, "Own time"):

- a node's wall-clock time over all its loops is ``Actual Total Time × Actual Loops``, divided by
  the processes that ran those loops side by side under a Gather (workers launched + the leader);
- its own time is that minus the wall-clock time of its children;
- an InitPlan is not paid for where it hangs in the tree but by the node that first reads its
  result (its ``$n`` or ``(InitPlan n)`` reference), and a CTE by the CTE Scans that read it.

Own times are clamped at zero (timer granularity makes tiny negatives). Buffers follow the same
arithmetic; PostgreSQL already sums them over loops and workers.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Iterator

GATHER_TYPES = ("Gather", "Gather Merge")
BUFFER_KEYS = ("Shared Hit Blocks", "Shared Read Blocks", "Temp Read Blocks", "Temp Written Blocks")
TIME = "time"
METRICS = (TIME, *BUFFER_KEYS)
AGGREGATE_NAMES = {"Hashed": "HashAggregate", "Sorted": "GroupAggregate", "Mixed": "MixedAggregate"}
# Keys that name a node rather than describe what it computes: never searched for InitPlan references.
_NOT_EXPRESSIONS = {"Node Type", "Parent Relationship", "Subplan Name", "Plans", "Workers"}
_RETURNS = re.compile(r"\(returns (?P<params>[^)]*)\)")

Metrics = dict[str, float]


@dataclass(eq=False)
class PlanNode:
    """One node of a plan. `id` numbers nodes depth-first from 1 (parents before children, children in
    EXPLAIN's order); findings point at nodes by this id."""

    id: int
    raw: dict[str, Any] = field(repr=False)
    depth: int
    parent: PlanNode | None = field(default=None, repr=False)
    children: list[PlanNode] = field(default_factory=list, repr=False)
    processes: int = 1
    total_ms: float | None = None
    own_ms: float | None = None
    own_buffers: dict[str, float] = field(default_factory=dict, repr=False)
    share: float | None = None

    @property
    def node_type(self) -> str:
        """PostgreSQL's node type, e.g. ``Seq Scan``."""
        return str(self.raw.get("Node Type", "?"))

    @property
    def relationship(self) -> str | None:
        """How the node hangs under its parent: Outer, Inner, Member, InitPlan, SubPlan, Subquery…"""
        return self.raw.get("Parent Relationship")

    @property
    def subplan_name(self) -> str | None:
        """``InitPlan 1 (returns $0)``, ``SubPlan 2`` or ``CTE name`` for sub-plans, else None."""
        return self.raw.get("Subplan Name")

    @property
    def relation(self) -> str | None:
        """The table (or other relation) the node reads, as stored (no quotes)."""
        return self.raw.get("Relation Name")

    @property
    def alias(self) -> str | None:
        """The name the statement gives the relation."""
        return self.raw.get("Alias")

    @property
    def index(self) -> str | None:
        """The index the node reads, for index scans."""
        return self.raw.get("Index Name")

    @property
    def loops(self) -> int:
        """How many times the node ran (0 when never executed; 0 too without ANALYZE)."""
        return int(self.raw.get("Actual Loops") or 0)

    @property
    def rows_planned(self) -> float:
        """Rows the planner expected per loop."""
        return float(self.raw.get("Plan Rows") or 0.0)

    @property
    def rows_actual(self) -> float | None:
        """Rows returned per loop (average), None without ANALYZE."""
        value = self.raw.get("Actual Rows")
        return None if value is None else float(value)

    @property
    def rows_total(self) -> float:
        """Rows returned over all loops."""
        return (self.rows_actual or 0.0) * self.loops

    @property
    def executed(self) -> bool:
        """Whether the node ran at least once under ANALYZE."""
        return self.rows_actual is not None and self.loops > 0

    def estimate(self) -> tuple[float, str] | None:
        """How far off the row estimate was: (factor ≥ 1, "under" | "over" | "exact"); None when not run.

        Both counts are per loop and at least 1, so a node estimated at 1 row that returned 0 is exact.
        """
        if not self.executed:
            return None
        planned = max(self.rows_planned, 1.0)
        actual = max(self.rows_actual or 0.0, 1.0)
        if actual > planned:
            return actual / planned, "under"
        if actual < planned:
            return planned / actual, "over"
        return 1.0, "exact"

    def label(self) -> str:
        """A one-line name as EXPLAIN's text format would print it, e.g. ``Index Scan using i on t x``."""
        kind = self.node_type
        if kind == "Aggregate":
            kind = AGGREGATE_NAMES.get(self.raw.get("Strategy", ""), kind)
            if self.raw.get("Partial Mode") in ("Partial", "Finalize"):
                kind = f"{self.raw['Partial Mode']} {kind}"
        elif kind == "ModifyTable":
            kind = str(self.raw.get("Operation", kind))
        if self.raw.get("Parallel Aware"):
            kind = "Parallel " + kind
        parts = [kind]
        if self.index:
            parts.append(f"using {self.index}")
        target = self.relation or self.raw.get("CTE Name") or self.raw.get("Function Name")
        if target:
            parts.append(f"on {target}")
            if self.alias and self.alias != target:
                parts.append(self.alias)
        return " ".join(parts)

    def walk(self) -> Iterator[PlanNode]:
        """This node and every node below it, parents first."""
        yield self
        for child in self.children:
            yield from child.walk()

    def ancestors(self) -> Iterator[PlanNode]:
        """The nodes above this one, nearest first."""
        node = self.parent
        while node is not None:
            yield node
            node = node.parent

    def expressions(self) -> str:
        """Every expression the node shows (filters, conditions, keys, outputs) as one text."""
        texts: list[str] = []
        for key, value in self.raw.items():
            if key in _NOT_EXPRESSIONS:
                continue
            if isinstance(value, str):
                texts.append(value)
            elif isinstance(value, list):
                texts.extend(v for v in value if isinstance(v, str))
        return "\n".join(texts)


@dataclass
class Plan:
    """A whole EXPLAIN result: the node tree and the statement-level figures."""

    document: dict[str, Any] = field(repr=False)
    root: PlanNode
    nodes: list[PlanNode] = field(repr=False)

    @property
    def analyzed(self) -> bool:
        """Whether the plan carries actual figures (EXPLAIN ANALYZE)."""
        return "Actual Total Time" in self.root.raw or "Execution Time" in self.document

    @property
    def planning_ms(self) -> float | None:
        """Planning time, when EXPLAIN reported it."""
        return _number(self.document.get("Planning Time"))

    @property
    def execution_ms(self) -> float | None:
        """Execution time (ANALYZE only): the plan, its triggers and JIT compilation."""
        return _number(self.document.get("Execution Time"))

    @property
    def jit_ms(self) -> float | None:
        """Total JIT compilation time, when JIT was used."""
        timing = (self.document.get("JIT") or {}).get("Timing") or {}
        return _number(timing.get("Total"))

    @property
    def triggers(self) -> list[dict[str, Any]]:
        """Trigger executions (name, relation, time, calls), e.g. foreign-key checks of a DELETE."""
        return list(self.document.get("Triggers") or [])

    @property
    def settings(self) -> dict[str, str]:
        """Planner settings that differ from the built-in defaults (EXPLAIN's SETTINGS option)."""
        return dict(self.document.get("Settings") or {})

    @property
    def time_base_ms(self) -> float | None:
        """The time shares are taken of: execution time, else the root node's time."""
        return self.execution_ms if self.execution_ms else self.root.total_ms

    def node(self, node_id: int) -> PlanNode:
        """The node numbered `node_id`."""
        return self.nodes[node_id - 1]


def build_plan(explain: list[Any] | dict[str, Any]) -> Plan:
    """The plan model of one EXPLAIN (FORMAT JSON) result: the list PostgreSQL returns, or its one element."""
    document = explain[0] if isinstance(explain, list) else explain
    nodes: list[PlanNode] = []
    root = _build(document["Plan"], None, 0, 1, nodes, _leader_participates(document))
    plan = Plan(document, root, nodes)
    if plan.analyzed:
        _own_figures(nodes)
        base = plan.time_base_ms
        for node in nodes:
            node.share = 100.0 * node.own_ms / base if base and node.own_ms is not None else None
    return plan


def _leader_participates(document: dict[str, Any]) -> bool:
    """Whether the leader runs parallel plan parts too (``parallel_leader_participation``, on by default)."""
    return str((document.get("Settings") or {}).get("parallel_leader_participation", "on")) != "off"


def _build(raw: dict[str, Any], parent: PlanNode | None, depth: int, processes: int, nodes: list[PlanNode],
           leader: bool) -> PlanNode:
    """Create the node for `raw` and, recursively, its children, numbering them in pre-order."""
    node = PlanNode(id=len(nodes) + 1, raw=raw, depth=depth, parent=parent, processes=processes)
    nodes.append(node)
    if "Actual Total Time" in raw:
        loops = node.loops
        concurrent = max(1, min(processes, loops))
        node.total_ms = float(raw["Actual Total Time"]) * loops / concurrent if loops else 0.0
    below = processes
    if node.node_type in GATHER_TYPES:
        launched = int(raw.get("Workers Launched", raw.get("Workers Planned", 0)) or 0)
        below = max(1, launched + (1 if leader else 0))
    for child in raw.get("Plans", []):
        node.children.append(_build(child, node, depth + 1, below, nodes, leader))
    return node


def _inclusive(node: PlanNode) -> Metrics:
    """A node's wall-clock time and buffers, children included."""
    figures = {TIME: node.total_ms or 0.0}
    for key in BUFFER_KEYS:
        figures[key] = float(node.raw.get(key) or 0.0)
    return figures


def _own_figures(nodes: list[PlanNode]) -> None:
    """Set `own_ms` and `own_buffers` on every node of an analysed plan (the module docstring's rules)."""
    own = {node.id: _inclusive(node) for node in nodes}
    initplans: list[PlanNode] = []
    for node in nodes:
        for child in node.children:
            if child.relationship == "InitPlan":
                initplans.append(child)
            else:
                _subtract(own[node.id], _inclusive(child))
    # Plain InitPlans before CTEs (a CTE goes to the scan with the most time left, so that time must
    # already be net of the InitPlans), deepest first inside each group.
    for initplan in sorted(initplans, key=lambda n: (_cte_name(n) is not None, -n.depth)):
        consumers = _consumers(initplan, nodes)
        _attribute(_inclusive(initplan), [own[c.id] for c in consumers])
    for node in nodes:
        figures = own[node.id]
        node.own_ms = max(figures[TIME], 0.0)
        node.own_buffers = {key: max(figures[key], 0.0) for key in BUFFER_KEYS}


def _subtract(figures: Metrics, other: Metrics) -> None:
    for key in METRICS:
        figures[key] -= other[key]


def _attribute(cost: Metrics, payers: list[Metrics]) -> None:
    """Charge `cost` to `payers`: all of it to the only one, else greedily to whoever has the most left."""
    if len(payers) == 1:
        _subtract(payers[0], cost)
        return
    for key in METRICS:
        remaining = cost[key]
        for payer in sorted(payers, key=lambda p: -p[key]):
            if remaining <= 0:
                break
            taken = min(remaining, max(payer[key], 0.0))
            payer[key] -= taken
            remaining -= taken


def _cte_name(node: PlanNode) -> str | None:
    """The CTE a sub-plan computes (``Subplan Name: CTE x``), else None."""
    name = node.subplan_name or ""
    return name[4:] if name.startswith("CTE ") else None


def _consumers(initplan: PlanNode, nodes: list[PlanNode]) -> list[PlanNode]:
    """The nodes whose time includes the InitPlan's: the CTE Scans of a CTE; for any other InitPlan the
    deepest node under its parent that reads its result, else the parent itself."""
    parent = initplan.parent
    assert parent is not None
    cte = _cte_name(initplan)
    if cte is not None:
        scans = [n for n in nodes if n.node_type == "CTE Scan" and n.raw.get("CTE Name") == cte]
        return scans or [parent]
    inside = {n.id for n in initplan.walk()}
    patterns = _reference_patterns(initplan.subplan_name or "")
    readers = [n for n in parent.walk() if n.id not in inside
               and any(p.search(n.expressions()) for p in patterns)]
    if not readers:
        return [parent]
    deepest = max(n.depth for n in readers)
    return [next(n for n in readers if n.depth == deepest)]


def _reference_patterns(subplan_name: str) -> list[re.Pattern[str]]:
    """How expressions refer to an InitPlan's result: ``$3`` before PostgreSQL 17 (``InitPlan 2 (returns
    $3)``), ``(InitPlan 2).col1`` from 17."""
    returns = _RETURNS.search(subplan_name)
    if returns:
        params = [p.strip() for p in returns["params"].split(",") if p.strip()]
        return [re.compile(re.escape(p) + r"(?!\d)") for p in params]
    return [re.compile(re.escape(f"({subplan_name.strip()})"))] if subplan_name.strip() else []


def _number(value: Any) -> float | None:
    return float(value) if isinstance(value, (int, float)) else None
