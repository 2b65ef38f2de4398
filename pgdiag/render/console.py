"""The rich console every terminal renderer prints through: what it prints has its control characters made
visible (`pgdiag.core.visible`), while rich's own styling and cursor codes pass. Data reaches the terminal
only as text segments, so no database name, statement or error can send an escape sequence."""

from __future__ import annotations

from typing import Any, Iterable

from rich.console import Console
from rich.segment import Segment
from rich.text import Text

from pgdiag.core.visible import visible


class SafeConsole(Console):
    """A `Console` whose strings are made visible before rich measures them (so table columns fit the
    written-out form), and whose text segments are made visible again before they are written (a `Text`
    built elsewhere skips `render_str`)."""

    def render_str(self, text: str, *args: Any, **kwargs: Any) -> Text:
        """Rich's conversion of `text` (markup included) to `Text`, control characters written out first."""
        return super().render_str(visible(text), *args, **kwargs)

    def render(self, renderable: Any, options: Any = None) -> Iterable[Segment]:
        """Rich's rendering of `renderable`, with control characters in its text written out."""
        for segment in super().render(renderable, options):
            if segment.control is None and not segment.text.isprintable():
                yield Segment(visible(segment.text), segment.style, segment.control)
            else:
                yield segment


def console(*, stderr: bool = False, **options: Any) -> Console:
    """A `SafeConsole` without rich's automatic highlighting (numbers and paths keep pgdiag's colours)."""
    return SafeConsole(stderr=stderr, highlight=False, **options)
