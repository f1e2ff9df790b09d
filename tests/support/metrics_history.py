"""A hand-built metrics history with known answers (worked out by hand in the comments of
tests/unit/bot/metrics/test_report.py); the metrics, feedback and emulator file tests share it.

Window under test: [T0, T0 + 28 days), T0 a Monday. Offsets are from T0.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from bot.metrics import History, Window
from bot.store import (
    AuditEventRow,
    DriftFindingRow,
    FeedbackAnswerRow,
    FeedbackPollRow,
    RequestRow,
    RunRow,
    Store,
)

T0 = datetime(2026, 11, 2, 0, 0, tzinfo=UTC)
WINDOW = Window(T0, T0 + timedelta(days=28))
H = timedelta(hours=1)
D = timedelta(days=1)
CONFIG_TEAMS = ("billing", "data", "ops", "payments", "search", "web")


def request(
    number: int,
    team: str | None,
    path: str,
    created: timedelta,
    state: str,
    took: timedelta | None = None,
    *,
    action: str = "apply",
    requester: str | None = None,
) -> RequestRow:
    created_at = T0 + created
    finished_at = created_at + took if took is not None else None
    return RequestRow(
        id=number,
        requester=requester or f"U_{(team or 'none').upper()}",
        requester_team=team,
        channel="C0REQUESTS",
        action=action,
        target_request_id=1 if action == "destroy" else None,
        path=path,
        intent={"path": path, "name": f"r{number}", "env": "dev", "params": {}},
        intent_text=f"{path} name=r{number} env=dev",
        stack_name=f"{path}.r{number}.dev" + (".destroy" if action == "destroy" else ""),
        state=state,
        intent_decision={},
        created_at=created_at,
        updated_at=finished_at or created_at,
        apply_started_at=finished_at - timedelta(minutes=10) if finished_at else None,
        finished_at=finished_at,
    )


def requests() -> list[RequestRow]:
    return [
        request(1, "payments", "postgres-database", D + 10 * H, "succeeded", 2 * H),
        request(2, "payments", "service", 2 * D + 10 * H, "succeeded", 5 * H),
        request(3, "search", "postgres-database", 3 * D, "succeeded", 7 * H),
        request(4, "search", "service", 10 * D, "succeeded", 1 * H),
        request(5, "data", "postgres-database", 20 * D, "succeeded", 24 * H),
        request(6, "web", "postgres-database", 21 * D, "failed", 1 * H),
        request(
            7, "payments", "postgres-database", 22 * D, "succeeded", timedelta(minutes=30), action="destroy"
        ),
        request(8, "payments", "postgres-database", 23 * D, "rejected", 2 * H),
        request(9, "ops", "service", -10 * D, "succeeded", 1 * H),
        request(10, None, "service", 5 * D, "succeeded", 3 * H, requester="U_LONER"),
        # Created inside the window, finished after it: only "requests per path" sees it.
        request(11, "search", "postgres-database", 27 * D + 23 * H, "succeeded", 2 * H),
    ]


def run(number: int, request_id: int, kind: str, outcome: str, finished: timedelta | None) -> RunRow:
    started = T0 + (finished or timedelta()) - timedelta(minutes=5)
    return RunRow(
        id=number,
        request_id=request_id,
        kind=kind,
        outcome=outcome,
        hostname="test",
        pid=1,
        started_at=started,
        finished_at=T0 + finished if finished is not None else None,
    )


def runs() -> list[RunRow]:
    rows = {r.id: r for r in requests()}

    def done(request_id: int) -> timedelta:
        finished = rows[request_id].finished_at
        assert finished is not None
        return finished - T0

    return [
        *(run(i, i, "up", "succeeded", done(i)) for i in (1, 2, 3, 4, 5, 10)),
        run(6, 6, "up", "failed", done(6)),
        run(7, 7, "destroy", "succeeded", done(7)),
        run(9, 9, "up", "succeeded", done(9)),  # before the window
        run(11, 11, "up", "succeeded", done(11)),  # after the window
        run(12, 1, "preview", "succeeded", done(1) - H),  # previews change nothing
        run(13, 8, "up", "running", None),
    ]


def _event(
    request_id: int, at: timedelta, event: str, source: str | None, target: str | None
) -> AuditEventRow:
    return AuditEventRow(
        request_id=request_id,
        at=T0 + at,
        actor="platformbot",
        event=event,
        from_state=source,
        to_state=target,
    )


def events() -> list[AuditEventRow]:
    pb2, pb3, pb8 = 2 * D + 10 * H, 3 * D, 23 * D
    minutes = timedelta(minutes=1)
    return [
        # PB-2 waits 4 h: asked 10 min after submit, approved 4 h later.
        _event(2, pb2, "request.submitted", None, "evaluated"),
        _event(2, pb2 + 10 * minutes, "request.approval_requested", "planned", "awaiting_approval"),
        _event(2, pb2 + 2 * H, "approval.recorded", "awaiting_approval", "awaiting_approval"),
        _event(2, pb2 + 10 * minutes + 4 * H, "request.approved", "awaiting_approval", "approved"),
        # PB-3 waits 1 h, is voided by a changed plan, waits 2 h more: 3 h.
        _event(3, pb3, "request.approval_requested", "planned", "awaiting_approval"),
        _event(3, pb3 + 1 * H, "request.approved", "awaiting_approval", "approved"),
        _event(3, pb3 + 2 * H, "request.approvals_voided", "approved", "awaiting_approval"),
        _event(3, pb3 + 4 * H, "request.approved", "awaiting_approval", "approved"),
        # PB-8 was rejected: it never got approved, so it has no approval wait.
        _event(8, pb8, "request.approval_requested", "planned", "awaiting_approval"),
        _event(8, pb8 + 2 * H, "request.rejected", "awaiting_approval", "rejected"),
    ]


def poll(
    number: int, kind: str, user: str, sent: timedelta, answered: timedelta | None, ts: str = "1.0"
) -> FeedbackPollRow:
    return FeedbackPollRow(
        id=number,
        user_id=user,
        kind=kind,
        request_id=1 if kind == "csat" else None,
        path="postgres-database" if kind == "csat" else None,
        sent_at=T0 + sent,
        answered_at=T0 + answered if answered is not None else None,
        channel="D0X" if ts else "",
        message_ts=ts,
    )


def polls() -> list[FeedbackPollRow]:
    return [
        poll(1, "csat", "U1", 2 * D, 2 * D + H),
        poll(2, "csat", "U2", 3 * D, 3 * D + H),
        poll(3, "csat", "U3", 4 * D, 5 * D),
        poll(4, "csat", "U4", 5 * D, None),
        poll(5, "nps", "U5", 6 * D, 6 * D + H),
        poll(6, "nps", "U6", 7 * D, None),
        poll(7, "nps", "U7", 27 * D, 28 * D + H),  # answered after the window ended
        poll(8, "nps", "U8", 8 * D, None, ts=""),  # never delivered
        poll(9, "csat", "U9", -3 * D, -2 * D),  # sent before the window
    ]


def answer(
    kind: str,
    user: str,
    score: int | None,
    at: timedelta,
    comment: str | None = None,
    path: str | None = None,
) -> FeedbackAnswerRow:
    return FeedbackAnswerRow(
        user_id=user, kind=kind, score=score, comment=comment, path=path, answered_at=T0 + at
    )


def answers() -> list[FeedbackAnswerRow]:
    return [
        answer("nps", "U1", 10, 1 * D),
        answer("nps", "U1", 6, 9 * D),  # U1's latest: a detractor now
        answer("nps", "U2", 9, 2 * D, comment="Postgres in minutes, lovely"),
        answer("nps", "U3", 7, 3 * D),
        answer("nps", "U4", 3, 4 * D),
        answer("nps", "U5", 10, -1 * D),  # before the window
        answer("csat", "U1", 5, 2 * D, path="postgres-database"),
        answer("csat", "U2", 4, 3 * D, path="postgres-database"),
        answer("csat", "U3", 3, 5 * D, path="service"),
        answer("csat", "U4", 1, 6 * D, path="service"),
        answer("csat", "U5", 5, 7 * D, path="service"),
        answer("csat", "U6", 1, 30 * D),  # after the window
        answer("comment", "U7", None, 12 * D, comment="Please add Redis"),
    ]


def finding(number: int, detected: timedelta, state: str, closed: timedelta | None) -> DriftFindingRow:
    return DriftFindingRow(
        id=number,
        request_id=1,
        stack_name=f"postgres-database.r1.dev.{number}",
        open_key=None if closed is not None else f"stack-{number}",
        state=state,
        fingerprint=f"f{number}",
        summary="1 changed",
        detected_at=T0 + detected,
        last_seen_at=T0 + detected,
        closed_at=T0 + closed if closed is not None else None,
    )


def findings() -> list[DriftFindingRow]:
    return [
        finding(1, 1 * D, "resolved", 1 * D + 2 * H),
        finding(2, -1 * D, "resolved", -1 * D + 10 * H + D),  # detected before, closed inside: 34 h
        finding(3, 5 * D, "open", None),
        finding(4, 6 * D, "accepted", 6 * D + 4 * H),
        finding(5, -9 * D, "resolved", -8 * D),  # all before the window
        finding(6, 20 * D, "resolved", 29 * D),  # closed after the window: open at its end
    ]


def history() -> History:
    return History(
        requests=requests(),
        runs=runs(),
        events=events(),
        polls=polls(),
        answers=answers(),
        findings=findings(),
    )


def save(store: Store, data: History) -> None:
    """Write the history through the store (new objects: a row can belong to one session only)."""
    with store.write() as session:
        for rows in (data.requests, data.runs, data.events, data.polls, data.answers, data.findings):
            for row in rows:
                session.add(type(row).model_validate(row.model_dump()))
            session.flush()


def values(row: Any) -> dict[str, Any]:
    return dict(row.model_dump())
