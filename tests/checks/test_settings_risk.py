"""settings_risk on throwaway clusters: one started with every dangerous setting and roles with and without
timeouts, one started with safe settings (silent)."""

from __future__ import annotations

from pgdiag.checks import run_checks
from pgdiag.db.dsn import parse
from pgdiag.scan import scan
from tests.checks.health_server import connect, throwaway_server
from tests.pg import Backend

DANGEROUS = {"fsync": "off", "full_page_writes": "off", "synchronous_commit": "off", "autovacuum": "off",
             "track_counts": "off"}


def test_dangerous_settings_and_roles_without_timeouts(backend: Backend) -> None:
    with throwaway_server(backend, **DANGEROUS) as server:
        with connect(server.dsn(), "setup") as conn:
            for statement in ("CREATE ROLE app_user LOGIN", "CREATE ROLE zero_app LOGIN",
                              "ALTER ROLE zero_app SET statement_timeout = 0",
                              "CREATE ROLE timed_app LOGIN", "ALTER ROLE timed_app SET statement_timeout = '5s'",
                              "CREATE ROLE idle_capped LOGIN",
                              "ALTER ROLE idle_capped IN DATABASE postgres SET idle_in_transaction_session_timeout = '1min'",
                              "CREATE ROLE standby_user LOGIN REPLICATION", "CREATE ROLE not_a_login"):
                conn.execute(statement)
        findings = [f for f in scan(parse(server.dsn())).checks.findings if f.check == "settings_risk"]
    by_setting = {f.evidence.get("setting"): f for f in findings}
    assert {name: f.severity for name, f in by_setting.items() if name} == {
        "fsync": "critical", "full_page_writes": "high", "autovacuum": "high", "track_counts": "high",
        "synchronous_commit": "medium"}
    fsync = by_setting["fsync"]
    assert fsync.evidence["source"] == "command line" and fsync.fix_sql.startswith("ALTER SYSTEM SET fsync = on;")
    [roles] = [f for f in findings if "roles" in f.evidence]
    assert roles.evidence["roles"] == ["app_user", "zero_app"] and roles.severity == "low"
    assert "ALTER ROLE app_user SET statement_timeout = '30s';" in roles.fix_sql


def test_silent_on_a_cluster_with_safe_settings(backend: Backend) -> None:
    with throwaway_server(backend, fsync="on") as server:
        with connect(server.dsn(), "setup") as conn:
            conn.execute("CREATE ROLE capped_app LOGIN")
            conn.execute("ALTER DATABASE postgres SET statement_timeout = '30s'")
        result = scan(parse(server.dsn()))
    assert result.snapshot.frame("role_timeouts")["role"].tolist() == ["capped_app"]
    assert [f.title for f in run_checks(result.snapshot).findings if f.check == "settings_risk"] == []
