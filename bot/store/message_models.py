"""The Slack messages a request owns, so a restarted bot updates the same messages.

One row per (request, kind, key): the thread root (`root`), an approval ask per group (`ask`,
key = group), the approval status per round (`status`, key = round) and the apply progress
(`progress`). Revision 0005 creates the table (tests/unit/bot/store/test_migrations.py compares).
"""

from __future__ import annotations

from sqlalchemy import CheckConstraint, Index, UniqueConstraint
from sqlmodel import Field, SQLModel

MESSAGE_KINDS = ("root", "ask", "status", "progress")


class SlackMessageRow(SQLModel, table=True):
    __tablename__ = "slack_messages"
    __table_args__ = (
        CheckConstraint(
            "kind IN (" + ", ".join(repr(k) for k in MESSAGE_KINDS) + ")", name="ck_slack_messages_kind"
        ),
        UniqueConstraint("request_id", "kind", "key", name="uq_slack_messages_request_kind_key"),
        Index("ix_slack_messages_request_id", "request_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    request_id: int = Field(foreign_key="requests.id")
    kind: str
    key: str = ""
    channel: str
    ts: str
