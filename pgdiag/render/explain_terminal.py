"""Terminal output of ``pgdiag explain``: the plan as a tree with own-time bars and badges, the insights,
the index fix with its hypothetical plan.

Every piece of text from the database or the statement goes in as plain `Text`, never as markup.
"""

from __future__ import annotations

from rich.console import Console, Group
from rich.text import Text
from rich.tree import Tree

from pgdiag.explain.plan import PlanNode, build_plan
from pgdiag.explain.profile import Profile
from pgdiag.render.console import console as safe_console
from pgdiag.render.explain_view import Badge, badges_by_node, node_details, rows_text
from pgdiag.render.styles import SEVERITY_STYLES

BAR_WIDTH = 10
QUERY_WIDTH = 400


def print_profile(profile: Profile, console: Console | None = None) -> None:
    """Print the whole profile for a person at a terminal."""
    console = console or safe_console()
    for part in profile_parts(profile):
        console.print(part)


def profile_parts(profile: Profile) -> list[Text | Tree | Group]:
    """The renderables of the profile, in print order."""
    parts: list[Text | Tree | Group] = [_header(profile)]
    parts.extend(Text(f"note: {note}", style="yellow") for note in profile.notes)
    parts.append(Text("\nPlan (own time: the node's work without its children's)", style="bold"))
    parts.append(plan_tree(profile.plan.root, badges_by_node(profile.findings)))
    parts.extend(_triggers(profile))
    parts.append(_findings(profile))
    for fix in profile.fixes:
        parts.append(Text(f"\nFix: {fix.fix_sql}", style="bold green"))
        proof = "proven with hypopg" if fix.validated else "estimated from statistics (install hypopg to prove it)"
        parts.append(Text(f"  cost {fix.cost.cost_before:,.0f} → {fix.cost.cost_after:,.0f} "
                          f"({fix.cost.factor:,.0f}× cheaper, {proof})"))
        if fix.plan_after is not None:
            parts.append(Text("  plan with the index (estimates):", style="dim"))
            parts.append(plan_tree(build_plan({"Plan": fix.plan_after}).root, {}))
    return parts


def plan_tree(root: PlanNode, badges: dict[int, list[Badge]]) -> Tree:
    """The plan as a rich Tree: one line per node with bar, share, own time, name, rows and badges, then its
    conditions."""
    tree = Tree(_node_line(root, badges.get(root.id, [])), guide_style="dim")
    stack = [(root, tree)]
    while stack:  # iterative: deep plans must not hit Python's recursion limit
        node, branch = stack.pop()
        for child in node.children:
            stack.append((child, branch.add(_node_line(child, badges.get(child.id, [])))))
    return tree


def _node_line(node: PlanNode, badges: list[Badge]) -> Group:
    """The node's first line and its detail lines."""
    line = Text()
    line.append(f"#{node.id} ", style="dim")
    if node.share is not None:
        filled = min(BAR_WIDTH, round(node.share / 100 * BAR_WIDTH))
        line.append("█" * filled, style=_bar_style(node.share))
        line.append("░" * (BAR_WIDTH - filled), style="dim")
        line.append(f" {node.share:5.1f}% {node.own_ms or 0:9,.2f} ms  ")
    elif "Total Cost" in node.raw:
        line.append(f"cost {float(node.raw['Total Cost']):,.2f}  ", style="dim")
    if node.subplan_name:
        line.append(f"{node.subplan_name}: ", style="magenta")
    line.append(node.label(), style="bold")
    line.append(f"  {rows_text(node)}", style="dim")
    for text, severity in badges:
        line.append(" ")
        line.append(f"[{text}]", style=SEVERITY_STYLES[severity])
    details = [Text(f"    {name}: {value}", style="dim") for name, value in node_details(node)]
    return Group(line, *details)


def _bar_style(share: float) -> str:
    """Red for the node that takes most of the time, yellow for a big part, green otherwise."""
    return "red" if share > 40 else "yellow" if share > 10 else "green"


def _header(profile: Profile) -> Text:
    """Who, what and how: target, statement, times, whether it ran."""
    target, plan = profile.target, profile.plan
    text = Text()
    text.append("pgdiag explain", style="bold")
    text.append(f" on {target.get('dsn')} — PostgreSQL {target.get('server_version')}\n")
    query = " ".join(profile.query.text.split())
    text.append("query: ", style="bold")
    text.append((query[: QUERY_WIDTH - 1] + "…" if len(query) > QUERY_WIDTH else query) + "\n")
    figures = []
    if plan.planning_ms is not None:
        figures.append(f"planning {plan.planning_ms:,.2f} ms")
    if plan.execution_ms is not None:
        figures.append(f"execution {plan.execution_ms:,.2f} ms")
    figures.append("EXPLAIN ANALYZE, rolled back" if profile.run.analyzed else "EXPLAIN without ANALYZE")
    if profile.run.read_write:
        figures.append("read-write transaction")
    text.append(" · ".join(figures))
    return text


def _triggers(profile: Profile) -> list[Text]:
    """One line per trigger that ran (foreign-key checks of a DELETE, for instance)."""
    return [Text(f"trigger {t.get('Trigger Name')} on {t.get('Relation')}: {float(t.get('Time') or 0):,.2f} ms, "
                 f"{t.get('Calls')} calls", style="dim") for t in profile.plan.triggers]


def _findings(profile: Profile) -> Text:
    """The insights, worst first, each with its why, what to do and its fix."""
    text = Text()
    if not profile.findings:
        text.append("\nNo insights: nothing in this plan crosses a threshold.", style="green")
        return text
    text.append(f"\nInsights ({len(profile.findings)})\n", style="bold")
    for finding in profile.findings:
        node = (finding.evidence or {}).get("node")
        text.append(f"{finding.severity:>8} ", style=SEVERITY_STYLES[finding.severity])
        text.append(f"{finding.check}", style="bold")
        text.append(f"{f' #{node}' if node else ''}: {finding.title}\n")
        text.append(f"         {finding.recommendation}\n")
        if finding.fix_sql:
            text.append(f"         fix: {finding.fix_sql}\n", style="green")
    return text
