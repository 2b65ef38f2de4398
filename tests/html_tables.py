"""Read the report's data tables back from its HTML, as a browser without JavaScript would see them."""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser


@dataclass
class Cell:
    """A table cell: its text and its ``data-value`` (what the page's script sorts by), if any."""

    text: str = ""
    value: str | None = None


@dataclass
class Table:
    """One ``<table id=…>``: header labels, ``aria-sort`` per header, and the body rows' cells."""

    headers: list[str] = field(default_factory=list)
    sorted: dict[str, str] = field(default_factory=dict)
    rows: list[list[Cell]] = field(default_factory=list)

    def column(self, label: str) -> list[Cell]:
        """The cells of the column headed `label`."""
        index = self.headers.index(label)
        return [row[index] for row in self.rows]

    def numbers(self, label: str) -> list[float | None]:
        """The column's data-values as numbers, None where empty."""
        return [float(c.value) if c.value else None for c in self.column(label)]


class _Reader(HTMLParser):
    """Collects the cells of every table that has an id; header cells keep their aria-sort."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tables: dict[str, Table] = {}
        self.table: Table | None = None
        self.cell: Cell | None = None
        self.in_head = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if tag == "table" and attributes.get("id"):
            self.table = self.tables.setdefault(attributes["id"] or "", Table())
        elif self.table is None:
            return
        elif tag == "thead":
            self.in_head = True
        elif tag == "tbody":
            self.in_head = False
        elif tag == "tr" and not self.in_head:
            self.table.rows.append([])
        elif tag in ("td", "th"):
            self.cell = Cell(value=attributes.get("data-value"))
            if tag == "th" and attributes.get("aria-sort"):
                self.cell.value = attributes["aria-sort"]

    def handle_endtag(self, tag: str) -> None:
        if self.table is None:
            return
        if tag == "table":
            self.table = None
        elif tag in ("td", "th") and self.cell is not None:
            text = " ".join(self.cell.text.split())
            if self.in_head:
                self.table.headers.append(text)
                if self.cell.value:
                    self.table.sorted[text] = self.cell.value
            else:
                self.table.rows[-1].append(Cell(text, self.cell.value))
            self.cell = None

    def handle_data(self, data: str) -> None:
        if self.cell is not None:
            self.cell.text += data


def tables(html: str) -> dict[str, Table]:
    """Every table with an id in `html`, by id."""
    reader = _Reader()
    reader.feed(html)
    return reader.tables
