"""What the adapter asks about requests: one, a list, what waits for someone, the full status."""

from __future__ import annotations

from typing import Literal

from bot.approvals import Vote, assignment, decide_approval, remaining_need
from bot.clock import Clock
from bot.store import Store, repository
from bot.workflow import rows
from bot.workflow.approving import ballot_of
from bot.workflow.model import (
    ApprovalRecord,
    AuditEntry,
    LockHolder,
    Request,
    RequestState,
    RequestStatus,
)
from bot.workflow.ports import Directory

Scope = Literal["mine", "pending", "all"]


class RequestQueries:
    def __init__(self, *, store: Store, clock: Clock, directory: Directory) -> None:
        self._store = store
        self._clock = clock
        self._directory = directory

    def get(self, request_id: str | int) -> Request:
        return rows.snapshot(self._store, request_id)

    def list_for(self, user: str, scope: Scope = "mine", limit: int = 20) -> list[Request]:
        """`mine`: the user's recent requests; `pending`: those waiting for the user's approval;
        `all`: everyone's recent requests. Newest first."""
        if scope == "pending":
            return self.pending_approvals_for(user)[:limit]
        with self._store.read() as session:
            recent = repository.recent_requests(
                session, requester=user if scope == "mine" else None, limit=limit
            )
            return [rows.request_of(session, row) for row in recent]

    def pending_approvals_for(self, user: str) -> list[Request]:
        """Requests on which an approval by `user` would count right now (oldest first)."""
        now = self._clock.now()
        with self._store.read() as session:
            waiting = repository.requests_in_states(session, {RequestState.AWAITING_APPROVAL})
            votes = {
                row.id: [
                    Vote(v.group, v.approver, v.plan_hash)
                    for v in repository.current_approvals(session, row.id, row.approval_round)
                ]
                for row in waiting
                if row.id is not None
            }
        groups = {group for row in waiting for group in row.required_approvals}
        member_of = rows.member_of(self._directory, user, sorted(groups))
        pending = []
        for row in waiting:
            assert row.id is not None
            ballot = ballot_of(row, votes[row.id])
            if row.plan_hash and decide_approval(ballot, user, member_of, row.plan_hash, now).accepted:
                missing = remaining_need(row.required_approvals, votes[row.id], row.plan_hash)
                pending.append(Request.from_row(row, missing))
        return pending

    def status(self, request_id: str | int) -> RequestStatus:
        row = rows.read(self._store, request_id)
        assert row.id is not None
        with self._store.read() as session:
            approvals = repository.current_approvals(session, row.id, row.approval_round)
            audit = repository.audit_trail(session, row.id)
            lock = repository.get_lock(session, row.stack_name)
        votes = [Vote(a.group, a.approver, a.plan_hash) for a in approvals]
        # A person is recorded for each required group they are in but counts for one of them.
        counted = assignment(row.required_approvals, votes, row.plan_hash)
        remaining = remaining_need(row.required_approvals, votes, row.plan_hash)
        awaiting = row.state == RequestState.AWAITING_APPROVAL
        return RequestStatus(
            request=Request.from_row(row, remaining if awaiting else None),
            approvals=tuple(
                ApprovalRecord.from_row(a) for a in approvals if counted.get(a.approver) == a.group
            ),
            remaining=remaining,
            audit=tuple(AuditEntry.from_row(e) for e in audit),
            lock=None if lock is None else LockHolder.from_row(lock),
        )
