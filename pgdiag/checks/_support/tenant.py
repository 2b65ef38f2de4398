"""What the tenant checks share: the tenant model, refused when the user named a tenant column no table has."""

from __future__ import annotations

from pgdiag.checks.base import NotApplicable
from pgdiag.core.snapshot import Snapshot
from pgdiag.tenant.config import TenancyConfig
from pgdiag.tenant.model import TenantSchema, tenant_schema


def configured_tenant_schema(snapshot: Snapshot, config: TenancyConfig) -> TenantSchema | None:
    """The tenant model (None when no table has a detected tenant column). A column the user configured that no
    table has raises `NotApplicable`: the tenant checks would otherwise stay silent, as if all were well."""
    schema = tenant_schema(snapshot, config)
    if schema is None and config.tenant_column:
        raise NotApplicable(f"no tenant table has the tenant column {config.tenant_column!r} (--tenant-column or "
                            "tenant_column in [tenancy]; the tenant root and global tables do not count); name a "
                            "column the tenant tables have")
    return schema
