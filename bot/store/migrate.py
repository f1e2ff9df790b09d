"""Alembic, configured in code (no alembic.ini): the app runs `upgrade(engine)` at start.

Adding a table later: declare it in bot/store/models.py, then generate a revision against a
database at head and review it:

    .venv/bin/python -m bot.store.migrate revision "add drift findings" sqlite:////tmp/pb.sqlite3

tests/unit/bot/store/test_migrations.py fails while migrations and models disagree.
"""

from __future__ import annotations

import sys
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, Engine, create_engine, text

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
# Any constant will do: it only has to be the same for every bot process sharing the database.
_PG_MIGRATION_LOCK = 0x706C6174


def alembic_config(connection: Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("path_separator", "os")
    config.set_main_option("version_locations", str(MIGRATIONS_DIR / "versions"))
    # Revision files are named <rev>_<slug>.py so they sort in order.
    config.set_main_option("file_template", "%%(rev)s_%%(slug)s")
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the schema to `revision`; safe when several bot processes start at once."""
    # The write option makes SQLite begin with BEGIN IMMEDIATE (see bot.store.engine): one migrator at a time.
    with engine.execution_options(platformbot_write=True).begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_MIGRATION_LOCK})
        command.upgrade(alembic_config(connection), revision)


def downgrade(engine: Engine, revision: str) -> None:
    with engine.execution_options(platformbot_write=True).begin() as connection:
        command.downgrade(alembic_config(connection), revision)


def current_revision(engine: Engine) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def _main(argv: list[str]) -> int:
    if len(argv) != 3 or argv[0] != "revision":
        print("usage: python -m bot.store.migrate revision <message> <database url at head>", file=sys.stderr)
        return 2
    # A plain engine: autogenerate only compares, and importing bot.store.engine here would close an
    # import circle (the engine runs these migrations).
    engine = create_engine(argv[2])
    with engine.begin() as connection:
        command.revision(alembic_config(connection), message=argv[1], autogenerate=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(_main(sys.argv[1:]))
