"""Tenant isolation (DESIGN §7): the tenant model, statement scoping, row-level security, and the
[tenancy] section of pgdiag.toml."""
