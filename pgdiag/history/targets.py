"""Targets: the ``[[targets]]`` of pgdiag.toml for ``pgdiag scan --all``, and the key a target's
snapshots are stored under.

```toml
[[targets]]
name = "billing"                      # letters, digits, '.', '_', '-': names its report files
dsn_env = "BILLING_DATABASE_URL"      # or dsn = "postgresql://pgdiag@billing-db/billing"
tenant_column = "organizationId"      # optional (DESIGN §7)
prisma_schema = "../billing/prisma/schema.prisma"  # optional: a file or folder, relative to pgdiag.toml
[targets.checks.slow_query]           # optional: thresholds for this target only
mean_ms = 200
```
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any, Callable

from psycopg.conninfo import conninfo_to_dict

from pgdiag.config.model import TargetEntry
from pgdiag.core.errors import ConfigError
from pgdiag.db.dsn import Target, parse  # parse: used by the doctests

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$")
RESERVED_NAME = "index"  # scan --all writes index.html and index.json beside the targets' reports
_KEYS = {"name", "dsn", "dsn_env", "tenant_column", "prisma_schema", "checks"}


def target_key(target: Target, name: str | None = None) -> str:
    """The key a target's snapshots are stored under: its ``[[targets]]`` name, else ``host:port/database``
    (libpq's defaults filled in; never the user or password, so a scan by another role continues
    the same history).

    >>> target_key(parse("postgresql://app:pw@db.example.com/prod"))
    'db.example.com:5432/prod'
    >>> target_key(parse("host=/run/postgresql port=5433 dbname=app"), "billing")
    'billing'
    """
    if name:
        return name
    params = conninfo_to_dict(target.conninfo)
    env = os.environ
    host = params.get("host") or params.get("hostaddr") or env.get("PGHOST") or "localhost"
    port = params.get("port") or env.get("PGPORT") or "5432"
    user = params.get("user") or env.get("PGUSER") or ""
    database = params.get("dbname") or env.get("PGDATABASE") or user
    return f"{host}:{port}/{database}"


def parse_targets(raw: Any, path: Path,
                  validate_checks: Callable[[Any], dict[str, dict[str, Any]]]) -> tuple[TargetEntry, ...]:
    """Validate the ``[[targets]]`` array of pgdiag.toml; `validate_checks` checks each target's thresholds."""
    if not isinstance(raw, list) or not all(isinstance(t, dict) for t in raw):
        raise ConfigError(f"invalid config file {path}: targets must be an array of tables ([[targets]])")
    entries, seen = [], set()
    for number, table in enumerate(raw, 1):
        where = f"[[targets]] #{number}"
        unknown = sorted(set(table) - _KEYS)
        if unknown:
            raise ConfigError(f"invalid config file {path}: {where} has no option {unknown[0]!r}")
        name = table.get("name")
        if not isinstance(name, str) or not _NAME.match(name):
            raise ConfigError(f"invalid config file {path}: {where} needs a name of letters, digits, '.', '_' "
                              f"or '-' (it names the report files), got {name!r}")
        if name == RESERVED_NAME:
            raise ConfigError(f"invalid config file {path}: the target name {name!r} is taken by the index page")
        if name in seen:
            raise ConfigError(f"invalid config file {path}: two targets are named {name!r}")
        seen.add(name)
        for key in ("dsn", "dsn_env", "tenant_column", "prisma_schema"):
            if key in table and (not isinstance(table[key], str) or not table[key]):
                raise ConfigError(f"invalid config file {path}: target {name!r}: {key} must be a non-empty string")
        if ("dsn" in table) == ("dsn_env" in table):
            raise ConfigError(f"invalid config file {path}: target {name!r} needs exactly one of dsn or dsn_env")
        checks = validate_checks(table.get("checks", {}))
        schema = table.get("prisma_schema")
        entries.append(TargetEntry(name=name, dsn=table.get("dsn"), dsn_env=table.get("dsn_env"),
                                   tenant_column=table.get("tenant_column"),
                                   prisma_schema=path.parent / schema if schema is not None else None,
                                   checks=checks))
    return tuple(entries)
