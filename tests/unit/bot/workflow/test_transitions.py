"""The state machine's two pure rules, on plain values: where a decision routes a request, and
what moves a waiting request on."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.store import RequestRow
from bot.workflow import RequestState, Step
from bot.workflow import transitions as T
from rulebook import ApprovalNeed, Decision, Stage, Verdict

AT = datetime(2025, 1, 6, 9, 0, tzinfo=UTC)


def decision(verdict: Verdict, *groups: str) -> Decision:
    approvals = tuple(ApprovalNeed(group=group, count=1) for group in groups)
    return Decision(verdict=verdict, stage=Stage.PLAN, approvals=approvals, rulebook_version="v")


@pytest.mark.parametrize(
    ("verdict", "required", "replanned", "step"),
    [
        (Verdict.DENY, {}, False, T.DENIED_BY_PLAN),
        (Verdict.DENY, {}, True, T.DENIED_BY_NEW_PLAN),
        (Verdict.REQUIRE_APPROVAL, {"security": 1}, False, T.APPROVAL_REQUESTED),
        (Verdict.REQUIRE_APPROVAL, {"security": 1}, True, T.APPROVALS_VOIDED),
        # Approval nobody could give (no group resolved) fails closed.
        (Verdict.REQUIRE_APPROVAL, {}, False, T.DENIED_BY_PLAN),
        (Verdict.REQUIRE_APPROVAL, {}, True, T.DENIED_BY_NEW_PLAN),
        (Verdict.ALLOW, {}, False, T.AUTO_APPROVED),
        (Verdict.WARN, {}, False, T.AUTO_APPROVED),
        # Approved and still allowed: the new plan replaces the old, no state change.
        (Verdict.ALLOW, {}, True, None),
    ],
)
def test_a_decision_routes_to_one_transition(
    verdict: Verdict, required: dict[str, int], replanned: bool, step: T.Transition | None
) -> None:
    source = RequestState.APPROVED if replanned else RequestState.PLANNED
    routed = T.route(decision(verdict, *required), required, replanned=replanned)
    assert routed is step
    assert routed is None or source in routed.sources


def test_a_denial_without_deny_rules_says_why() -> None:
    message = T.deny_message(decision(Verdict.REQUIRE_APPROVAL, "owning-team"))
    assert message == "Denied: the rulebook asks for approval but names no approver group"


def _row(state: RequestState, required: dict[str, int] | None = None) -> RequestRow:
    return RequestRow(
        id=1,
        requester="U_DEV",
        channel="C",
        action="apply",
        path="service",
        intent={},
        intent_text="",
        stack_name="s",
        state=state,
        intent_decision={},
        required_approvals=required or {},
        created_at=AT,
        updated_at=AT,
    )


@pytest.mark.parametrize("auto_apply", [True, False])
def test_an_evaluated_request_is_planned_next(auto_apply: bool) -> None:
    row = _row(RequestState.EVALUATED)
    assert T.next_step(row, auto_apply_when_allowed=auto_apply) is Step.PLAN


def test_an_approved_request_applies_when_people_approved_it_or_the_policy_applies_it() -> None:
    approved_by_people = _row(RequestState.APPROVED, {"security": 1})
    allowed_outright = _row(RequestState.APPROVED)
    assert T.next_step(approved_by_people, auto_apply_when_allowed=False) is Step.APPLY
    assert T.next_step(allowed_outright, auto_apply_when_allowed=True) is Step.APPLY
    assert T.next_step(allowed_outright, auto_apply_when_allowed=False) is None


@pytest.mark.parametrize("state", sorted(set(RequestState) - {RequestState.EVALUATED, RequestState.APPROVED}))
def test_anything_else_waits_for_a_person_or_is_done(state: RequestState) -> None:
    assert T.next_step(_row(state, {"security": 1}), auto_apply_when_allowed=True) is None
