"""pgdiag.toml: per-check thresholds and switches, validated so a typo is an error, not a silent default.

```toml
[checks.slow_query]
mean_ms = 100          # any threshold a check declares
[checks.table_bloat]
enabled = false        # turn a check off
[tenancy]              # tenant isolation (docs/tenancy.md)
tenant_column = "organizationId"
global_tables = ["Country", "public.Plan"]
allowed_statements = ["-8412817719384", 'SELECT count(*) FROM "public"."Alert"']
[compare]              # what `scan --store` reports as changed (docs/history.md)
regression_percent = 50
[[targets]]            # databases `scan --all` scans (pgdiag.targets)
name = "billing"
dsn_env = "BILLING_DATABASE_URL"
```
"""

from __future__ import annotations

import math
import tomllib
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pgdiag.errors import ConfigError

if TYPE_CHECKING:
    from pgdiag.targets import TargetEntry

DEFAULT_FILE = "pgdiag.toml"
MAX_DAYS = 36_500
"""The longest period (100 years) a ``…_days`` threshold accepts; far longer ones overflow date arithmetic."""
TENANCY = "tenancy"
"""The key under which `Config.overrides` hands the [tenancy] section to the checks that declare a use for it."""


@dataclass(frozen=True)
class TenancyConfig:
    """The [tenancy] section: the tenant column (None: detected), tables that are shared by all tenants
    (``"table"`` or ``"schema.table"``), and statements allowed to cross tenants (queryids or exact texts)."""

    tenant_column: str | None = None
    global_tables: tuple[str, ...] = ()
    allowed_statements: tuple[str, ...] = ()


@dataclass
class Config:
    """Settings from pgdiag.toml: threshold overrides, disabled checks and the tenant model."""

    checks: dict[str, dict[str, Any]] = field(default_factory=dict)
    source: Path | None = None
    tenancy: TenancyConfig = field(default_factory=TenancyConfig)
    compare: dict[str, Any] = field(default_factory=dict)
    targets: tuple[TargetEntry, ...] = ()

    def enabled(self, check_id: str) -> bool:
        """Whether `check_id` should run."""
        return bool(self.checks.get(check_id, {}).get("enabled", True))

    def overrides(self, check_id: str) -> dict[str, Any]:
        """The thresholds the user set for `check_id` (without the ``enabled`` switch), and the [tenancy]
        section under `TENANCY` (a check keeps it only when it declares a use for it)."""
        options = {k: v for k, v in self.checks.get(check_id, {}).items() if k != "enabled"}
        return {**options, TENANCY: self.tenancy}

    def with_tenant_column(self, column: str | None) -> Config:
        """This configuration with the tenant column `column` (the command line's ``--tenant-column``
        wins over pgdiag.toml); unchanged when `column` is None."""
        if column is None:
            return self
        if not column.strip():  # pgdiag.toml refuses an empty tenant_column too
            raise ConfigError("--tenant-column needs a column name")
        return replace(self, tenancy=replace(self.tenancy, tenant_column=column))


def load(path: Path | None) -> Config:
    """Read `path`, or ``./pgdiag.toml`` when it exists, and validate it against the checks' thresholds."""
    if path is None:
        default = Path(DEFAULT_FILE)
        if not default.is_file():
            return Config()
        path = default
    try:
        doc = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"config file {path} not found") from None
    except OSError as exc:
        raise ConfigError(f"cannot read config file {path}: {exc.strerror}") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"invalid config file {path}: {exc}") from None
    return Config(checks=_validate(doc, path), source=path, tenancy=_tenancy(doc.get(TENANCY, {}), path),
                  compare=_compare(doc.get("compare", {}), path), targets=_targets(doc, path))


def _compare(section: Any, path: Path) -> dict[str, Any]:
    """The [compare] section, validated against `pgdiag.compare.CompareSettings`."""
    from pgdiag.compare import CompareSettings

    return CompareSettings.validate(section, path)


def _targets(doc: dict[str, Any], path: Path) -> tuple[TargetEntry, ...]:
    """The [[targets]] array, each target's own [targets.checks.*] validated like [checks.*]."""
    from pgdiag.targets import parse_targets

    if "targets" not in doc:
        return ()
    return parse_targets(doc["targets"], path, lambda checks: _validate({"checks": checks}, path))


def _tenancy(section: Any, path: Path) -> TenancyConfig:
    """The [tenancy] section, every key known and of the right type."""
    if not isinstance(section, dict):
        raise ConfigError(f"invalid config file {path}: [{TENANCY}] must be a table")
    unknown = set(section) - {"tenant_column", "global_tables", "allowed_statements"}
    if unknown:
        raise ConfigError(f"invalid config file {path}: [{TENANCY}] has no option {sorted(unknown)[0]!r}")
    column = section.get("tenant_column")
    if column is not None and (not isinstance(column, str) or not column):
        raise ConfigError(f"invalid config file {path}: {TENANCY}.tenant_column must be a column name, got {column!r}")
    lists = {}
    for name in ("global_tables", "allowed_statements"):
        value = section.get(name, [])
        if not isinstance(value, list) or not all(isinstance(item, str) and item for item in value):
            raise ConfigError(f"invalid config file {path}: {TENANCY}.{name} must be a list of strings, "
                              f"got {value!r}")
        lists[name] = tuple(value)
    return TenancyConfig(tenant_column=column, **lists)


def _validate(doc: dict[str, Any], path: Path) -> dict[str, dict[str, Any]]:
    """Check sections, ids, option names and value types against what the checks declare."""
    from pgdiag.checks import registry

    unknown = set(doc) - {"checks", TENANCY, "compare", "targets"}
    if unknown:
        raise ConfigError(f"invalid config file {path}: unknown section [{sorted(unknown)[0]}]")
    checks = doc.get("checks", {})
    if not isinstance(checks, dict):
        raise ConfigError(f"invalid config file {path}: [checks] must be a table")
    known = registry()
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
