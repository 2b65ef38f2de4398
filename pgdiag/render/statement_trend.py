"""``pgdiag history --statement`` output: the statement's figures per snapshot as a terminal table, and an
HTML page with a chart of mean time and calls over time, plan changes marked (self-contained SVG, no script)."""

from __future__ import annotations

import math
from dataclasses import dataclass

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from pgdiag.history.compare.trend import StatementTrend, TrendPoint
from pgdiag.render.console import console as safe_console

CHART_WIDTH = 760
CHART_HEIGHT = 220
MARGIN = 48
TICKS = 8


@dataclass(frozen=True)
class ChartPoint:
    """One snapshot on the chart: x, the y of its mean time and of its calls, and whether its plan changed."""

    x: float
    y_mean: float | None
    y_calls: float
    label: str
    tick: bool
    mean_ms: float | None
    calls: int
    plan_changed: bool


def print_trend(trend: StatementTrend, console: Console | None = None) -> None:
    """A table of the statement's figures in each snapshot, oldest first; plan changes marked."""
    console = console or safe_console()
    console.print(f"[bold]Statement {escape(trend.queryid)}[/bold] in {escape(trend.store)}"
                  f"{f' ({escape(trend.target)})' if trend.target else ''}: {escape(' '.join((trend.text or '').split()))}")
    if not trend.points:
        console.print("No stored snapshot has this statement.")
        return
    table = Table(header_style="bold")
    for column in ("snapshot", "collected (UTC)", "calls", "total ms", "mean ms", "rows/call"):
        table.add_column(column, overflow="fold")
    table.add_column("plan", no_wrap=True, min_width=16)
    for p in trend.points:
        plan = (p.plan_fingerprint or "—") + ("\n[bold red]changed[/bold red]" if p.plan_changed else "")
        table.add_row(str(p.snapshot_id), f"{p.collected_at:%Y-%m-%d %H:%M:%S}" + ("" if p.since else " (cumulative)"),
                      f"{p.calls:,}", f"{p.total_ms:,.1f}", _number(p.mean_ms), _number(p.rows_per_call), plan)
    console.print(table)


def chart_points(points: list[TrendPoint]) -> list[ChartPoint]:
    """Where each snapshot goes on the chart: evenly spaced left to right; mean time and calls each scaled to
    the chart's height (two axes, labelled with their maxima); at most TICKS dates are written under it."""
    if not points:
        return []
    top_mean = max((p.mean_ms or 0.0) for p in points) or 1.0
    top_calls = max(p.calls for p in points) or 1
    span = CHART_WIDTH - 2 * MARGIN
    step = span / (len(points) - 1) if len(points) > 1 else 0.0
    every = math.ceil(len(points) / TICKS)
    bottom = CHART_HEIGHT - MARGIN / 2
    height = CHART_HEIGHT - MARGIN
    return [ChartPoint(x=round(MARGIN + i * step if len(points) > 1 else MARGIN + span / 2, 1),
                       y_mean=round(bottom - height * (p.mean_ms / top_mean), 1) if p.mean_ms is not None else None,
                       y_calls=round(bottom - height * (p.calls / top_calls), 1),
                       label=f"{p.collected_at:%Y-%m-%d}", tick=i % every == 0 or i == len(points) - 1, mean_ms=p.mean_ms, calls=p.calls,
                       plan_changed=p.plan_changed)
            for i, p in enumerate(points)]


def render_trend_html(trend: StatementTrend) -> str:
    """The statement's history as one self-contained HTML page (autoescaped: the text is hostile input)."""
    from pgdiag.render.html import environment

    points = chart_points(trend.points)
    return environment().get_template("statement_trend.html").render(
        trend=trend, points=points, width=CHART_WIDTH, height=CHART_HEIGHT, margin=MARGIN,
        top_mean=max((p.mean_ms or 0.0) for p in trend.points) if trend.points else 0.0,
        top_calls=max((p.calls for p in trend.points), default=0),
        mean_line=" ".join(f"{p.x},{p.y_mean}" for p in points if p.y_mean is not None),
        calls_line=" ".join(f"{p.x},{p.y_calls}" for p in points))


def _number(value: float | None) -> str:
    return "—" if value is None else f"{value:,.2f}"
