"""Ownership: the live resources and who owns them; what a request was decided on and what
superseded or destroyed it. Existing live resources are backfilled from the requests that built them.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "resources",
        sa.Column("stack_name", sa.String(), primary_key=True),
        sa.Column("path", sa.String(), nullable=False),
        sa.Column("owner_team", sa.String(), nullable=True),
        sa.Column("owner", sa.String(), nullable=True),
        sa.Column("created_by", sa.Integer(), sa.ForeignKey("requests.id"), nullable=False),
        sa.Column("request_id", sa.Integer(), sa.ForeignKey("requests.id"), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_resources_owner_team", "resources", ["owner_team"])
    with op.batch_alter_table("requests") as batch:
        batch.add_column(sa.Column("destroyed_by", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("superseded_by", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("resource", sa.JSON(), nullable=True))
    _backfill()


def _backfill() -> None:
    """Each stack whose newest succeeded request is an apply is live: its first such request made it."""
    bind = op.get_bind()
    rows = bind.execute(
        sa.text(
            "SELECT id, stack_name, path, action, requester, requester_team, finished_at, created_at"
            " FROM requests WHERE state = 'succeeded' ORDER BY id"
        )
    ).all()
    live: dict[str, dict[str, object]] = {}
    for row in rows:
        if row.action == "destroy":
            live.pop(row.stack_name, None)
            continue
        known = live.get(row.stack_name)
        at = row.finished_at or row.created_at
        if known is None:
            live[row.stack_name] = {
                "stack_name": row.stack_name,
                "path": row.path,
                "owner_team": row.requester_team,
                "owner": row.requester,
                "created_by": row.id,
                "request_id": row.id,
                "created_at": at,
                "updated_at": at,
            }
        else:
            known.update(request_id=row.id, updated_at=at)
    table = sa.table(
        "resources",
        *(sa.column(name) for name in ("stack_name", "path", "owner_team", "owner", "created_by")),
        sa.column("request_id"),
        sa.column("created_at"),
        sa.column("updated_at"),
    )
    if live:
        op.bulk_insert(table, list(live.values()))


def downgrade() -> None:
    with op.batch_alter_table("requests") as batch:
        batch.drop_column("resource")
        batch.drop_column("superseded_by")
        batch.drop_column("destroyed_by")
    op.drop_index("ix_resources_owner_team", table_name="resources")
    op.drop_table("resources")
