"""Live resources may expire (issue 15, ttl=): when the bot destroys them, and the last step of that
expiry already taken (a warning sent, the destroy asked) so several replicas and restarts take each
step once. Null expires_at: the resource lives until someone destroys it, as before this revision.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("resources") as batch:
        batch.add_column(sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("expiry_notice", sa.String(), nullable=True))
        batch.create_index("ix_resources_expires_at", ["expires_at"])


def downgrade() -> None:
    with op.batch_alter_table("resources") as batch:
        batch.drop_index("ix_resources_expires_at")
        batch.drop_column("expiry_notice")
        batch.drop_column("expires_at")
