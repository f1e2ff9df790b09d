"""The state machine: every transition, the states it may start from, and the one audit event it writes.

    evaluated -> planned -> awaiting_approval -> approved -> applying -> succeeded | failed
    plus denied, rejected, expired, cancelled (final), and approved -> awaiting_approval when a
    re-preview changed the plan and the approvals were voided.

`transition()` is compare-and-set in the database, so a retry or a lost race returns False and
writes nothing: no state change, no audit event. Two pure rules read the table: `route` (where a
plan-stage decision sends a request) and `next_step` (what moves a waiting request on); the
callers write what they decide.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel import Session

from bot.store import AuditEventRow, RequestRow, repository
from bot.workflow.model import RequestState as S
from bot.workflow.model import Step
from rulebook import Decision, Effect, Verdict


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
# A re-preview before apply found a different plan, or the resource of a request still waiting
# for approvals changed under it (a transfer): decided again, its approvals void.
APPROVALS_VOIDED = _t("approvals_voided", {S.APPROVED, S.AWAITING_APPROVAL}, S.AWAITING_APPROVAL)
DENIED_BY_NEW_PLAN = _t("denied", {S.APPROVED, S.AWAITING_APPROVAL}, S.DENIED)
# That re-decision of a waiting request needs nobody's approval any more.
APPROVAL_NOT_NEEDED = _t("approval_not_needed", {S.AWAITING_APPROVAL}, S.APPROVED)
APPLY_STARTED = _t("apply_started", {S.APPROVED}, S.APPLYING)
SUCCEEDED = _t("succeeded", {S.APPLYING}, S.SUCCEEDED)
APPLY_FAILED = _t("failed", {S.APPLYING}, S.FAILED)
PREVIEW_FAILED = _t("preview_failed", {S.EVALUATED, S.APPROVED}, S.FAILED)
# (No transition for a crash: an interrupted apply stays `applying` and is resumed.)

CANCELLABLE = CANCELLED.sources


def route(decision: Decision, required: Mapping[str, int], *, replanned: bool) -> Transition | None:
    """Where a plan-stage decision sends a planned request, or (`replanned`) an approved one whose
    re-preview changed: denied, awaiting approval, or approved. `required`: the decision's
    approvals, resolved for the resource. None: approved and still allowed outright, so the new
    plan simply replaces the old, nobody's approval being at stake (no state change).

    Approval asked of nobody (every group unresolvable) is a denial: nobody could ever give it.
    """
    if decision.verdict is Verdict.DENY or (decision.verdict is Verdict.REQUIRE_APPROVAL and not required):
        return DENIED_BY_NEW_PLAN if replanned else DENIED_BY_PLAN
    if decision.verdict is Verdict.REQUIRE_APPROVAL:
        return APPROVALS_VOIDED if replanned else APPROVAL_REQUESTED
    return None if replanned else AUTO_APPROVED


def deny_message(decision: Decision) -> str:
    """The error a denied request carries: the deny rules' messages, or why there are none."""
    reasons = [m.message for m in decision.matches if m.effect is Effect.DENY]
    reasons += [f"rule {f.rule_id} could not be evaluated" for f in decision.failures]
    if not reasons and decision.verdict is Verdict.REQUIRE_APPROVAL:
        reasons = ["the rulebook asks for approval but names no approver group"]
    return "Denied: " + "; ".join(reasons or ["the rulebook denied this request"])


def next_step(row: RequestRow, *, auto_apply_when_allowed: bool) -> Step | None:
    """What moves a waiting request on: evaluated -> plan; approved -> apply, when people approved
    it or the policy applies allowed requests itself. Anything else waits for a person, or is done.

    Used where work queued in memory may have been lost: a stack let go of, a restart.
    """
    if row.state == S.EVALUATED:
        return Step.PLAN
    if row.state == S.APPROVED and (row.required_approvals or auto_apply_when_allowed):
        return Step.APPLY
    return None


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
