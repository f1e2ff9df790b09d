"""Alembic environment: always online, on the connection `bot.store.migrate` hands in."""

from __future__ import annotations

from alembic import context

from bot.store import models

config = context.config
connection = config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations through bot.store.migrate, which hands in a connection")

context.configure(
    connection=connection,
    target_metadata=models.SQLModel.metadata,
    # SQLite cannot ALTER most things in place; batch mode rebuilds the table instead.
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
