"""Scheduled work: feedback polls and answers, schedule slot claims, alerts, approval reminders,
drift findings and their timeline.

The feedback tables come first: bot/feedback and bot/metrics build on them.

Revision ID: 0002
Revises: 0001
Create Date: 2025-01-13
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def _ts() -> sa.DateTime:
    return sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "feedback_polls",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("user_id", sa.String(), nullable=False),
        sa.Column("kind", sa.String(), nullable=False),
        sa.Column("request_id", sa.Integer(), sa.ForeignKey("requests.id"), nullable=True),
        sa.Column("path", sa.String(), nullable=True),
        sa.Column("sent_at", _ts(), nullable=False),
        sa.Column("answered_at", _ts(), nullable=True),
        sa.Column("channel", sa.String(), nullable=False),
        sa.Column("message_ts", sa.String(), nullable=False),
        sa.CheckConstraint("kind IN ('csat', 'nps')", name="ck_feedback_polls_kind"),
    )
    op.create_index("ix_feedback_polls_user_id", "feedback_polls", ["user_id"])
    op.create_index("ix_feedback_polls_request_id", "feedback_polls", ["request_id"])

    op.create_table(
        "feedback_answers",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("user_id", sa.String(), nullable=False),
        sa.Column("kind", sa.String(), nullable=False),
        sa.Column("score", sa.Integer(), nullable=True),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("request_id", sa.Integer(), nullable=True),
        sa.Column("path", sa.String(), nullable=True),
        sa.Column("poll_id", sa.Integer(), sa.ForeignKey("feedback_polls.id"), nullable=True),
        sa.Column("answered_at", _ts(), nullable=False),
        sa.CheckConstraint("kind IN ('csat', 'nps', 'comment')", name="ck_feedback_answers_kind"),
    )
    op.create_index("ix_feedback_answers_user_id", "feedback_answers", ["user_id"])
    op.create_index("ix_feedback_answers_kind_answered_at", "feedback_answers", ["kind", "answered_at"])
    op.create_index("ix_feedback_answers_poll_id", "feedback_answers", ["poll_id"])

    op.create_table(
        "schedule_claims",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("job_id", sa.String(), nullable=False),
        sa.Column("slot_at", _ts(), nullable=False),
        sa.Column("claimed_at", _ts(), nullable=False),
        sa.Column("owner", sa.String(), nullable=False),
        sa.Column("outcome", sa.String(), nullable=False),
        sa.Column("finished_at", _ts(), nullable=True),
        sa.UniqueConstraint("job_id", "slot_at", name="uq_schedule_claims_slot"),
        sa.CheckConstraint(
            "outcome IN ('running', 'succeeded', 'failed')", name="ck_schedule_claims_outcome"
        ),
    )

    op.create_table(
        "schedule_alerts",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("key", sa.String(), nullable=False),
        sa.Column("open_key", sa.String(), nullable=True),
        sa.Column("opened_at", _ts(), nullable=False),
        sa.Column("last_seen_at", _ts(), nullable=False),
        sa.Column("closed_at", _ts(), nullable=True),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.UniqueConstraint("open_key", name="uq_schedule_alerts_open_key"),
    )

    op.create_table(
        "approval_reminders",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("request_id", sa.Integer(), sa.ForeignKey("requests.id"), nullable=False),
        sa.Column("group", sa.String(), nullable=False),
        sa.Column("approval_round", sa.Integer(), nullable=False),
        sa.Column("sent_at", _ts(), nullable=False),
    )
    op.create_index("ix_approval_reminders_request_id", "approval_reminders", ["request_id"])

    op.create_table(
        "drift_findings",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("request_id", sa.Integer(), sa.ForeignKey("requests.id"), nullable=False),
        sa.Column("stack_name", sa.String(), nullable=False),
        sa.Column("open_key", sa.String(), nullable=True),
        sa.Column("state", sa.String(), nullable=False),
        sa.Column("fingerprint", sa.String(), nullable=False),
        sa.Column("changes", sa.JSON(), nullable=False),
        sa.Column("summary", sa.String(), nullable=False),
        sa.Column("detected_at", _ts(), nullable=False),
        sa.Column("last_seen_at", _ts(), nullable=False),
        sa.Column("reported_at", _ts(), nullable=True),
        sa.Column("snoozed_until", _ts(), nullable=True),
        sa.Column("reconcile_request_id", sa.Integer(), sa.ForeignKey("requests.id"), nullable=True),
        sa.Column("closed_at", _ts(), nullable=True),
        sa.Column("channel", sa.String(), nullable=True),
        sa.Column("message_ts", sa.String(), nullable=True),
        sa.CheckConstraint(
            "state IN ('open', 'snoozed', 'reconciling', 'accepted', 'resolved')",
            name="ck_drift_findings_state",
        ),
        sa.UniqueConstraint("open_key", name="uq_drift_findings_open_key"),
    )
    op.create_index("ix_drift_findings_request_id", "drift_findings", ["request_id"])

    op.create_table(
        "drift_events",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("finding_id", sa.Integer(), sa.ForeignKey("drift_findings.id"), nullable=False),
        sa.Column("at", _ts(), nullable=False),
        sa.Column("actor", sa.String(), nullable=False),
        sa.Column("event", sa.String(), nullable=False),
        sa.Column("detail", sa.JSON(), nullable=False),
    )
    op.create_index("ix_drift_events_finding_id", "drift_events", ["finding_id"])


def downgrade() -> None:
    op.drop_index("ix_drift_events_finding_id", table_name="drift_events")
    op.drop_table("drift_events")
    op.drop_index("ix_drift_findings_request_id", table_name="drift_findings")
    op.drop_table("drift_findings")
    op.drop_index("ix_approval_reminders_request_id", table_name="approval_reminders")
    op.drop_table("approval_reminders")
    op.drop_table("schedule_alerts")
    op.drop_table("schedule_claims")
    op.drop_index("ix_feedback_answers_poll_id", table_name="feedback_answers")
    op.drop_index("ix_feedback_answers_kind_answered_at", table_name="feedback_answers")
    op.drop_index("ix_feedback_answers_user_id", table_name="feedback_answers")
    op.drop_table("feedback_answers")
    op.drop_index("ix_feedback_polls_request_id", table_name="feedback_polls")
    op.drop_index("ix_feedback_polls_user_id", table_name="feedback_polls")
    op.drop_table("feedback_polls")
