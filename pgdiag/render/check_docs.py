"""Check documentation for people: the reST-ish docstrings of checks (``code``, **Problem** headings, *emphasis*,
bullets) as plain text for the terminal and as HTML for the report, never as raw markup.

The docstrings stay the single source (DESIGN §9: the class docstring is the check's page); this module only
reads their few conventions: a paragraph that is only ``**Heading**`` is a heading, lines starting ``* `` or
``- `` are bullets, an indented paragraph (after ``::``) and the indented lines under a line ending ``:`` (the
thresholds list) are preformatted.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from markupsafe import Markup, escape

BlockKind = Literal["heading", "paragraph", "bullets", "preformatted"]
_HEADING = re.compile(r"^\*\*([^*]+)\*\*$")
_BULLET = re.compile(r"^[*-] +")
_INLINE = re.compile(r"``(?P<code2>.+?)``|`(?P<code>[^`]+)`|\*\*(?P<strong>[^*]+?)\*\*"
                     r"|(?<![\w*])\*(?P<em>[^\s*][^*]*?)\*(?![\w*])")


@dataclass(frozen=True)
class Block:
    """One block of a documentation page: its kind and its lines (one per bullet; one for a paragraph)."""

    kind: BlockKind
    lines: tuple[str, ...]


def blocks(page: str) -> list[Block]:
    """The blocks of a documentation page, paragraphs' hard-wrapped lines joined into one.

    >>> [(b.kind, b.lines) for b in blocks("Summary.\\n\\n**Problem**\\n\\nA ``x``\\nwraps.\\n\\n* one\\n* two")]
    [('paragraph', ('Summary.',)), ('heading', ('Problem',)), ('paragraph', ('A ``x`` wraps.',)), ('bullets', ('one', 'two'))]
    """
    found = []
    for chunk in re.split(r"\n\s*\n", page.strip()):
        lines = chunk.splitlines()
        stripped = [line.strip() for line in lines]
        heading = _HEADING.match(chunk.strip())
        if heading:
            found.append(Block("heading", (heading.group(1),)))
        elif all(line[:1].isspace() for line in lines):  # an indented block: code after "::"
            found.append(Block("preformatted", tuple(line.strip() for line in lines)))
        elif all(line.startswith("  ") for line in lines[1:]) and len(lines) > 1 and lines[0].rstrip().endswith(":"):
            found.append(Block("paragraph", (stripped[0],)))
            found.append(Block("preformatted", tuple(line.strip() for line in lines[1:])))
        elif _BULLET.match(stripped[0]):
            items: list[str] = []
            for line in stripped:
                if _BULLET.match(line):
                    items.append(_BULLET.sub("", line))
                elif items:
                    items[-1] += " " + line
            found.append(Block("bullets", tuple(items)))
        else:
            text = " ".join(stripped)
            found.append(Block("paragraph", (text[:-1] if text.endswith("::") else text,)))
    return found


def inline_text(text: str) -> str:
    """`text` with its inline markup taken away: code, strong and emphasis become their plain words.

    >>> inline_text("Use ``CREATE INDEX CONCURRENTLY``; page *n* costs **n** pages (`x`).")
    'Use CREATE INDEX CONCURRENTLY; page n costs n pages (x).'
    """
    return _INLINE.sub(lambda m: next(g for g in m.groups() if g is not None), text)


def inline_html(text: str) -> Markup:
    """`text` as safe HTML: everything escaped, then code as <code>, strong as <strong>, emphasis as <em>.

    >>> str(inline_html("Invalid <b> left by ``CREATE INDEX CONCURRENTLY``, *n* pages"))
    'Invalid &lt;b&gt; left by <code>CREATE INDEX CONCURRENTLY</code>, <em>n</em> pages'
    """
    parts: list[str] = []
    position = 0
    for match in _INLINE.finditer(text):
        parts.append(str(escape(text[position:match.start()])))
        tag = {"code2": "code", "code": "code", "strong": "strong", "em": "em"}[match.lastgroup or "code"]
        parts.append(f"<{tag}>{escape(match.group(match.lastgroup or 'code'))}</{tag}>")
        position = match.end()
    parts.append(str(escape(text[position:])))
    return Markup("".join(parts))


def page_text(page: str) -> list[tuple[str, str]]:
    """A documentation page as (style, line) pairs for the terminal: headings styled "bold", everything else
    plain ("") with its markup taken away, a blank line between blocks."""
    lines: list[tuple[str, str]] = []
    for block in blocks(page):
        if lines:
            lines.append(("", ""))
        if block.kind == "heading":
            lines.append(("bold", inline_text(block.lines[0])))
        elif block.kind == "bullets":
            lines += [("", f"  • {inline_text(item)}") for item in block.lines]
        elif block.kind == "preformatted":
            lines += [("", f"  {line}") for line in block.lines]
        else:
            lines.append(("", inline_text(block.lines[0])))
    return lines


def page_html(page: str) -> Markup:
    """A documentation page as safe HTML: <h5> headings, <p> paragraphs, <ul> bullets, <pre> preformatted."""
    html: list[str] = []
    for block in blocks(page):
        if block.kind == "heading":
            html.append(f"<h5>{inline_html(block.lines[0])}</h5>")
        elif block.kind == "bullets":
            html.append("<ul>" + "".join(f"<li>{inline_html(item)}</li>" for item in block.lines) + "</ul>")
        elif block.kind == "preformatted":
            html.append(f"<pre>{escape(chr(10).join(block.lines))}</pre>")
        else:
            html.append(f"<p>{inline_html(block.lines[0])}</p>")
    return Markup("\n".join(html))
