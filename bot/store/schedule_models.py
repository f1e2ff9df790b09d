"""Tables for what the bot does on a schedule: slot claims, drift findings, reminders, feedback polls.

Kept apart from bot/store/models.py so the request tables stay small; both share one metadata.
Revisions 0002 and 0003 create these (tests/unit/bot/store/test_migrations.py compares the two).

Open-per-key uniqueness uses an `open_key` column: set while the row is open, NULL once closed.
A plain UNIQUE constraint then allows one open row per key and any number of closed ones on both
SQLite and PostgreSQL (NULLs are distinct), without partial indexes that Alembic cannot compare.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Column,
    Float,
    Index,
    LargeBinary,
    Table,
    Text,
    Unicode,
    UniqueConstraint,
)
from sqlmodel import Field, SQLModel

from bot.store.models import UTCDateTime

FEEDBACK_POLL_KINDS = ("csat", "nps")
FEEDBACK_ANSWER_KINDS = ("csat", "nps", "comment")
# Open: open, snoozed, reconciling (a follow-up request is in flight). Closed: resolved (live state
# matches what was applied again) or accepted (the live state became the desired state).
DRIFT_STATES = ("open", "snoozed", "reconciling", "accepted", "resolved")
DRIFT_OPEN_STATES = ("open", "snoozed", "reconciling")
DRIFT_FOLLOW_UPS = ("reconcile", "accept")
CLAIM_OUTCOMES = ("running", "succeeded", "failed")


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


# Feedback (written and read by bot/feedback and bot/metrics) ------------------------------------


class FeedbackPollRow(SQLModel, table=True):
    """One poll the bot sent a user (a CSAT after a request, or a periodic NPS)."""

    __tablename__ = "feedback_polls"
    __table_args__ = (
        CheckConstraint(_in("kind", FEEDBACK_POLL_KINDS), name="ck_feedback_polls_kind"),
        Index("ix_feedback_polls_user_id", "user_id"),
        Index("ix_feedback_polls_request_id", "request_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    user_id: str
    kind: str
    request_id: int | None = Field(default=None, foreign_key="requests.id", nullable=True)
    path: str | None = Field(default=None, nullable=True)
    sent_at: datetime = Field(sa_type=UTCDateTime)
    answered_at: datetime | None = Field(default=None, sa_type=UTCDateTime, nullable=True)
    channel: str
    message_ts: str


class FeedbackAnswerRow(SQLModel, table=True):
    """One answer: a score to a poll, or a free-text comment (`/platform feedback ...`)."""

    __tablename__ = "feedback_answers"
    __table_args__ = (
        CheckConstraint(_in("kind", FEEDBACK_ANSWER_KINDS), name="ck_feedback_answers_kind"),
        Index("ix_feedback_answers_user_id", "user_id"),
        Index("ix_feedback_answers_kind_answered_at", "kind", "answered_at"),
        Index("ix_feedback_answers_poll_id", "poll_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    user_id: str
    kind: str
    score: int | None = Field(default=None, nullable=True)
    comment: str | None = Field(default=None, sa_type=Text, nullable=True)
    request_id: int | None = Field(default=None, nullable=True)
    path: str | None = Field(default=None, nullable=True)
    poll_id: int | None = Field(default=None, foreign_key="feedback_polls.id", nullable=True)
    answered_at: datetime = Field(sa_type=UTCDateTime)


# Scheduler ----------------------------------------------------------------------------------------


class ScheduleClaimRow(SQLModel, table=True):
    """Who runs a scheduled slot. The unique (job_id, slot_at) makes every slot run once, however
    many bot processes share the database: the second INSERT loses and that process skips."""

    __tablename__ = "schedule_claims"
    __table_args__ = (
        UniqueConstraint("job_id", "slot_at", name="uq_schedule_claims_slot"),
        CheckConstraint(_in("outcome", CLAIM_OUTCOMES), name="ck_schedule_claims_outcome"),
    )

    id: int | None = Field(default=None, primary_key=True)
    job_id: str
    slot_at: datetime = Field(sa_type=UTCDateTime)
    claimed_at: datetime = Field(sa_type=UTCDateTime)
    owner: str
    outcome: str = "running"
    finished_at: datetime | None = Field(default=None, sa_type=UTCDateTime, nullable=True)


# APScheduler's SQLAlchemyJobStore table (the columns of apscheduler/jobstores/sqlalchemy.py, 3.x).
# Declared here as well so revision 0003 creates it once, under the migration lock, instead of two
# bot processes racing to CREATE it at start; the job store then finds it there.
APSCHEDULER_JOBS = Table(
    "apscheduler_jobs",
    SQLModel.metadata,
    Column("id", Unicode(191), primary_key=True),
    Column("next_run_time", Float(25), index=True),
    Column("job_state", LargeBinary, nullable=False),
)


class ScheduleAlertRow(SQLModel, table=True):
    """A problem a scheduled job reports once (e.g. drift checks failing) until it clears."""

    __tablename__ = "schedule_alerts"
    __table_args__ = (UniqueConstraint("open_key", name="uq_schedule_alerts_open_key"),)

    id: int | None = Field(default=None, primary_key=True)
    key: str
    open_key: str | None = Field(default=None, nullable=True)
    opened_at: datetime = Field(sa_type=UTCDateTime)
    last_seen_at: datetime = Field(sa_type=UTCDateTime)
    closed_at: datetime | None = Field(default=None, sa_type=UTCDateTime, nullable=True)
    detail: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)


class ApprovalReminderRow(SQLModel, table=True):
    """A reminder sent to an approver group, so the next one waits `reminder_every_hours`."""

    __tablename__ = "approval_reminders"
    __table_args__ = (Index("ix_approval_reminders_request_id", "request_id"),)

    id: int | None = Field(default=None, primary_key=True)
    request_id: int = Field(foreign_key="requests.id")
    group: str
    approval_round: int
    sent_at: datetime = Field(sa_type=UTCDateTime)


# Drift --------------------------------------------------------------------------------------------


class DriftFindingRow(SQLModel, table=True):
    """Live state that differs from what a succeeded request applied. One open finding per stack."""

    __tablename__ = "drift_findings"
    __table_args__ = (
        CheckConstraint(_in("state", DRIFT_STATES), name="ck_drift_findings_state"),
        CheckConstraint(
            "follow_up IS NULL OR " + _in("follow_up", DRIFT_FOLLOW_UPS), name="ck_drift_findings_follow_up"
        ),
        UniqueConstraint("open_key", name="uq_drift_findings_open_key"),
        Index("ix_drift_findings_request_id", "request_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    request_id: int = Field(foreign_key="requests.id")
    stack_name: str
    # The stack name while the finding is open; NULL once it is closed (see the module docstring).
    open_key: str | None = Field(default=None, nullable=True)
    state: str
    # Hash of the drifted changes: the same drift is reported once, a different one again.
    fingerprint: str
    changes: list[dict[str, Any]] = Field(default_factory=list, sa_type=JSON)
    summary: str
    detected_at: datetime = Field(sa_type=UTCDateTime)
    last_seen_at: datetime = Field(sa_type=UTCDateTime)
    reported_at: datetime | None = Field(default=None, sa_type=UTCDateTime, nullable=True)
    snoozed_until: datetime | None = Field(default=None, sa_type=UTCDateTime, nullable=True)
    # The request a Reconcile or Accept click opened, and which of the two it was.
    reconcile_request_id: int | None = Field(default=None, foreign_key="requests.id", nullable=True)
    follow_up: str | None = Field(default=None, nullable=True)
    closed_at: datetime | None = Field(default=None, sa_type=UTCDateTime, nullable=True)
    channel: str | None = Field(default=None, nullable=True)
    message_ts: str | None = Field(default=None, nullable=True)


class DriftEventRow(SQLModel, table=True):
    """A finding's timeline: detected, reported, snoozed, reconcile requested, accepted, resolved."""

    __tablename__ = "drift_events"
    __table_args__ = (Index("ix_drift_events_finding_id", "finding_id"),)

    id: int | None = Field(default=None, primary_key=True)
    finding_id: int = Field(foreign_key="drift_findings.id")
    at: datetime = Field(sa_type=UTCDateTime)
    # A Slack user id, or "platformbot".
    actor: str
    event: str
    detail: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
