"""The Slack messages a request owns (root, approval asks, status, progress), kept across restarts.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "slack_messages",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("request_id", sa.Integer(), sa.ForeignKey("requests.id"), nullable=False),
        sa.Column("kind", sa.String(), nullable=False),
        sa.Column("key", sa.String(), nullable=False),
        sa.Column("channel", sa.String(), nullable=False),
        sa.Column("ts", sa.String(), nullable=False),
        sa.CheckConstraint("kind IN ('root', 'ask', 'status', 'progress')", name="ck_slack_messages_kind"),
        sa.UniqueConstraint("request_id", "kind", "key", name="uq_slack_messages_request_kind_key"),
    )
    op.create_index("ix_slack_messages_request_id", "slack_messages", ["request_id"])


def downgrade() -> None:
    op.drop_index("ix_slack_messages_request_id", table_name="slack_messages")
    op.drop_table("slack_messages")
