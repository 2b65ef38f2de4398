"""``--notify URL``: post a short summary of a run to a webhook, as Slack's incoming webhooks expect it
(``{"text": "…"}``; Mattermost, Rocket.Chat and most chat tools accept the same).

The summary names targets by their [[targets]] name or ``host:port/database`` key, never by a
connection string, so no password can reach the webhook. A webhook URL is itself a secret
(Slack's carry a token in the path): errors show only its scheme and host.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Sequence
from urllib.parse import urlsplit

from pgdiag.core.errors import PgdiagError
from pgdiag.core.report import TargetRun
from pgdiag.render.changes import changes_line

TIMEOUT_S = 10
NEW_TITLES = 3


class NotifyError(PgdiagError):
    """The webhook could not be reached or refused the summary."""


def check_url(url: str) -> None:
    """Refuse, before any work, a URL that is not http(s) or that cannot be parsed (say ``http://[::1``
    or a port that is not a number), without showing more of it than `_safe` does."""
    try:
        parts = urlsplit(url)
        _ = parts.port  # ValueError unless the port is a number in range
    except ValueError:
        raise NotifyError(f"--notify got a malformed URL: {_safe(url)!r}") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise NotifyError(f"--notify needs an http:// or https:// URL, got {_safe(url)!r}")


def summary(runs: Sequence[TargetRun]) -> str:
    """A few lines of text: one per target, its findings and what changed since its last snapshot."""
    lines = []
    if len(runs) > 1:
        failed = sum(1 for run in runs if run.error)
        lines.append(f"pgdiag: {len(runs)} targets scanned, {failed} failed")
    for run in runs:
        lines.extend(_target_lines(run, prefix="" if len(runs) > 1 else "pgdiag: "))
    return "\n".join(lines)


def post(url: str, runs: Sequence[TargetRun]) -> None:
    """POST the summary as JSON; a failure is a one-line error naming only the webhook's host."""
    check_url(url)
    body = json.dumps({"text": summary(runs)}).encode("utf-8")
    request = urllib.request.Request(url, data=body, method="POST",
                                     headers={"Content-Type": "application/json", "User-Agent": "pgdiag"})
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_S) as response:
            response.read()
    except urllib.error.HTTPError as exc:
        raise NotifyError(f"notify {_safe(url)}: the webhook answered HTTP {exc.code}") from None
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise NotifyError(f"notify {_safe(url)}: {reason}") from None


def _target_lines(run: TargetRun, prefix: str) -> list[str]:
    """The summary lines of one target."""
    if run.error or run.report is None:
        return [f"{prefix}{run.label}: FAILED: {run.error}"]
    counts = run.report.severity_counts()
    total = sum(counts.values())
    worst = ", ".join(f"{n} {severity}" for severity, n in counts.items() if n)
    line = f"{prefix}{run.label}: {total} findings" + (f" ({worst})" if worst else "")
    comparison = run.report.comparison
    if comparison is None:
        return [line + "; first snapshot, nothing to compare yet" if run.snapshot_id else line]
    line += f"; since snapshot {comparison.baseline_id}: {changes_line(comparison)}"
    if comparison.basis.reset:
        line += " (pg_stat_statements was reset)"
    return [line] + [f"  new {f.severity}: {f.title}" for f in comparison.new[:NEW_TITLES]]


def _safe(url: str) -> str:
    """Scheme and host of `url` only: webhook paths and queries carry tokens."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return "<invalid URL>"
    try:
        port = f":{parts.port}" if parts.port else ""
    except ValueError:
        port = ""
    return f"{parts.scheme}://{parts.hostname or ''}{port}" if parts.scheme else "<invalid URL>"
