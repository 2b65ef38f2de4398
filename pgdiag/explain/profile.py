"""One ``pgdiag explain`` run as a function: connect, check, EXPLAIN, model, fix, insights.

The command line and the tests both call `profile`; renderers turn its `Profile` into text.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from pgdiag import __version__
from pgdiag.collect import collect
from pgdiag.config.model import Config
from pgdiag.core.errors import PgdiagError
from pgdiag.core.findings import Finding, QueryRef, severity_rank
from pgdiag.core.redact import redact_statement
from pgdiag.core.snapshot import Snapshot
from pgdiag.db.dsn import Target
from pgdiag.db.planner import Planner
from pgdiag.db.session import SessionLimits, connect
from pgdiag.explain.guard import judge
from pgdiag.explain.fix import (
    IndexFix,
    candidates,
    fitting,
    fix_finding,
    prove_fixes,
    scans_to_fix,
)
from pgdiag.explain.insights import InsightContext, run_insights
from pgdiag.explain.insights import registry as insights
from pgdiag.explain.insights.tenant import foreign_key_pairs
from pgdiag.explain.plan import Plan, PlanNode, build_plan
from pgdiag.explain.run import ExplainRequest, ExplainRun, run_explain
from pgdiag.explain.source import statement_by_queryid
from pgdiag.explain.statement import CheckedStatement, check_statement
from pgdiag.sql.workload import StatementRef, column_index, search_path
from pgdiag.tenant.model import tenant_column

# The catalog pgdiag reads around the plan: names and columns for the statement model, tables and
# indexes for index advice, foreign keys for tenant scoping, statistics for unproven estimates.
COLLECTED = ("server", "settings", "extensions", "tables", "indexes", "foreign_keys", "columns", "column_stats")


@dataclass(frozen=True)
class ExplainOptions:
    """The user's choices: run the statement (ANALYZE) or not, allow writes, parameter values."""

    analyze: bool = True
    allow_writes: bool = False
    params: tuple[str | None, ...] | None = None


@dataclass
class Profile:
    """Everything the renderers need about one explained statement; they never query the database."""

    target: dict[str, Any]
    collected_at: datetime
    query: QueryRef
    params: tuple[str | None, ...] | None
    run: ExplainRun
    plan: Plan
    findings: list[Finding]
    fixes: list[IndexFix] = field(default_factory=list)

    @property
    def notes(self) -> list[str]:
        """What the user must know about how the plan was obtained (fallbacks, rolled-back writes…)."""
        return list(self.run.notes)

    def document(self) -> dict[str, Any]:
        """The JSON contract of ``pgdiag explain --json`` (DESIGN §4, docs/explain.md)."""
        return {
            "tool": {"name": "pgdiag", "version": __version__},
            "target": dict(self.target),
            "collected_at": self.collected_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "query": {"queryid": self.query.queryid, "text": self.query.text,
                      "params": list(self.params) if self.params is not None else None},
            "plan": self.run.document,
            "analyzed": self.run.analyzed,
            "rolled_back": self.run.rolled_back,
            "notes": self.notes,
            "nodes": [_node_summary(node) for node in self.plan.nodes],
            "findings": [f.to_dict() for f in self.findings],
        }


def profile(target: Target, *, text: str | None = None, queryid: int | None = None,
            options: ExplainOptions | None = None, limits: SessionLimits | None = None,
            config: Config | None = None) -> Profile:
    """Explain one statement (`text`, or pg_stat_statements' text for `queryid`) on `target` and judge its plan
    with the insights `config` (pgdiag.toml) leaves enabled, at its thresholds."""
    options = options or ExplainOptions()
    config = config or Config()
    limits = limits or SessionLimits()
    with connect(target, limits) as conn:
        snapshot = collect(conn, target.display, only=COLLECTED)
        if queryid is not None:
            text = statement_by_queryid(conn, snapshot, queryid)
        checked = check_statement(text or "", search_path(snapshot), column_index(snapshot))
        guard = judge(conn, checked) if not options.allow_writes else None
        if guard is not None and guard.not_planned:
            raise PgdiagError(guard.not_planned)
        held_back = guard.not_run if guard is not None and options.analyze else None
        request = _request(checked, replace(options, analyze=False) if held_back else options)
        run = run_explain(conn, request, limits.statement_timeout_ms / 1000)
    if held_back and not request.generic:
        run.notes.append(f"{held_back}; so it was planned, not run (estimates only). Add --allow-writes to run it "
                         "anyway in a transaction that is rolled back")
    if checked.writes and run.analyzed:
        run.notes.append("the statement changes data: it ran in a read-write transaction that was rolled back, "
                         "so its changes were undone (a sequence advanced by nextval stays advanced)")
    elif not options.analyze and not request.generic:
        run.notes.append("--no-analyze: the statement was planned, not run (estimates only)")
    plan = build_plan(run.document)
    query = QueryRef(queryid=str(queryid) if queryid is not None else None, text=redact_statement(checked.text))
    tenant = tenant_column(snapshot)
    fixes = _fixes(target, limits, plan, checked, query, snapshot, tenant, run.notes)
    context = InsightContext(
        plan=plan, query=query, statement=checked.model,
        schemas={ref.table: ref.schema for ref in (checked.model.refs if checked.model else ()) if ref.schema},
        tenant_column=tenant, tenant_tables=_tenant_tables(snapshot, tenant),
        foreign_keys=foreign_key_pairs(snapshot.frame("foreign_keys")),
        fixes={fix.node.id: fix for fix in fixes}, work_mem=_work_mem(plan, snapshot))
    findings = run_insights(context, insights(), config.overrides, config.enabled) + [fix_finding(fix) for fix in fixes]
    findings.sort(key=lambda f: severity_rank(f.severity))
    return Profile(snapshot.target, snapshot.collected_at, query, options.params, run, plan, findings, fixes)


def _request(checked: CheckedStatement, options: ExplainOptions) -> ExplainRequest:
    """The EXPLAIN to run, refusing parameter counts that do not match and unannounced writes."""
    if options.params is not None and len(options.params) != checked.n_params:
        raise PgdiagError(f"the statement uses {checked.n_params} parameter(s) ($1…) but --params gives "
                          f"{len(options.params)} value(s)")
    request = ExplainRequest(checked.text, checked.n_params, options.params, options.analyze, options.allow_writes)
    if checked.writes and options.analyze and not request.generic and not options.allow_writes:
        command = checked.model.command.upper() if checked.model else "a write"
        command = "SELECT … INTO" if checked.creates_table else command
        raise PgdiagError(f"the statement changes data ({command}, or a data-modifying CTE) and EXPLAIN ANALYZE "
                          "would run it: add --allow-writes to run it in a transaction that is rolled back, or "
                          "--no-analyze to plan it without running it")
    return request


def _fixes(target: Target, limits: SessionLimits, plan: Plan, checked: CheckedStatement, query: QueryRef,
           snapshot: Snapshot, tenant: str | None, notes: list[str]) -> list[IndexFix]:
    """Proven index fixes for the plan's wasteful scans; a planner session is opened only when there is a
    candidate to prove. A candidate wider than an index can be is skipped, with a line in `notes`."""
    if checked.model is None:
        return []
    scans = scans_to_fix(plan, snapshot)
    if not scans:
        return []
    ref = StatementRef(queryid=query.queryid, text=checked.text, n_params=checked.n_params, calls=1,
                       total_ms=plan.execution_ms or 0.0, rows=int(plan.root.rows_total), blocks=0)
    proposed, too_wide = fitting(candidates(checked.model, ref, scans, snapshot, tenant))
    notes += too_wide
    if not proposed:
        return []
    with Planner.open(target, limits) as planner:
        return prove_fixes(proposed, planner, snapshot)


def _tenant_tables(snapshot: Snapshot, column: str | None) -> frozenset[tuple[str, str]]:
    """(schema, table) of every table that has the tenant column."""
    columns = snapshot.frame("columns")
    if column is None or columns.empty:
        return frozenset()
    rows = columns[columns["column"] == column]
    return frozenset(zip(rows["schema"], rows["table"]))


def _work_mem(plan: Plan, snapshot: Snapshot) -> str | None:
    """work_mem as the statement saw it: EXPLAIN's SETTINGS when changed, else the server setting."""
    if "work_mem" in plan.settings:
        return str(plan.settings["work_mem"])
    setting = snapshot.setting("work_mem")
    if setting is None:
        return None
    kb = int(setting)
    return f"{kb // 1024}MB" if kb % 1024 == 0 else f"{kb}kB"


def _node_summary(node: PlanNode) -> dict[str, Any]:
    """The computed figures of one node, for JSON readers that do not want to redo the arithmetic."""
    estimate = node.estimate()
    return {
        "id": node.id, "parent": node.parent.id if node.parent else None, "label": node.label(),
        "node_type": node.node_type, "relation": node.relation, "index": node.index,
        "total_ms": _round(node.total_ms), "own_ms": _round(node.own_ms), "share_percent": _round(node.share, 1),
        "rows_estimated": node.rows_planned, "rows_actual": node.rows_actual, "loops": node.loops,
        "estimate_factor": round(estimate[0], 1) if estimate else None,
        "estimate_direction": estimate[1] if estimate else None,
    }


def _round(value: float | None, digits: int = 3) -> float | None:
    return None if value is None else round(value, digits)
