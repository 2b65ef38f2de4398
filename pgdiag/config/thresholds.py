"""The [checks.*] sections of pgdiag.toml, validated against what each catalogue entry (a check, a plan insight)
declares: a typo is an error, never a silent default."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any, Mapping

from pgdiag.core.errors import ConfigError
from pgdiag.core.plugins import Entry

MAX_DAYS = 36_500
"""The longest period (100 years) a ``…_days`` threshold accepts; far longer ones overflow date arithmetic."""


def validate_checks(checks: Any, path: Path, known: Mapping[str, type[Entry]]) -> dict[str, dict[str, Any]]:
    """Check sections, ids, option names and value types against what the entries of `known` declare."""
    if not isinstance(checks, dict):
        raise ConfigError(f"invalid config file {path}: [checks] must be a table")
    for check_id, options in checks.items():
        if check_id not in known:
            raise ConfigError(f"invalid config file {path}: unknown check {check_id!r} "
                              f"(see `pgdiag checks`)")
        if not isinstance(options, dict):
            raise ConfigError(f"invalid config file {path}: [checks.{check_id}] must be a table")
        declared = known[check_id].thresholds
        for name, value in options.items():
            if name == "enabled":
                expected: type | tuple[type, ...] = bool
            elif name in declared:
                default = declared[name].default
                expected = (int, float) if isinstance(default, (int, float)) and not isinstance(default, bool) \
                    else type(default)
            else:
                raise ConfigError(f"invalid config file {path}: check {check_id!r} has no option {name!r}")
            if not isinstance(value, expected) or (expected != bool and isinstance(value, bool)):
                raise ConfigError(f"invalid config file {path}: checks.{check_id}.{name} "
                                  f"must be {_type_name(expected)}, got {value!r}")
            problem = _threshold_problem(name, value)
            if problem:
                raise ConfigError(f"invalid config file {path}: checks.{check_id}.{name} {problem}, got {value!r}")
    return checks


def _threshold_problem(name: str, value: Any) -> str | None:
    """What is wrong with threshold `name` = `value` (its type already checked), or None.

    Every threshold is a limit a measurement is compared with ("at least …", "at most …"), so it must be
    a finite number and not negative: TOML's ``nan`` and ``inf`` would silently switch a rule off (nothing
    compares true with NaN). Zero stays allowed: it lets every object pass that one criterion, leaving
    the check's others (``dead_percent = 0`` reports every table with ``min_dead_rows``). Thresholds are
    named by what they measure, and some units bound them further: a ``…_percent`` is a share, never
    above 100 (a rule that can never fire is ``enabled = false``); a ``…_factor`` says how many times
    cheaper an index makes a statement, so at 1 or less an index that helps nothing would be advised;
    a ``…_days`` is a period, at most `MAX_DAYS`. A list threshold holds names.

    >>> _threshold_problem("mean_ms", float("nan")), _threshold_problem("min_factor", 1)
    ('must be a finite number', 'must be greater than 1')
    >>> _threshold_problem("min_calls", 0), _threshold_problem("max_age_days", 1e308)
    (None, 'is a number of days: at most 36500')
    """
    if isinstance(value, list):
        return None if all(isinstance(item, str) and item for item in value) else "must be a list of names"
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    if not math.isfinite(value):
        return "must be a finite number"
    if value < 0:
        return "must not be negative"
    if name.endswith("_percent") and value > 100:
        return "is a percentage: at most 100"
    if name.endswith("_factor") and value <= 1:
        return "must be greater than 1"
    if name.endswith("_days") and value > MAX_DAYS:
        return f"is a number of days: at most {MAX_DAYS}"
    return None


def _type_name(expected: type | tuple[type, ...]) -> str:
    return "a number" if isinstance(expected, tuple) else {bool: "true or false", str: "a string"}.get(
        expected, expected.__name__)
