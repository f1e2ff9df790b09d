"""When approvals were asked for (instead of reading it back from `approvals_expire_at - ttl`, which
breaks when the ttl changes), and every team of the requester (the rulebook's `actor.teams`).

Also the team a transferred resource's credentials were issued to (`resources.credentials_from_team`).

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("requests") as batch:
        batch.add_column(sa.Column("approval_requested_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("requester_teams", sa.JSON(), nullable=True))
    with op.batch_alter_table("resources") as batch:
        batch.add_column(sa.Column("credentials_from_team", sa.String(), nullable=True))
    # Earlier requests: the last time the audit trail saw them enter awaiting_approval (the trail's
    # from/to states are true since 0004's fix; older rows may have none and stay null).
    op.execute(
        "UPDATE requests SET approval_requested_at = (SELECT max(a.at) FROM audit_events a"
        " WHERE a.request_id = requests.id AND a.to_state = 'awaiting_approval')"
    )


def downgrade() -> None:
    with op.batch_alter_table("resources") as batch:
        batch.drop_column("credentials_from_team")
    with op.batch_alter_table("requests") as batch:
        batch.drop_column("requester_teams")
        batch.drop_column("approval_requested_at")
