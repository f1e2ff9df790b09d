"""All outcome figures for one window, read from the store in one go.

`load_history` is the only code here that touches the database; `build_report` is pure, so the
Slack command, the weekly digest and `platformbot report` show the same numbers for the same
history.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import or_
from sqlmodel import col, select

from bot.metrics.delivery import (
    Adoption,
    ChangeFailureRate,
    FirstProvision,
    adoption,
    approval_wait,
    change_failure_rate,
    lead_time,
    time_to_first_provision,
)
from bot.metrics.drift import DriftFigures, drift
from bot.metrics.satisfaction import Csat, Nps, ResponseRate, comments, csat, nps, response_rate
from bot.metrics.window import Durations, Window
from bot.store import (
    AuditEventRow,
    DriftFindingRow,
    FeedbackAnswerRow,
    FeedbackPollRow,
    RequestRow,
    RunRow,
    Store,
)

# The chart shows at least this many weeks: a 7-day window alone would be one or two points.
MIN_TREND_WEEKS = 8


@dataclass(frozen=True)
class History:
    """The rows the figures are computed from. Hand-built in tests, loaded by `load_history`."""

    requests: Sequence[RequestRow] = ()
    runs: Sequence[RunRow] = ()
    events: Sequence[AuditEventRow] = ()
    polls: Sequence[FeedbackPollRow] = ()
    answers: Sequence[FeedbackAnswerRow] = ()
    findings: Sequence[DriftFindingRow] = ()


@dataclass(frozen=True)
class WeekPoint:
    week: Window
    lead_time: Durations
    nps: Nps


@dataclass(frozen=True)
class Report:
    window: Window
    lead_time: Durations
    approval_wait: Durations
    first_provision: Mapping[str, FirstProvision]
    adoption: Adoption
    change_failure: ChangeFailureRate
    drift: DriftFigures
    nps: Nps
    csat: Csat
    response: Mapping[str, ResponseRate]
    comments: Sequence[str]
    trend: Sequence[WeekPoint] = field(default_factory=tuple)

    @property
    def days(self) -> int:
        return round(self.window.days)


def trend_window(window: Window) -> Window:
    return Window(min(window.since, window.until - timedelta(weeks=MIN_TREND_WEEKS)), window.until)


def build_report(history: History, window: Window, known_teams: Iterable[str] = ()) -> Report:
    trend = [
        WeekPoint(week, lead_time(history.requests, week), nps(history.answers, week))
        for week in trend_window(window).weeks()
    ]
    return Report(
        window=window,
        lead_time=lead_time(history.requests, window),
        approval_wait=approval_wait(history.events, window),
        first_provision=time_to_first_provision(history.requests, window.until),
        adoption=adoption(history.requests, window, known_teams),
        change_failure=change_failure_rate(history.runs, window),
        drift=drift(history.findings, window),
        nps=nps(history.answers, window),
        csat=csat(history.answers, window),
        response=response_rate(history.polls, window),
        comments=comments(history.answers, window),
        trend=tuple(trend),
    )


def load_history(store: Store, window: Window) -> History:
    """Rows that can matter for `window` and its trend. Requests go back to the beginning (time to
    first provision looks at each team's first request); the rest only as far as the trend does."""
    since, until = trend_window(window).since, window.until
    with store.read() as session:
        requests = session.exec(select(RequestRow).where(col(RequestRow.created_at) < until)).all()
        runs = session.exec(
            select(RunRow).where(col(RunRow.finished_at) >= since, col(RunRow.finished_at) < until)
        ).all()
        # Only the events that enter or leave `awaiting_approval` matter (approval wait).
        events = session.exec(
            select(AuditEventRow).where(
                col(AuditEventRow.at) < until,
                or_(
                    col(AuditEventRow.from_state) == "awaiting_approval",
                    col(AuditEventRow.to_state) == "awaiting_approval",
                ),
            )
        ).all()
        polls = session.exec(
            select(FeedbackPollRow).where(
                col(FeedbackPollRow.sent_at) >= since, col(FeedbackPollRow.sent_at) < until
            )
        ).all()
        answers = session.exec(
            select(FeedbackAnswerRow).where(
                col(FeedbackAnswerRow.answered_at) >= since, col(FeedbackAnswerRow.answered_at) < until
            )
        ).all()
        findings = session.exec(
            select(DriftFindingRow).where(
                col(DriftFindingRow.detected_at) < until,
                or_(col(DriftFindingRow.closed_at).is_(None), col(DriftFindingRow.closed_at) >= since),
            )
        ).all()
    return History(
        requests=list(requests),
        runs=list(runs),
        events=list(events),
        polls=list(polls),
        answers=list(answers),
        findings=list(findings),
    )


def report_for(store: Store, days: int, now: datetime, known_teams: Iterable[str] = ()) -> Report:
    window = Window.last(days, now)
    return build_report(load_history(store, window), window, known_teams)
