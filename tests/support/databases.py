"""Fresh databases for tests: an SQLite file, or a new database on the session's real PostgreSQL.

`store` (imported as a fixture where it is needed) gives each test a fresh, migrated store on
each backend; `store_on` does the same for fixtures of other scopes or shapes.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import psycopg
import pytest

from bot.store import Store

BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]


@contextmanager
def fresh_database(backend: str, request: pytest.FixtureRequest, tmp_path_factory: Any) -> Iterator[str]:
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path_factory.mktemp('db') / 'platformbot.sqlite3'}"
        return
    server = request.getfixturevalue("postgres_server")
    name = f"pb_{uuid.uuid4().hex[:16]}"
    with psycopg.connect(server.dsn(), autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield server.sqlalchemy_url(name)
    finally:
        with psycopg.connect(server.dsn(), autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextmanager
def store_on(backend: str, request: pytest.FixtureRequest, tmp_path_factory: Any) -> Iterator[Store]:
    """A migrated store on a fresh database of `backend`, disposed afterwards."""
    with fresh_database(backend, request, tmp_path_factory) as url:
        store = Store.from_url(url)
        try:
            yield store
        finally:
            store.dispose()


@pytest.fixture(params=BACKENDS, name="store")
def store_on_each_backend(request: pytest.FixtureRequest, tmp_path_factory: Any) -> Iterator[Store]:
    """A fresh store per test, on SQLite and on the real PostgreSQL: what holds must hold on both."""
    with store_on(request.param, request, tmp_path_factory) as store:
        yield store
