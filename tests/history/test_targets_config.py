"""[[targets]] and [compare] in pgdiag.toml: validated like the rest of the file (a typo is an error, exit 2),
target keys never carry a user or password, and a target's own settings apply to it only."""

from __future__ import annotations

from pathlib import Path

import pytest

from pgdiag.config.loader import load
from pgdiag.config.model import TargetEntry
from pgdiag.core.errors import ConfigError
from pgdiag.db.dsn import parse
from pgdiag.history.targets import target_key
from tests.cli_helpers import assert_one_line_error, invoke


@pytest.mark.parametrize("text, message", [
    ('[[targets]]\ndsn = "dbname=a"\n', "needs a name"),
    ('[[targets]]\nname = "a/b"\ndsn = "dbname=a"\n', "needs a name"),
    ('[[targets]]\nname = "index"\ndsn = "dbname=a"\n', "taken by the index page"),
    ('[[targets]]\nname = "a"\ndsn = "dbname=a"\n[[targets]]\nname = "a"\ndsn = "dbname=b"\n', "two targets are named"),
    ('[[targets]]\nname = "a"\n', "exactly one of dsn or dsn_env"),
    ('[[targets]]\nname = "a"\ndsn = "dbname=a"\ndsn_env = "X"\n', "exactly one of dsn or dsn_env"),
    ('[[targets]]\nname = "a"\ndsn = "dbname=a"\nhost = "db"\n', "has no option 'host'"),
    ('[[targets]]\nname = "a"\ndsn = 5\n', "dsn must be a non-empty string"),
    ('[[targets]]\nname = "a"\ndsn = "dbname=a"\nprisma_schema = ""\n', "prisma_schema must be a non-empty string"),
    ('[[targets]]\nname = "a"\ndsn = "dbname=a"\n[targets.checks.no_such_check]\nenabled = false\n',
     "unknown check 'no_such_check'"),
    ('[[targets]]\nname = "a"\ndsn = "dbname=a"\n[targets.checks.slow_query]\nmean_ms = "fast"\n', "must be a number"),
    ("targets = 3\n", "must be an array of tables"),
    ("[compare]\nregression_percent = 0\n", "must be a positive number"),
    ("[compare]\nstatements = 2.5\n", "must be a positive whole number"),
    ("[compare]\nregression_pct = 50\n", "[compare] has no option 'regression_pct'"),
])
def test_invalid_targets_and_compare_sections(capsys, tmp_path: Path, text: str, message: str) -> None:
    config = tmp_path / "pgdiag.toml"
    config.write_text(text, encoding="utf-8")
    assert_one_line_error(invoke(capsys, "scan", "--all", "--config", str(config)), message)


def test_valid_sections_are_read(tmp_path: Path) -> None:
    config = tmp_path / "pgdiag.toml"
    config.write_text('[checks.slow_query]\nmean_ms = 10\n[compare]\nregression_percent = 25\n'
                      '[[targets]]\nname = "billing"\ndsn_env = "BILLING_URL"\ntenant_column = "accountId"\n'
                      'prisma_schema = "billing/prisma/schema"\n'
                      '[targets.checks.slow_query]\nmin_calls = 5\n', encoding="utf-8")
    loaded = load(config)
    assert loaded.compare == {"regression_percent": 25}
    [entry] = loaded.targets
    assert entry == TargetEntry(name="billing", dsn_env="BILLING_URL", tenant_column="accountId",
                                prisma_schema=tmp_path / "billing/prisma/schema", checks={"slow_query": {"min_calls": 5}})
    own = loaded.for_target(entry)
    assert own.checks == {"slow_query": {"mean_ms": 10, "min_calls": 5}}
    assert own.tenancy.tenant_column == "accountId" and loaded.tenancy.tenant_column is None
    assert entry.resolve({"BILLING_URL": "postgresql://app@billing/billing"}).display == \
        "postgresql://app@billing/billing"
    with pytest.raises(ConfigError, match="environment variable BILLING_URL is not set"):
        entry.resolve({})


@pytest.mark.parametrize("dsn, key", [
    ("postgresql://app:secret@db.example.com:6432/prod", "db.example.com:6432/prod"),
    ("postgresql://other@db.example.com:6432/prod", "db.example.com:6432/prod"),
    ("host=db.example.com dbname=prod user=app password=secret", "db.example.com:5432/prod"),
])
def test_target_key_is_host_port_database(dsn: str, key: str) -> None:
    assert target_key(parse(dsn)) == key
