"""APScheduler's job store table, and which follow-up (reconcile or accept) a drift finding has.

Revision ID: 0003
Revises: 0002
Create Date: 2025-01-14
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "apscheduler_jobs",
        sa.Column("id", sa.Unicode(191), primary_key=True),
        sa.Column("next_run_time", sa.Float(25), nullable=True),
        sa.Column("job_state", sa.LargeBinary(), nullable=False),
    )
    op.create_index("ix_apscheduler_jobs_next_run_time", "apscheduler_jobs", ["next_run_time"])
    with op.batch_alter_table("drift_findings") as batch:
        batch.add_column(sa.Column("follow_up", sa.String(), nullable=True))
        batch.create_check_constraint(
            "ck_drift_findings_follow_up", "follow_up IS NULL OR follow_up IN ('reconcile', 'accept')"
        )


def downgrade() -> None:
    with op.batch_alter_table("drift_findings") as batch:
        batch.drop_constraint("ck_drift_findings_follow_up", type_="check")
        batch.drop_column("follow_up")
    op.drop_index("ix_apscheduler_jobs_next_run_time", table_name="apscheduler_jobs")
    op.drop_table("apscheduler_jobs")
