"""Tables for the scheduler: slot claims, APScheduler's job store, alerts, approval reminders.

Kept apart from bot/store/models.py so the request tables stay small; all share one metadata
(drift's tables are in drift_models.py, feedback's in feedback_models.py). Revisions 0002 and 0003
create these (tests/unit/bot/store/test_migrations.py compares the two).

An alert's `open_key` is set while it is open and NULL once closed, so a plain UNIQUE constraint
allows one open alert per key (see drift_models.py for why not a partial index).
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
    Unicode,
    UniqueConstraint,
)
from sqlmodel import Field, SQLModel

from bot.store.checks import one_of
from bot.store.models import UTCDateTime

CLAIM_OUTCOMES = ("running", "succeeded", "failed")


# Scheduler ----------------------------------------------------------------------------------------


class ScheduleClaimRow(SQLModel, table=True):
    """Who runs a scheduled slot. The unique (job_id, slot_at) makes every slot run once, however
    many bot processes share the database: the second INSERT loses and that process skips."""

    __tablename__ = "schedule_claims"
    __table_args__ = (
        UniqueConstraint("job_id", "slot_at", name="uq_schedule_claims_slot"),
        CheckConstraint(one_of("outcome", CLAIM_OUTCOMES), name="ck_schedule_claims_outcome"),
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
