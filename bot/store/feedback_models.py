"""Tables for feedback: the polls the bot sent and the answers people gave (bot/feedback writes
them, bot/metrics reads them). Revision 0002 creates them (tests/unit/bot/store/test_migrations.py
compares the two)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, Index, Text
from sqlmodel import Field, SQLModel

from bot.store.checks import one_of
from bot.store.models import UTCDateTime

FEEDBACK_POLL_KINDS = ("csat", "nps")
FEEDBACK_ANSWER_KINDS = ("csat", "nps", "comment")


class FeedbackPollRow(SQLModel, table=True):
    """One poll the bot sent a user (a CSAT after a request, or a periodic NPS)."""

    __tablename__ = "feedback_polls"
    __table_args__ = (
        CheckConstraint(one_of("kind", FEEDBACK_POLL_KINDS), name="ck_feedback_polls_kind"),
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
        CheckConstraint(one_of("kind", FEEDBACK_ANSWER_KINDS), name="ck_feedback_answers_kind"),
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
