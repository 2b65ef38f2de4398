"""HTML output: one self-contained page from report_templates/, autoescaped (query texts are hostile input).

The page works without JavaScript; one small inline script (report_templates/report.js, no data in
it) adds sorting, filtering and copy buttons. A Content-Security-Policy allows that script by its
hash and nothing else: no other script, no inline event handler, no request to anywhere.
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import fields
from functools import cache

from jinja2 import (
    BytecodeCache,
    Environment,
    FileSystemBytecodeCache,
    FileSystemLoader,
    StrictUndefined,
    select_autoescape,
)
from jinja2.bccache import Bucket
from markupsafe import Markup

from pgdiag.core.report import Report
from pgdiag.core.resources import resource_dir
from pgdiag.render.evidence_labels import key_label, value_label
from pgdiag.render.report_view import age_text, report_view

SNIPPET_CHARS = 120


@cache
def environment() -> Environment:
    """The Jinja environment: templates from report_templates/, autoescaping always on."""
    env = Environment(loader=FileSystemLoader(resource_dir("report_templates")),
                      autoescape=select_autoescape(default=True, default_for_string=True),
                      undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True,
                      bytecode_cache=_bytecode_cache())
    env.filters["snippet"] = snippet
    env.filters["age"] = age_text
    env.filters["key_label"] = key_label
    env.globals["value_label"] = value_label
    return env


class _QuietBytecodeCache(FileSystemBytecodeCache):
    """Jinja's per-user cache of compiled templates (keyed by each template's checksum, so an edited
    template is compiled again); a cache that cannot be written is skipped, never an error."""

    def dump_bytecode(self, bucket: Bucket) -> None:
        try:
            super().dump_bytecode(bucket)
        except OSError:
            pass


def _bytecode_cache() -> BytecodeCache | None:
    """The compiled-template cache in Jinja's safe per-user temp directory, or none when there is none:
    compiling the report's templates is a tenth of a second per run otherwise."""
    try:
        return _QuietBytecodeCache()
    except (OSError, RuntimeError):
        return None


def render_html(report: Report) -> str:
    """The report as one HTML page with no external resources."""
    script = page_script()
    view = report_view(report)
    return environment().get_template("report.html").render(
        **{f.name: getattr(view, f.name) for f in fields(view)}, script=Markup(script),
        script_hash=script_hash(script))


@cache
def page_script() -> str:
    """The report's inline script: static code (no ``</`` in it) that reads its data from the escaped DOM."""
    return (resource_dir("report_templates") / "report.js").read_text(encoding="utf-8")


def script_hash(script: str) -> str:
    """The CSP source expression that allows exactly `script`."""
    return "sha256-" + base64.b64encode(hashlib.sha256(script.encode("utf-8")).digest()).decode("ascii")


def snippet(text: str | None, chars: int = SNIPPET_CHARS) -> str:
    """A statement on one line, cut to `chars` characters with an ellipsis.

    >>> snippet("SELECT a,\\n       b\\n  FROM t", 12)
    'SELECT a, b…'
    """
    flat = " ".join((text or "").split())
    return flat if len(flat) <= chars else flat[:chars - 1] + "…"
