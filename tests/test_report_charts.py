"""Bar chart layout for the HTML report (pgdiag/render/charts.py): scale, stacking, the ten-bar cap."""

from __future__ import annotations

import pytest

from pgdiag.render.charts import TOP_BARS, Item, bar_chart


def test_bars_scale_to_the_largest_and_stack_their_segments() -> None:
    """The largest bar fills the track; segments follow one another; an empty item draws no bar."""
    chart = bar_chart("sizes", [Item("big", "big", (300.0, 100.0)), Item("half", "half", (200.0, 0.0)),
                                Item("none", "none", (0.0, 0.0))], "bytes", ["seg-heap", "seg-index"])
    assert chart is not None
    big, half = chart.bars
    assert [s.css for s in big.segments] == ["seg-heap", "seg-index"]
    assert big.segments[0].x == chart.label_width
    assert big.segments[1].x == pytest.approx(big.segments[0].x + big.segments[0].width, abs=0.1)
    assert sum(s.width for s in big.segments) == pytest.approx(chart.track_width, abs=0.2)
    assert [s.css for s in half.segments] == ["seg-heap"]
    assert half.segments[0].width == pytest.approx(chart.track_width / 2, abs=0.1)
    assert (big.value, half.value) == (400.0, 200.0) and half.y > big.y
    assert chart.height >= half.y + chart.bar_height


def test_a_fixed_scale_and_the_cap() -> None:
    """Percentages scale to 100 rather than to the largest bar; no more than TOP_BARS bars; nothing
    to draw gives no chart."""
    items = [Item(f"s{n}", f"statement {n}", (50.0 - n,)) for n in range(TOP_BARS + 5)]
    chart = bar_chart("time", items, "percent", ["seg-time"], scale_to=100.0)
    assert chart is not None and len(chart.bars) == TOP_BARS
    assert chart.bars[0].segments[0].width == pytest.approx(chart.track_width / 2, abs=0.1)
    assert chart.bars[0].title == "statement 0"
    assert bar_chart("time", [Item("x", "x", (0.0,))], "percent", ["seg-time"]) is None
    assert bar_chart("time", [], "percent", ["seg-time"]) is None


def test_long_labels_are_cut_for_the_drawing_and_kept_whole_for_the_tooltip() -> None:
    text = "SELECT " + ", ".join(f"column_{n}" for n in range(30)) + " FROM t"
    chart = bar_chart("time", [Item(text, text, (10.0,))], "percent", ["seg-time"], scale_to=100.0)
    assert chart is not None
    [bar] = chart.bars
    assert bar.label.endswith("…") and len(bar.label) < len(text) and bar.title == text
