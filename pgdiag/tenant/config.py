"""The [tenancy] section of pgdiag.toml (docs/tenancy.md): read and validated here, by the package that uses it."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pgdiag.core.errors import ConfigError

TENANCY = "tenancy"
"""The section's name, and the key under which `Config.overrides` hands it to the checks that declare a use for it."""


@dataclass(frozen=True)
class TenancyConfig:
    """The [tenancy] section: the tenant column (None: detected), tables that are shared by all tenants
    (``"table"`` or ``"schema.table"``), statements allowed to cross tenants (queryids or exact texts), and
    roles whose statements may cross tenants (migrations, admin tools)."""

    tenant_column: str | None = None
    global_tables: tuple[str, ...] = ()
    allowed_statements: tuple[str, ...] = ()
    ignore_roles: tuple[str, ...] = ()


def parse_tenancy(section: Any, path: Path) -> TenancyConfig:
    """The [tenancy] section, every key known and of the right type."""
    if not isinstance(section, dict):
        raise ConfigError(f"invalid config file {path}: [{TENANCY}] must be a table")
    unknown = set(section) - {"tenant_column", "global_tables", "allowed_statements", "ignore_roles"}
    if unknown:
        raise ConfigError(f"invalid config file {path}: [{TENANCY}] has no option {sorted(unknown)[0]!r}")
    column = section.get("tenant_column")
    if column is not None and (not isinstance(column, str) or not column):
        raise ConfigError(f"invalid config file {path}: {TENANCY}.tenant_column must be a column name, got {column!r}")
    lists = {}
    for name in ("global_tables", "allowed_statements", "ignore_roles"):
        value = section.get(name, [])
        if not isinstance(value, list) or not all(isinstance(item, str) and item for item in value):
            raise ConfigError(f"invalid config file {path}: {TENANCY}.{name} must be a list of strings, "
                              f"got {value!r}")
        lists[name] = tuple(value)
    return TenancyConfig(tenant_column=column, **lists)
