"""Tables for drift: one finding per stack while it drifts, and each finding's timeline
(bot/drift writes them, bot/metrics reads them). Revision 0002 creates them.

Open-per-stack uniqueness uses an `open_key` column: set while the finding is open, NULL once
closed. A plain UNIQUE constraint then allows one open row per stack and any number of closed ones
on both SQLite and PostgreSQL (NULLs are distinct), without partial indexes that Alembic cannot
compare.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from bot.store.checks import one_of
from bot.store.models import UTCDateTime
from bot.store.states import DriftState

# The CHECK constraint on drift_findings.state, in the order the migrations spell it.
DRIFT_STATES = tuple(state.value for state in DriftState)
DRIFT_FOLLOW_UPS = ("reconcile", "accept")


class DriftFindingRow(SQLModel, table=True):
    """Live state that differs from what a succeeded request applied. One open finding per stack."""

    __tablename__ = "drift_findings"
    __table_args__ = (
        CheckConstraint(one_of("state", DRIFT_STATES), name="ck_drift_findings_state"),
        CheckConstraint(
            "follow_up IS NULL OR " + one_of("follow_up", DRIFT_FOLLOW_UPS),
            name="ck_drift_findings_follow_up",
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
