"""Retention (``--keep 90d``): how long stored snapshots are kept; each target's latest always stays."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

from pgdiag.errors import ConfigError

_DURATION = re.compile(r"^\s*(\d+)\s*([hdw])\s*$")
_UNITS = {"h": "hours", "d": "days", "w": "weeks"}


def parse_keep(text: str) -> timedelta:
    """A retention period: a whole number of hours, days or weeks.

    >>> parse_keep("90d"), parse_keep("12w") == timedelta(weeks=12), parse_keep("36h")
    (datetime.timedelta(days=90), True, datetime.timedelta(days=1, seconds=43200))
    """
    match = _DURATION.match(text)
    if not match or int(match.group(1)) == 0:
        raise ConfigError(f"invalid --keep {text!r}: give a period such as 90d, 12w or 36h")
    return timedelta(**{_UNITS[match.group(2)]: int(match.group(1))})


def cutoff(keep: timedelta, now: datetime | None = None) -> datetime:
    """The oldest collection time that is kept."""
    return (now or datetime.now(timezone.utc)) - keep
