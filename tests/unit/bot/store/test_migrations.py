from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text

from bot.store import Store, create_store_engine, normalise_url
from bot.store.migrate import alembic_config, current_revision, downgrade, upgrade
from bot.store.models import SQLModel


def _diffs(store: Store) -> list[object]:
    with store.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return list(compare_metadata(context, SQLModel.metadata))


def test_migrations_produce_exactly_the_models(store: Store) -> None:
    assert _diffs(store) == []
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None and current_revision(store.engine) == head


def test_upgrade_at_head_is_a_no_op(store: Store) -> None:
    upgrade(store.engine)
    upgrade(store.engine)
    assert _diffs(store) == []


def test_downgrade_to_base_removes_everything_and_upgrade_restores_it(store: Store) -> None:
    downgrade(store.engine, "base")
    tables = set(inspect(store.engine).get_table_names()) - {"alembic_version"}
    assert tables == set()
    upgrade(store.engine)
    assert _diffs(store) == []


def test_sqlite_is_in_wal_mode_with_foreign_keys_and_a_busy_timeout(store: Store) -> None:
    if store.dialect != "sqlite":
        pytest.skip("SQLite pragmas")
    with store.engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 5000


def test_postgres_urls_mean_psycopg_3() -> None:
    assert normalise_url("postgresql://u:p@h/db") == "postgresql+psycopg://u:p@h/db"
    assert normalise_url("postgres://u:p@h/db") == "postgresql+psycopg://u:p@h/db"
    assert normalise_url("sqlite:///x.db") == "sqlite:///x.db"


def test_an_in_memory_sqlite_database_is_refused() -> None:
    try:
        create_store_engine("sqlite://")
    except ValueError as exc:
        assert "SQLite file" in str(exc)
    else:
        raise AssertionError("expected ValueError")


def test_write_transactions_commit_and_reads_see_them(store: Store) -> None:
    with store.write() as session:
        session.exec(text("SELECT 1"))  # type: ignore[call-overload]
    with store.read() as session:
        assert session.exec(text("SELECT 1")).scalar() == 1  # type: ignore[call-overload]
