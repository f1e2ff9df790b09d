"""Fixtures shared by every test package: the real local parts."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from tests.support.postgres import PostgresServer, PostgresUnavailable, running_postgres

# The real rulebook and catalog, the tests' Monday clock and the recording notifier, for every
# package (a package's own conftest may define its own instead).
pytest_plugins = ["tests.support.workflow"]


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """One real PostgreSQL cluster per test session. In CI a missing server is a failure, not a skip."""
    try:
        with running_postgres() as server:
            yield server
    except PostgresUnavailable as exc:
        if os.environ.get("CI"):
            pytest.fail(str(exc))
        pytest.skip(str(exc))
