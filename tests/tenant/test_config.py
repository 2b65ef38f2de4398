"""The [tenancy] section of pgdiag.toml and ``--tenant-column``: parsed, validated, handed to the tenant checks."""

from __future__ import annotations

from pathlib import Path

import pytest

from pgdiag.checks import registry
from pgdiag.config.loader import load
from pgdiag.config.model import Config
from pgdiag.core.errors import ConfigError
from pgdiag.tenant.config import TenancyConfig


def write(tmp_path: Path, text: str) -> Path:
    """A pgdiag.toml holding `text`."""
    path = tmp_path / "pgdiag.toml"
    path.write_text(text)
    return path


def test_tenancy_section_is_read(tmp_path: Path) -> None:
    """Every key of [tenancy] is read into `TenancyConfig`; [checks] beside it keeps working."""
    config = load(write(tmp_path, '[tenancy]\ntenant_column = "tenant_id"\nglobal_tables = ["Country", "public.Plan"]\n'
                                  'allowed_statements = ["-123", \'SELECT 1 FROM "Alert"\']\n'
                                  'ignore_roles = ["prisma_migrate"]\n'
                                  '[checks.tenant_index_missing]\nlarge_rows = 5\n'))
    assert config.tenancy == TenancyConfig("tenant_id", ("Country", "public.Plan"), ("-123", 'SELECT 1 FROM "Alert"'),
                                           ("prisma_migrate",))
    settings = registry()["tenant_index_missing"].settings(config.overrides("tenant_index_missing"))
    assert (settings.large_rows, settings.tenancy) == (5, config.tenancy)


def test_without_tenancy_section_the_column_is_detected(tmp_path: Path) -> None:
    """No [tenancy]: nothing configured; other checks' settings do not see the section."""
    config = load(write(tmp_path, "[checks.slow_query]\nmean_ms = 10\n"))
    assert config.tenancy == TenancyConfig()
    assert not hasattr(registry()["slow_query"].settings(config.overrides("slow_query")), "tenancy")


@pytest.mark.parametrize("text, fragment", [
    ("[tenancy]\ntenant_colum = 'x'", "[tenancy] has no option 'tenant_colum'"),
    ("[tenancy]\ntenant_column = 5", "tenancy.tenant_column must be a column name"),
    ("[tenancy]\ntenant_column = ''", "tenancy.tenant_column must be a column name"),
    ("[tenancy]\nglobal_tables = 'Country'", "tenancy.global_tables must be a list of strings"),
    ("[tenancy]\nallowed_statements = [1, 2]", "tenancy.allowed_statements must be a list of strings"),
    ("[tenancy]\nignore_roles = 'migrator'", "tenancy.ignore_roles must be a list of strings"),
    ("tenancy = 3", "[tenancy] must be a table"),
])
def test_invalid_tenancy_section(tmp_path: Path, text: str, fragment: str) -> None:
    """An unknown key or a value of the wrong type is an error naming it, never a silent default."""
    with pytest.raises(ConfigError, match="invalid config file") as error:
        load(write(tmp_path, text))
    assert fragment in str(error.value)


def test_command_line_column_wins() -> None:
    """``--tenant-column`` replaces the configured column and keeps the allow-lists; None changes nothing."""
    config = Config(tenancy=TenancyConfig("organizationId", ("Country",), ()))
    assert config.with_tenant_column(None) is config
    assert config.with_tenant_column("account_id").tenancy == TenancyConfig("account_id", ("Country",), ())
