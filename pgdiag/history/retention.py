"""Retention (``--keep 90d``): how long stored snapshots are kept; each target's latest always stays."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

from pgdiag.core.errors import ConfigError

_DURATION = re.compile(r"^\s*(\d+)\s*([hdw])\s*$")
_HOURS = {"h": 1, "d": 24, "w": 24 * 7}
MAX_KEEP_DAYS = 36_500
"""The longest period --keep accepts (100 years): a cutoff that far back is still a date every store can
hold, and a larger number is a typo rather than a retention policy."""


def parse_keep(text: str) -> timedelta:
    """A retention period: a whole number of hours, days or weeks, at most `MAX_KEEP_DAYS` days.

    >>> parse_keep("90d"), parse_keep("12w") == timedelta(weeks=12), parse_keep("36h")
    (datetime.timedelta(days=90), True, datetime.timedelta(days=1, seconds=43200))
    >>> parse_keep("999999d")
    Traceback (most recent call last):
    pgdiag.core.errors.ConfigError: invalid --keep '999999d': keep at most 36500 days (100 years)
    """
    match = _DURATION.match(text)
    if not match or int(match.group(1)) == 0:
        raise ConfigError(f"invalid --keep {text!r}: give a period such as 90d, 12w or 36h")
    hours = int(match.group(1)) * _HOURS[match.group(2)]
    if hours > MAX_KEEP_DAYS * 24:
        raise ConfigError(f"invalid --keep {text!r}: keep at most {MAX_KEEP_DAYS} days (100 years)")
    return timedelta(hours=hours)


def cutoff(keep: timedelta, now: datetime | None = None) -> datetime:
    """The oldest collection time that is kept."""
    return (now or datetime.now(timezone.utc)) - keep
