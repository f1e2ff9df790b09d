"""The state machine: every transition, the states it may start from, and the one audit event it writes.

    evaluated -> planned -> awaiting_approval -> approved -> applying -> succeeded | failed
    plus denied, rejected, expired, cancelled (final), and approved -> awaiting_approval when a
    re-preview changed the plan and the approvals were voided.

`transition()` is compare-and-set in the database, so a retry or a lost race returns False and
writes nothing: no state change, no audit event.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel import Session

from bot.store import AuditEventRow, RequestRow, repository
from bot.workflow.model import RequestState as S


@dataclass(frozen=True)
class Transition:
    event: str
    sources: frozenset[S]
    target: S


def _t(event: str, sources: set[S], target: S) -> Transition:
    return Transition(f"request.{event}", frozenset(sources), target)


PLANNED = _t("planned", {S.EVALUATED}, S.PLANNED)
DENIED_BY_PLAN = _t("denied", {S.PLANNED}, S.DENIED)
APPROVAL_REQUESTED = _t("approval_requested", {S.PLANNED}, S.AWAITING_APPROVAL)
AUTO_APPROVED = _t("auto_approved", {S.PLANNED}, S.APPROVED)
APPROVED = _t("approved", {S.AWAITING_APPROVAL}, S.APPROVED)
REJECTED = _t("rejected", {S.AWAITING_APPROVAL}, S.REJECTED)
EXPIRED = _t("expired", {S.AWAITING_APPROVAL}, S.EXPIRED)
CANCELLED = _t("cancelled", {S.EVALUATED, S.PLANNED, S.AWAITING_APPROVAL, S.APPROVED}, S.CANCELLED)
# A re-preview before apply found a different plan.
APPROVALS_VOIDED = _t("approvals_voided", {S.APPROVED}, S.AWAITING_APPROVAL)
DENIED_BY_NEW_PLAN = _t("denied", {S.APPROVED}, S.DENIED)
APPLY_STARTED = _t("apply_started", {S.APPROVED}, S.APPLYING)
SUCCEEDED = _t("succeeded", {S.APPLYING}, S.SUCCEEDED)
APPLY_FAILED = _t("failed", {S.APPLYING}, S.FAILED)
PREVIEW_FAILED = _t("preview_failed", {S.EVALUATED, S.APPROVED}, S.FAILED)
RECOVERED_AFTER_CRASH = _t("recovered_after_crash", {S.APPLYING}, S.FAILED)

CANCELLABLE = CANCELLED.sources


def transition(
    session: Session,
    row: RequestRow,
    step: Transition,
    *,
    actor: str,
    at: datetime,
    detail: dict[str, Any] | None = None,
    **values: Any,
) -> bool:
    """Apply `step` to `row` (read in this transaction) and audit it; False if the state had moved on."""
    assert row.id is not None
    # Read before the update: the ORM refreshes `row` in place when the UPDATE runs.
    from_state = row.state
    if not repository.compare_and_set(session, row.id, step.sources, step.target, at, **values):
        return False
    repository.append_audit(
        session,
        AuditEventRow(
            at=at,
            request_id=row.id,
            actor=actor,
            event=step.event,
            from_state=from_state,
            to_state=step.target,
            rulebook_version=values.get("rulebook_version", row.rulebook_version),
            plan_hash=values.get("plan_hash", row.plan_hash),
            detail=detail or {},
        ),
    )
    session.refresh(row)
    return True


def created(session: Session, row: RequestRow, *, actor: str, at: datetime, detail: dict[str, Any]) -> None:
    """The first event of a request: from nothing to its first state (evaluated or denied)."""
    repository.append_audit(
        session,
        AuditEventRow(
            at=at,
            request_id=row.id,
            actor=actor,
            event="request.submitted",
            from_state=None,
            to_state=row.state,
            rulebook_version=row.rulebook_version,
            plan_hash=None,
            detail=detail,
        ),
    )


def record(
    session: Session,
    row: RequestRow,
    event: str,
    *,
    actor: str,
    at: datetime,
    detail: dict[str, Any] | None = None,
) -> None:
    """Audit something that is not a state change (an approval, a busy stack, a cleared lock)."""
    repository.append_audit(
        session,
        AuditEventRow(
            at=at,
            request_id=row.id,
            actor=actor,
            event=event,
            from_state=row.state,
            to_state=row.state,
            rulebook_version=row.rulebook_version,
            plan_hash=row.plan_hash,
            detail=detail or {},
        ),
    )
