"""Feedback in the store: which polls are due, reserving and delivering them, recording answers.

A poll row is written before its message is sent (so the fatigue cap and "one CSAT per request"
hold even if sending is slow) and gets its channel and ts once Slack has the message; a poll that
could not be delivered is deleted again, so it neither counts as sent nor blocks the next try.

Answers: the first answer to a poll is the one that counts. `answered_at` is set with
compare-and-set (`... WHERE answered_at IS NULL`), so a double click, a Slack retry or a click
on a stale copy of the message stores nothing the second time and reports the first score.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import CursorResult, and_, delete, func, or_, update
from sqlmodel import Session, col, select

from bot.feedback.errors import InvalidAnswer, NotYourPoll, PollNotFound
from bot.feedback.polls import PlannedPoll, PollPolicy, Succeeded, plan_polls, scale
from bot.store import FeedbackAnswerRow, FeedbackPollRow, RequestRow, Store
from bot.workflow import OPEN_STATES

MAX_COMMENT = 2000


@dataclass(frozen=True)
class Poll:
    """A poll as the Slack side needs it (a snapshot; no ORM object leaves this module)."""

    id: int
    kind: str
    user_id: str
    request_id: int | None
    path: str | None
    channel: str
    message_ts: str
    answered_at: datetime | None

    @classmethod
    def from_row(cls, row: FeedbackPollRow) -> Poll:
        assert row.id is not None
        return cls(
            row.id,
            row.kind,
            row.user_id,
            row.request_id,
            row.path,
            row.channel,
            row.message_ts,
            row.answered_at,
        )


@dataclass(frozen=True)
class Answered:
    poll: Poll
    # The score that counts: this click's, or the first one's when `changed` is False.
    score: int | None
    changed: bool


class FeedbackService:
    def __init__(self, store: Store, policy: PollPolicy) -> None:
        self.store = store
        self.policy = policy

    # Which polls are due ---------------------------------------------------------------------

    def due(self, now: datetime) -> list[PlannedPoll]:
        earliest = now - self.policy.csat_delay - self.policy.csat_max_age
        active_since = now - self.policy.nps_every
        with self.store.read() as session:
            polled = select(FeedbackPollRow.request_id).where(
                FeedbackPollRow.kind == "csat", col(FeedbackPollRow.request_id).is_not(None)
            )
            rows = session.exec(
                select(RequestRow).where(
                    RequestRow.state == "succeeded",
                    RequestRow.action == "apply",
                    col(RequestRow.finished_at) >= earliest,
                    col(RequestRow.finished_at) <= now,
                    col(RequestRow.id).not_in(polled),
                )
            ).all()
            active = session.exec(
                select(RequestRow.requester)
                .where(col(RequestRow.created_at) >= active_since, col(RequestRow.created_at) <= now)
                .distinct()
            ).all()
            # In flight, or succeeded but not yet due its CSAT: no NPS for these people yet.
            awaiting = session.exec(
                select(RequestRow.requester)
                .where(
                    RequestRow.action == "apply",
                    or_(
                        col(RequestRow.state).in_(sorted(str(state) for state in OPEN_STATES)),
                        and_(
                            col(RequestRow.state) == "succeeded",
                            col(RequestRow.finished_at) > now - self.policy.csat_delay,
                        ),
                    ),
                )
                .distinct()
            ).all()
            last_poll = _newest(session, FeedbackPollRow.user_id, FeedbackPollRow.sent_at)
            last_nps_poll = _newest(
                session, FeedbackPollRow.user_id, FeedbackPollRow.sent_at, FeedbackPollRow.kind == "nps"
            )
            last_nps_answer = _newest(
                session,
                FeedbackAnswerRow.user_id,
                FeedbackAnswerRow.answered_at,
                FeedbackAnswerRow.kind == "nps",
            )
        succeeded = [
            Succeeded(row.id, row.requester, row.path, row.intent_text, row.finished_at)
            for row in rows
            if row.id is not None and row.finished_at is not None
        ]
        last_nps = dict(last_nps_poll)
        for user, at in last_nps_answer.items():
            last_nps[user] = max(at, last_nps.get(user, at))
        return plan_polls(
            now,
            self.policy,
            succeeded=succeeded,
            active_users=active,
            last_poll_at=last_poll,
            last_nps_at=last_nps,
            awaiting_csat=awaiting,
        )

    # Sending ---------------------------------------------------------------------------------

    def reserve(self, planned: PlannedPoll, now: datetime) -> int:
        """Store the poll before it is sent; channel and ts come with `delivered`."""
        row = FeedbackPollRow(
            user_id=planned.user,
            kind=planned.kind,
            request_id=planned.request_id,
            path=planned.path,
            sent_at=now,
            channel="",
            message_ts="",
        )
        with self.store.write() as session:
            session.add(row)
            session.flush()
            assert row.id is not None
            return row.id

    def delivered(self, poll_id: int, channel: str, message_ts: str) -> None:
        with self.store.write() as session:
            session.exec(
                update(FeedbackPollRow)
                .where(col(FeedbackPollRow.id) == poll_id)
                .values(channel=channel, message_ts=message_ts)
            )

    def discard(self, poll_id: int) -> None:
        """Sending failed: forget the poll, so it is neither counted as sent nor blocks a retry."""
        with self.store.write() as session:
            session.exec(delete(FeedbackPollRow).where(col(FeedbackPollRow.id) == poll_id))

    # Answers ---------------------------------------------------------------------------------

    def poll(self, poll_id: int) -> Poll:
        with self.store.read() as session:
            row = session.get(FeedbackPollRow, poll_id)
        if row is None:
            raise PollNotFound()
        return Poll.from_row(row)

    def answer(self, poll_id: int, user: str, score: int, now: datetime) -> Answered:
        """Record `user`'s score for the poll; the first answer wins (see the module docstring)."""
        with self.store.write() as session:
            row = session.get(FeedbackPollRow, poll_id)
            if row is None:
                raise PollNotFound()
            if row.user_id != user:
                raise NotYourPoll()
            if score not in scale(row.kind):
                low, high = scale(row.kind)[0], scale(row.kind)[-1]
                raise InvalidAnswer(f"A {row.kind.upper()} score is {low}–{high}.")
            result: CursorResult[Any] = session.exec(
                update(FeedbackPollRow)
                .where(col(FeedbackPollRow.id) == poll_id, col(FeedbackPollRow.answered_at).is_(None))
                .values(answered_at=now)
            )
            changed = result.rowcount == 1
            if changed:
                session.add(
                    FeedbackAnswerRow(
                        user_id=user,
                        kind=row.kind,
                        score=score,
                        request_id=row.request_id,
                        path=row.path,
                        poll_id=poll_id,
                        answered_at=now,
                    )
                )
                first: int | None = score
            else:
                first = session.exec(
                    select(FeedbackAnswerRow.score)
                    .where(FeedbackAnswerRow.poll_id == poll_id)
                    .order_by(col(FeedbackAnswerRow.id))
                ).first()
            session.flush()
            session.refresh(row)
            return Answered(Poll.from_row(row), first, changed)

    def comment(
        self,
        user: str,
        now: datetime,
        *,
        score: int | None = None,
        comment: str | None = None,
        path: str | None = None,
        poll_id: int | None = None,
    ) -> int:
        """Unprompted feedback (`/platform feedback`), or a comment added after answering a poll.
        A score makes it an NPS answer (it counts in NPS like a polled one); otherwise a comment."""
        text = (comment or "").strip()[:MAX_COMMENT] or None
        if score is None and text is None:
            raise InvalidAnswer("Give a score or write a comment.")
        if score is not None and score not in scale("nps"):
            raise InvalidAnswer("The score is 0–10.")
        request_id = None
        if poll_id is not None:
            poll = self.poll(poll_id)
            if poll.user_id != user:
                raise NotYourPoll()
            request_id, path = poll.request_id, poll.path
        row = FeedbackAnswerRow(
            user_id=user,
            kind="nps" if score is not None else "comment",
            score=score,
            comment=text,
            request_id=request_id,
            path=path,
            poll_id=poll_id,
            answered_at=now,
        )
        with self.store.write() as session:
            session.add(row)
            session.flush()
            assert row.id is not None
            return row.id


def _newest(session: Session, key: Any, at: Any, *where: Any) -> dict[str, datetime]:
    """Per user, the newest `at` (max() keeps the column's type, so values come back aware UTC)."""
    statement = select(key, func.max(at)).where(*where).group_by(key)
    return {str(user): value for user, value in session.exec(statement).all() if value is not None}
