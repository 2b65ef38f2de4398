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
ignore_roles = ["prisma_migrate"]
[compare]              # what `scan --store` reports as changed (docs/history.md)
regression_percent = 50
[[targets]]            # databases `scan --all` scans (pgdiag.history.targets)
name = "billing"
dsn_env = "BILLING_DATABASE_URL"
```
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Mapping

from pgdiag.core.errors import ConfigError
from pgdiag.db.dsn import Target, parse
from pgdiag.tenant.config import TENANCY, TenancyConfig


@dataclass(frozen=True)
class TargetEntry:
    """One ``[[targets]]`` entry: a name, where its connection string comes from, and its own settings (tenant
    column, thresholds, and the Prisma schema its findings are worded in, relative to pgdiag.toml)."""

    name: str
    dsn: str | None = None
    dsn_env: str | None = None
    tenant_column: str | None = None
    prisma_schema: Path | None = None
    checks: dict[str, dict[str, Any]] = field(default_factory=dict)

    def resolve(self, environ: Mapping[str, str] | None = None) -> Target:
        """The target to connect to; an unset environment variable is this target's error only."""
        if self.dsn is not None:
            return parse(self.dsn)
        env = os.environ if environ is None else environ
        value = env.get(self.dsn_env or "")
        if not value:
            raise ConfigError(f"environment variable {self.dsn_env} is not set")
        return parse(value)


@dataclass
class Config:
    """Settings from pgdiag.toml: threshold overrides, disabled checks, the tenant model, the [compare]
    thresholds and the ``[[targets]]`` of ``scan --all``."""

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

    def for_target(self, entry: TargetEntry) -> Config:
        """This configuration as it applies to `entry`: its thresholds over the global ones, its tenant column."""
        checks = {check: {**self.checks.get(check, {}), **entry.checks.get(check, {})}
                  for check in {*self.checks, *entry.checks}}
        return replace(self, checks=checks).with_tenant_column(entry.tenant_column)
