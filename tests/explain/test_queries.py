"""Every query pgdiag explain sends has its file for every supported PostgreSQL major."""

from __future__ import annotations

import pytest

from pgdiag.db import queries
from pgdiag.db.planner import GENERIC_PLAN_VERSION
from pgdiag.explain.run import QUERIES

# Only from PostgreSQL 16 (before, the generic plan comes from a prepared statement).
FROM_16 = {"explain_plain_generic"}


@pytest.mark.parametrize("major", range(13, 19))
def test_every_explain_query_has_a_file(major: int) -> None:
    for name in QUERIES:
        if name in FROM_16 and major * 10000 < GENERIC_PLAN_VERSION:
            with pytest.raises(KeyError):
                queries.path_for(name, major * 10000)
            continue
        assert queries.path_for(name, major * 10000).exists()
        assert queries.MARKER in queries.get(name, major * 10000)
