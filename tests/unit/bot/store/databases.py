"""Fresh databases for tests: an SQLite file, or a new database on the session's real PostgreSQL."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

import psycopg
import pytest

from bot.store import RequestRow

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


T0 = datetime(2025, 1, 6, 9, 0, tzinfo=UTC)


def request_row(**overrides: Any) -> RequestRow:
    values: dict[str, Any] = {
        "requester": "U_DEV",
        "requester_team": "payments",
        "channel": "C_REQ",
        "action": "apply",
        "path": "service",
        "intent": {"path": "service", "name": "billing", "env": "prod", "params": {}},
        "intent_text": "service name=billing env=prod",
        "stack_name": "service-billing-prod",
        "state": "evaluated",
        "intent_decision": {"verdict": "allow"},
        "created_at": T0,
        "updated_at": T0,
    }
    values.update(overrides)
    return RequestRow(**values)
