"""Reminders to approver groups that still owe a pending request their approval.

A group hears again only after `every` has passed since it was asked (the start of the approval
round) or last reminded; the reminder is recorded before it is sent, so a crash between the two
loses one reminder rather than sending it twice. Expired requests are left to `expire_due`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import func, select

from bot.store import ApprovalReminderRow, Store, repository
from bot.workflow import Request, RequestState, Workflow

log = logging.getLogger("bot.schedules.reminders")


@dataclass(frozen=True)
class Reminder:
    request_id: str
    group: str
    missing: int


class Reminders:
    def __init__(
        self,
        *,
        store: Store,
        workflow: Workflow,
        remind: Callable[[Request, str, int], None],
        every: timedelta,
        approval_ttl: timedelta,
    ) -> None:
        """`remind(request, group, missing)`: the notifier's approval_reminder."""
        self._store = store
        self._workflow = workflow
        self._remind = remind
        self._every = every
        self._ttl = approval_ttl

    def run(self, now: datetime) -> list[Reminder]:
        sent = []
        with self._store.read() as session:
            rows = repository.requests_in_states(session, {RequestState.AWAITING_APPROVAL})
            waiting = [Request.from_row(row) for row in rows]
        for request in waiting:
            expires = request.approvals_expire_at
            if expires is None or expires <= now:
                continue  # expiry ends it; no point in asking again
            remaining = self._workflow.status(request.id).remaining
            # Stored since migration 0006; the ttl only reads back rows older than that with no trail.
            asked_at = request.approval_requested_at or expires - self._ttl
            for group, missing in sorted(remaining.items()):
                if missing > 0 and self._record(request, group, asked_at, now):
                    try:
                        self._remind(request, group, missing)
                    except Exception:
                        log.exception("reminder for %s to %s failed", request.id, group)
                        continue
                    sent.append(Reminder(request.id, group, missing))
        return sent

    def _record(self, request: Request, group: str, asked_at: datetime, now: datetime) -> bool:
        with self._store.write() as session:
            last = session.exec(
                select(func.max(ApprovalReminderRow.sent_at)).where(
                    ApprovalReminderRow.request_id == request.number,
                    ApprovalReminderRow.group == group,
                    ApprovalReminderRow.approval_round == request.approval_round,
                )
            ).one()
            # func.max keeps the column's type, so `last` comes back aware UTC on every backend.
            if now - max(asked_at, last or asked_at) < self._every:
                return False
            session.add(
                ApprovalReminderRow(
                    request_id=request.number, group=group, approval_round=request.approval_round, sent_at=now
                )
            )
        return True
