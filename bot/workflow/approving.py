"""What people (and time) decide on a request: approve, reject, cancel; expiry when nobody decides.

The rules themselves are pure (bot.approvals: membership, quorum, no self-approval, bound to the
plan hash, the window); here they are applied to the stored request under its row lock.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from bot.approvals import (
    ApprovalResult,
    Ballot,
    Refusal,
    RejectionResult,
    Vote,
    decide_approval,
    decide_rejection,
    is_expired,
    remaining_need,
)
from bot.clock import Clock
from bot.errors import InvalidTransition, NotAllowed, StoreConflict
from bot.store import ApprovalRow, RequestRow, Store, repository
from bot.workflow import rows
from bot.workflow import transitions as T
from bot.workflow.model import BOT_ACTOR, Outcome, Request, RequestState, Step, format_request_id
from bot.workflow.ports import Directory, Schedule, WorkflowPolicy
from bot.workflow.safe_notifier import SafeNotifier


class Approvals:
    def __init__(
        self,
        *,
        store: Store,
        directory: Directory,
        clock: Clock,
        notifier: SafeNotifier,
        policy: WorkflowPolicy,
        schedule: Schedule,
    ) -> None:
        """`policy`: its admins may cancel anyone's request."""
        self._store = store
        self._directory = directory
        self._clock = clock
        self._notifier = notifier
        self._policy = policy
        self._schedule = schedule

    # Approve / reject --------------------------------------------------------------------------

    def approve(self, request_id: str | int, approver: str, plan_hash: str) -> ApprovalResult:
        """Record `approver`'s approval of `plan_hash`. The last approval needed approves the request
        (and schedules the apply, if there is an executor)."""
        before, at = rows.read(self._store, request_id), self._clock.now()
        number = before.id
        assert number is not None
        # Ask the directory (Slack, maybe) before taking the lock; again inside only if a re-plan
        # changed the groups in between.
        member_of = rows.member_of(self._directory, approver, before.required_approvals)
        # Read before the lock, as the directory is; the apply step checks again under the stack lock.
        stale = rows.facts_changed(self._store, before)
        try:
            result, expired = self._record_approval(number, before, approver, member_of, plan_hash, at)
        except StoreConflict:
            # The unique constraint caught a duplicate the row lock should already have: still a duplicate.
            remaining = remaining_need(before.required_approvals, self._votes(number), before.plan_hash)
            message = "You already approved this plan."
            return ApprovalResult(
                accepted=False, message=message, refusal=Refusal.DUPLICATE, remaining=remaining
            )
        request = rows.snapshot(self._store, number)
        if expired:
            self._notifier.expired(request)
        if result.accepted:
            if result.complete and stale:
                # Not "approved, applying" for a plan about to be voided: the apply step (at once)
                # voids these approvals and asks again on the resource as it is now.
                self._notifier.request_updated(request)
            else:
                self._notifier.approval_recorded(request, approver, result.groups, result.remaining)
            if result.complete:
                self._schedule(Step.APPLY, request.id)
        return result

    def _record_approval(
        self,
        number: int,
        before: RequestRow,
        approver: str,
        member_of: set[str],
        plan_hash: str,
        at: datetime,
    ) -> tuple[ApprovalResult, bool]:
        with self._store.write() as session:
            row = rows.locked(session, number)
            if row.required_approvals.keys() != before.required_approvals.keys():
                member_of = rows.member_of(self._directory, approver, row.required_approvals)
            votes = repository.current_approvals(session, number, row.approval_round)
            ballot = ballot_of(row, [Vote(v.group, v.approver, v.plan_hash) for v in votes])
            result = decide_approval(ballot, approver, member_of, plan_hash, at)
            if result.accepted:
                # One row per required group the approver is in, so a later approval can move them
                # between groups; they count for one (bot.approvals.assignment).
                for group in result.recorded:
                    vote = ApprovalRow(
                        request_id=number,
                        approval_round=row.approval_round,
                        group=group,
                        approver=approver,
                        plan_hash=plan_hash,
                        approved_at=at,
                    )
                    repository.add_approval(session, vote)
                detail = {
                    "groups": list(result.groups),
                    "member_of": list(result.recorded),
                    "remaining": result.remaining,
                }
                T.record(session, row, "approval.recorded", actor=approver, at=at, detail=detail)
                if result.complete and not T.transition(
                    session, row, T.APPROVED, actor=approver, at=at, approved_at=at
                ):
                    raise StoreConflict()  # cannot happen under the row lock; undo the vote if it does
            # A click after the window closed expires the request now rather than at the next sweep.
            expired = result.refusal is Refusal.EXPIRED and _expire(session, row, at)
        return result, expired

    def _votes(self, number: int) -> list[Vote]:
        with self._store.read() as session:
            row = repository.get_request(session, number)
            votes = repository.current_approvals(session, number, row.approval_round if row else 0)
        return [Vote(v.group, v.approver, v.plan_hash) for v in votes]

    def rejection_refused(self, request_id: str | int, approver: str) -> RejectionResult | None:
        """Why `approver` could not reject the request now whatever reason they gave, or None: asked
        before a Reject… modal opens and before its submit is acknowledged, so a refusal shows where
        the person is (nothing is written; `reject` decides again under the row lock)."""
        row, at = rows.read(self._store, request_id), self._clock.now()
        member_of = rows.member_of(self._directory, approver, row.required_approvals)
        result = decide_rejection(ballot_of(row, []), approver, member_of, "(any reason)", at)
        return None if result.accepted else result

    def reject(self, request_id: str | int, approver: str, reason: str) -> RejectionResult:
        """A member of a required group ends the request, with a reason the requester sees."""
        before, at = rows.read(self._store, request_id), self._clock.now()
        number = before.id
        assert number is not None
        member_of = rows.member_of(self._directory, approver, before.required_approvals)
        with self._store.write() as session:
            row = rows.locked(session, number)
            if row.required_approvals.keys() != before.required_approvals.keys():
                member_of = rows.member_of(self._directory, approver, row.required_approvals)
            result = decide_rejection(ballot_of(row, []), approver, member_of, reason, at)
            if result.accepted and not T.transition(
                session,
                row,
                T.REJECTED,
                actor=approver,
                at=at,
                detail={"reason": result.reason},
                error=f"Rejected by <@{approver}>: {result.reason}",
                finished_at=at,
            ):
                result = RejectionResult(
                    False, "This request was decided meanwhile.", Refusal.ALREADY_DECIDED
                )
            expired = result.refusal is Refusal.EXPIRED and _expire(session, row, at)
        request = rows.snapshot(self._store, number)
        if expired:
            self._notifier.expired(request)
        if result.accepted:
            self._notifier.rejected(request, approver, result.reason)
        return result

    # Cancel / expire ---------------------------------------------------------------------------

    def cancel(self, request_id: str | int, actor: str) -> Outcome:
        """The requester (or a platform admin) withdraws a request that is not applying yet."""
        row = rows.read(self._store, request_id)
        number = row.id
        assert number is not None
        name = format_request_id(number)
        if actor != row.requester and actor not in self._policy.admins:
            raise NotAllowed(f"Only <@{row.requester}> or a platform admin can cancel {name}.")
        at = self._clock.now()
        with self._store.write() as session:
            row = rows.locked(session, number)
            if row.state == RequestState.CANCELLED:
                return Outcome(Request.from_row(row), changed=False, message=f"{name} was already cancelled.")
            if row.state not in T.CANCELLABLE:
                raise InvalidTransition(name, row.state.replace("_", " "), "cancelled")
            # "head: detail", so the thread can show the mention and nothing typed (see with_mentions).
            error = f"Cancelled by <@{actor}>: nothing was deployed."
            if not T.transition(session, row, T.CANCELLED, actor=actor, at=at, error=error, finished_at=at):
                return Outcome(Request.from_row(row), changed=False, message=f"{name} changed meanwhile.")
        request = rows.snapshot(self._store, number)
        self._notifier.cancelled(request, actor)
        return Outcome(request, changed=True, message=f"{name} is cancelled.")

    def expire_due(self, now: datetime | None = None) -> list[Request]:
        """Requests whose approval window has closed become `expired` (run by a schedule)."""
        at = now or self._clock.now()
        with self._store.read() as session:
            due = [r.id for r in repository.due_for_expiry(session, at) if r.id is not None]
        expired = []
        for number in due:
            with self._store.write() as session:
                row = rows.locked(session, number)
                moved = is_expired(row.approvals_expire_at, at) and _expire(session, row, at)
            if moved:
                request = rows.snapshot(self._store, number)
                self._notifier.expired(request)
                expired.append(request)
        return expired


def _expire(session: Session, row: RequestRow, at: datetime) -> bool:
    return T.transition(
        session,
        row,
        T.EXPIRED,
        actor=BOT_ACTOR,
        at=at,
        error="No decision before the approval window closed.",
        finished_at=at,
    )


def ballot_of(row: RequestRow, votes: list[Vote]) -> Ballot:
    return Ballot(
        requester=row.requester,
        state=row.state,
        plan_hash=row.plan_hash,
        required=row.required_approvals,
        expires_at=row.approvals_expire_at,
        votes=tuple(votes),
    )
