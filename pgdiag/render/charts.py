"""Horizontal bar charts for the HTML report, laid out here and drawn as inline SVG by report_templates/charts.html.

The charts are computed on the server, so they need no script and print as they look. This module
only does geometry (where each bar and segment goes, in SVG user units); labels and values stay
plain data that the autoescaping template writes as SVG text, so a hostile table name or query text
is as inert in a chart as in a table cell.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Sequence

WIDTH = 760
LABEL_WIDTH = 290
VALUE_WIDTH = 90
ROW_HEIGHT = 24
BAR_HEIGHT = 14
TOP = 6
LABEL_CHARS = 40
TOP_BARS = 10

Unit = Literal["percent", "bytes", "growth"]


@dataclass(frozen=True)
class Segment:
    """One coloured piece of a bar: x offset and width in user units, and its CSS class."""

    x: float
    width: float
    css: str


@dataclass(frozen=True)
class Bar:
    """One row of a chart: a short label, the full one (shown as a tooltip), the value and its pieces."""

    label: str
    title: str
    value: float
    y: float
    segments: tuple[Segment, ...]
    href: str | None


@dataclass(frozen=True)
class BarChart:
    """A chart ready to draw: its bars, the unit of their values and the legend of the segment classes."""

    title: str
    unit: Unit
    bars: tuple[Bar, ...]
    legend: tuple[tuple[str, str], ...] = ()
    width: int = WIDTH
    label_width: int = LABEL_WIDTH
    bar_height: int = BAR_HEIGHT

    @property
    def height(self) -> float:
        """The drawing's height in user units."""
        return TOP * 2 + ROW_HEIGHT * len(self.bars)

    @property
    def track_width(self) -> float:
        """The width a bar has at 100 % of the scale."""
        return self.width - self.label_width - VALUE_WIDTH

    @property
    def value_x(self) -> float:
        """Where the values are written (left-aligned, just after the track)."""
        return self.label_width + self.track_width + 8


@dataclass(frozen=True)
class Item:
    """What a bar stands for: its label, its full description, the sizes of its segments in segment
    order, and where in the page it is detailed."""

    label: str
    title: str
    parts: tuple[float, ...]
    href: str | None = None


def bar_chart(title: str, items: Sequence[Item], unit: Unit, classes: Sequence[str],
              legend: Sequence[tuple[str, str]] = (), scale_to: float | None = None) -> BarChart | None:
    """Lay out one bar per item (at most TOP_BARS), segments stacked left to right with `classes`.

    Bars are scaled to `scale_to` (e.g. 100 for percentages), else to the largest bar. None when there
    is nothing to draw.
    """
    items = [i for i in items[:TOP_BARS] if sum(i.parts) > 0]
    if not items:
        return None
    full = scale_to or max(sum(i.parts) for i in items)
    span = WIDTH - LABEL_WIDTH - VALUE_WIDTH
    bars = []
    for row, item in enumerate(items):
        x, segments = float(LABEL_WIDTH), []
        for part, css in zip(item.parts, classes):
            width = span * part / full
            if width > 0:
                segments.append(Segment(round(x, 1), round(max(width, 1.0), 1), css))
                x += width
        bars.append(Bar(_short(item.label), item.title, sum(item.parts), TOP + ROW_HEIGHT * row, tuple(segments),
                        item.href))
    return BarChart(title, unit, tuple(bars), tuple(legend))


def _short(label: str) -> str:
    """`label` on one line, cut to LABEL_CHARS characters with an ellipsis.

    >>> _short('SELECT  a,\\n       b FROM t')
    'SELECT a, b FROM t'
    >>> len(_short('x' * 100))
    40
    """
    flat = " ".join(label.split())
    return flat if len(flat) <= LABEL_CHARS else flat[:LABEL_CHARS - 1] + "…"
