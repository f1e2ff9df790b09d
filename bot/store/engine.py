"""Engine and sessions: SQLite by default, PostgreSQL through DATABASE_URL.

SQLite is made safe for the bot's threads: WAL (readers never wait for the writer), a busy timeout
(a writer waits instead of failing at once), foreign keys on, and write transactions that start
with BEGIN IMMEDIATE. pysqlite would otherwise begin lazily at the first write, so a
read-check-write sequence could read stale state; taking the write lock up front makes every
write transaction serial on SQLite. On PostgreSQL the workflow locks the request row
(SELECT ... FOR UPDATE) for the same effect.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError, SQLAlchemyError
from sqlmodel import Session

from bot.errors import AppendOnlyViolation, StoreConflict, StoreError, StoreUnavailable, WorkflowError

log = logging.getLogger(__name__)

SQLITE_BUSY_TIMEOUT_MS = 15_000
_WRITE_OPTION = "platformbot_write"
APPEND_ONLY_MESSAGE = "audit_events is append-only"


def default_database_url(data_dir: Path) -> str:
    return f"sqlite:///{data_dir / 'platformbot.sqlite3'}"


def normalise_url(url: str) -> str:
    """`postgres://` and `postgresql://` (what hosting platforms hand out) mean psycopg 3 here."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def create_store_engine(url: str, *, echo: bool = False) -> Engine:
    url = normalise_url(url)
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database in (None, "", ":memory:"):
            # Each pooled connection would get its own empty database.
            raise ValueError("the store needs an SQLite file, not an in-memory database")
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, echo=echo, connect_args={"check_same_thread": False})
        _configure_sqlite(engine)
        return engine
    return create_engine(url, echo=echo, pool_pre_ping=True)


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy's "begin" hook below emit BEGIN itself (the pysqlite recipe in SQLAlchemy's docs).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        write = connection.get_execution_options().get(_WRITE_OPTION, False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")


class Store:
    """The session factory the workflow is handed. `write()` commits on success, rolls back on error."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._write_engine = engine.execution_options(**{_WRITE_OPTION: True})

    @classmethod
    def from_url(cls, url: str, *, migrate: bool = True) -> Store:
        store = cls(create_store_engine(url))
        if migrate:
            store.migrate()
        return store

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def migrate(self, revision: str = "head") -> None:
        from bot.store.migrate import upgrade

        upgrade(self.engine, revision)

    @contextmanager
    def read(self) -> Iterator[Session]:
        with translate_errors(), Session(self.engine, expire_on_commit=False) as session:
            yield session

    @contextmanager
    def write(self) -> Iterator[Session]:
        with translate_errors(), Session(self._write_engine, expire_on_commit=False) as session:
            with session.begin():
                yield session

    def dispose(self) -> None:
        self.engine.dispose()


@contextmanager
def translate_errors() -> Iterator[None]:
    """The one place SQLAlchemy's exceptions become the core's (the original stays in the log)."""
    try:
        yield
    except WorkflowError:
        raise
    except IntegrityError as exc:
        if APPEND_ONLY_MESSAGE in str(exc.orig):
            raise AppendOnlyViolation() from exc
        raise StoreConflict() from exc
    except OperationalError as exc:
        log.warning("database unavailable: %s", exc)
        raise StoreUnavailable(
            "The bot's database is busy or unreachable; please try again shortly."
        ) from exc
    except DBAPIError as exc:
        if APPEND_ONLY_MESSAGE in str(exc.orig):
            raise AppendOnlyViolation() from exc
        log.exception("database error")
        raise StoreError() from exc
    except SQLAlchemyError as exc:
        log.exception("database error")
        raise StoreError() from exc
