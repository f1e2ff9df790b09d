"""Requests, approvals, runs, the append-only audit trail and stack locks.

Revision ID: 0001
Revises:
Create Date: 2025-01-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

_STATES = (
    "'evaluated', 'planned', 'awaiting_approval', 'approved', 'applying', 'succeeded', 'failed', "
    "'denied', 'rejected', 'expired', 'cancelled'"
)
_APPEND_ONLY = "audit_events is append-only"


def _ts() -> sa.DateTime:
    return sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "requests",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("dedupe_key", sa.String(), nullable=True),
        sa.Column("requester", sa.String(), nullable=False),
        sa.Column("requester_team", sa.String(), nullable=True),
        sa.Column("requester_groups", sa.JSON(), nullable=False),
        sa.Column("channel", sa.String(), nullable=False),
        sa.Column("thread_ts", sa.String(), nullable=True),
        sa.Column("action", sa.String(), nullable=False),
        sa.Column("target_request_id", sa.Integer(), sa.ForeignKey("requests.id"), nullable=True),
        sa.Column("path", sa.String(), nullable=False),
        sa.Column("intent", sa.JSON(), nullable=False),
        sa.Column("intent_text", sa.String(), nullable=False),
        sa.Column("stack_name", sa.String(), nullable=False),
        sa.Column("state", sa.String(), nullable=False),
        sa.Column("intent_decision", sa.JSON(), nullable=False),
        sa.Column("plan", sa.JSON(), nullable=True),
        sa.Column("plan_hash", sa.String(), nullable=True),
        sa.Column("plan_decision", sa.JSON(), nullable=True),
        sa.Column("rulebook_version", sa.String(), nullable=True),
        sa.Column("required_approvals", sa.JSON(), nullable=False),
        sa.Column("approval_round", sa.Integer(), nullable=False),
        sa.Column("approvals_expire_at", _ts(), nullable=True),
        sa.Column("outputs", sa.JSON(), nullable=True),
        sa.Column("error", sa.String(), nullable=True),
        sa.Column("created_at", _ts(), nullable=False),
        sa.Column("updated_at", _ts(), nullable=False),
        sa.Column("planned_at", _ts(), nullable=True),
        sa.Column("approved_at", _ts(), nullable=True),
        sa.Column("apply_started_at", _ts(), nullable=True),
        sa.Column("finished_at", _ts(), nullable=True),
        sa.Column("destroyed_at", _ts(), nullable=True),
        sa.CheckConstraint(f"state IN ({_STATES})", name="ck_requests_state"),
        sa.CheckConstraint("action IN ('apply', 'destroy')", name="ck_requests_action"),
        sa.UniqueConstraint("dedupe_key", name="uq_requests_dedupe_key"),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_requests_state", "requests", ["state"])
    op.create_index("ix_requests_requester", "requests", ["requester"])
    op.create_index("ix_requests_stack_name", "requests", ["stack_name"])
    op.create_index("ix_requests_target_request_id", "requests", ["target_request_id"])

    op.create_table(
        "approvals",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("request_id", sa.Integer(), sa.ForeignKey("requests.id"), nullable=False),
        sa.Column("approval_round", sa.Integer(), nullable=False),
        sa.Column("group", sa.String(), nullable=False),
        sa.Column("approver", sa.String(), nullable=False),
        sa.Column("plan_hash", sa.String(), nullable=False),
        sa.Column("approved_at", _ts(), nullable=False),
        sa.Column("voided_at", _ts(), nullable=True),
        sa.Column("void_reason", sa.String(), nullable=True),
        sa.UniqueConstraint(
            "request_id", "approval_round", "group", "approver", "plan_hash", name="uq_approvals_vote"
        ),
    )
    op.create_index("ix_approvals_request_id", "approvals", ["request_id"])

    op.create_table(
        "runs",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("request_id", sa.Integer(), sa.ForeignKey("requests.id"), nullable=False),
        sa.Column("kind", sa.String(), nullable=False),
        sa.Column("outcome", sa.String(), nullable=False),
        sa.Column("plan_hash", sa.String(), nullable=True),
        sa.Column("hostname", sa.String(), nullable=False),
        sa.Column("pid", sa.Integer(), nullable=False),
        sa.Column("started_at", _ts(), nullable=False),
        sa.Column("finished_at", _ts(), nullable=True),
        sa.Column("summary", sa.JSON(), nullable=True),
        sa.Column("error", sa.String(), nullable=True),
        sa.CheckConstraint("kind IN ('preview', 'preview_destroy', 'up', 'destroy')", name="ck_runs_kind"),
        sa.CheckConstraint("outcome IN ('running', 'succeeded', 'failed')", name="ck_runs_outcome"),
    )
    op.create_index("ix_runs_request_id", "runs", ["request_id"])

    op.create_table(
        "audit_events",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("at", _ts(), nullable=False),
        sa.Column("request_id", sa.Integer(), sa.ForeignKey("requests.id"), nullable=True),
        sa.Column("actor", sa.String(), nullable=False),
        sa.Column("event", sa.String(), nullable=False),
        sa.Column("from_state", sa.String(), nullable=True),
        sa.Column("to_state", sa.String(), nullable=True),
        sa.Column("rulebook_version", sa.String(), nullable=True),
        sa.Column("plan_hash", sa.String(), nullable=True),
        sa.Column("detail", sa.JSON(), nullable=False),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_audit_events_request_id", "audit_events", ["request_id"])
    _create_append_only_triggers()

    op.create_table(
        "stack_locks",
        sa.Column("stack_name", sa.String(), primary_key=True),
        sa.Column("request_id", sa.Integer(), sa.ForeignKey("requests.id"), nullable=False),
        sa.Column("hostname", sa.String(), nullable=False),
        sa.Column("pid", sa.Integer(), nullable=False),
        sa.Column("process_token", sa.String(), nullable=False),
        sa.Column("acquired_at", _ts(), nullable=False),
    )


def _create_append_only_triggers() -> None:
    """The audit trail refuses UPDATE and DELETE in the database itself, not only in our code."""
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE FUNCTION audit_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ "
            f"BEGIN RAISE EXCEPTION '{_APPEND_ONLY}' USING ERRCODE = 'restrict_violation'; END; $$"
        )
        op.execute(
            "CREATE TRIGGER audit_events_no_change BEFORE UPDATE OR DELETE ON audit_events "
            "FOR EACH ROW EXECUTE FUNCTION audit_events_append_only()"
        )
        op.execute(
            "CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events "
            "FOR EACH STATEMENT EXECUTE FUNCTION audit_events_append_only()"
        )
    else:
        for verb in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER audit_events_no_{verb.lower()} BEFORE {verb} ON audit_events "
                f"BEGIN SELECT RAISE(ABORT, '{_APPEND_ONLY}'); END"
            )


def downgrade() -> None:
    op.drop_table("stack_locks")
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER audit_events_no_truncate ON audit_events")
        op.execute("DROP TRIGGER audit_events_no_change ON audit_events")
        op.execute("DROP FUNCTION audit_events_append_only()")
    else:
        op.execute("DROP TRIGGER audit_events_no_update")
        op.execute("DROP TRIGGER audit_events_no_delete")
    op.drop_index("ix_audit_events_request_id", table_name="audit_events")
    op.drop_table("audit_events")
    op.drop_index("ix_runs_request_id", table_name="runs")
    op.drop_table("runs")
    op.drop_index("ix_approvals_request_id", table_name="approvals")
    op.drop_table("approvals")
    op.drop_index("ix_requests_target_request_id", table_name="requests")
    op.drop_index("ix_requests_stack_name", table_name="requests")
    op.drop_index("ix_requests_requester", table_name="requests")
    op.drop_index("ix_requests_state", table_name="requests")
    op.drop_table("requests")
