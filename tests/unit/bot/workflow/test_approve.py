from __future__ import annotations

from datetime import timedelta

import pytest

from bot.approvals import Refusal
from bot.clock import ManualClock
from bot.errors import InvalidTransition, NotAllowed, RequestNotFound
from bot.store import repository
from bot.workflow import RequestState, Workflow
from intents import Catalog
from rulebook import Actor
from tests.support.workflow import RecordingNotifier, hand_plan, seed


def test_approval_by_a_security_member_approves_the_request(
    workflow: Workflow, catalog: Catalog, notifier: RecordingNotifier
) -> None:
    request = seed(workflow, catalog, "awaiting_approval")
    result = workflow.approve(request.id, "U_SEC1", request.plan_hash or "")
    assert result.accepted and result.complete
    after = workflow.get(request.id)
    assert after.state is RequestState.APPROVED and after.approved_at is not None
    events = [e.event for e in workflow.status(request.id).audit]
    assert events[-2:] == ["approval.recorded", "request.approved"]
    (call,) = notifier.of("approval_recorded")
    assert call[1:] == ("U_SEC1", ("security",), {"security": 0})


def test_self_approval_is_refused(workflow: Workflow, catalog: Catalog) -> None:
    # The requester is in the security group, and still may not approve their own request.
    request = seed(workflow, catalog, "awaiting_approval", requester=Actor(user_id="U_SEC1"))
    result = workflow.approve(request.id, "U_SEC1", request.plan_hash or "")
    assert result.refusal is Refusal.SELF_APPROVAL
    assert workflow.get(request.id).state is RequestState.AWAITING_APPROVAL


def test_only_members_of_the_required_group_count(workflow: Workflow, catalog: Catalog) -> None:
    request = seed(workflow, catalog, "awaiting_approval")
    result = workflow.approve(request.id, "U_ONCALL", request.plan_hash or "")
    assert result.refusal is Refusal.NOT_A_MEMBER
    assert workflow.status(request.id).remaining == {"security": 1}


def test_double_approve_click_changes_nothing(
    workflow: Workflow, catalog: Catalog, notifier: RecordingNotifier
) -> None:
    request = seed(workflow, catalog, "awaiting_approval", required={"security": 2})
    first = workflow.approve(request.id, "U_SEC1", request.plan_hash or "")
    audit_before = len(workflow.status(request.id).audit)
    second = workflow.approve(request.id, "U_SEC1", request.plan_hash or "")
    assert first.accepted and second.refusal is Refusal.DUPLICATE
    status = workflow.status(request.id)
    assert len(status.audit) == audit_before
    assert len(status.approvals) == 1 and status.remaining == {"security": 1}
    assert len(notifier.of("approval_recorded")) == 1


def test_a_click_after_the_request_was_approved_changes_nothing(workflow: Workflow, catalog: Catalog) -> None:
    request = seed(workflow, catalog, "awaiting_approval")
    workflow.approve(request.id, "U_SEC1", request.plan_hash or "")
    late = workflow.approve(request.id, "U_SEC2", request.plan_hash or "")
    assert late.refusal is Refusal.ALREADY_DECIDED
    assert len(workflow.status(request.id).approvals) == 1


def test_an_approval_for_an_old_plan_is_refused(workflow: Workflow, catalog: Catalog) -> None:
    request = seed(workflow, catalog, "awaiting_approval")
    old = hand_plan(request.stack_name, marker="v0")
    result = workflow.approve(request.id, "U_SEC1", old.plan_hash)
    assert result.refusal is Refusal.WRONG_PLAN


def test_two_security_approvals_need_two_different_people(workflow: Workflow, catalog: Catalog) -> None:
    request = seed(workflow, catalog, "awaiting_approval", required={"security": 2})
    assert not workflow.approve(request.id, "U_SEC1", request.plan_hash or "").complete
    assert workflow.get(request.id).state is RequestState.AWAITING_APPROVAL
    assert workflow.approve(request.id, "U_SEC2", request.plan_hash or "").complete
    assert workflow.get(request.id).state is RequestState.APPROVED


def test_an_approver_in_two_groups_counts_for_one_and_a_second_person_is_needed(
    workflow: Workflow, catalog: Catalog
) -> None:
    request = seed(workflow, catalog, "awaiting_approval", required={"security": 1, "oncall": 1})
    result = workflow.approve(request.id, "U_BOTH", request.plan_hash or "")
    assert result.accepted and not result.complete and result.groups == ("security",)
    assert workflow.get(request.id).state is RequestState.AWAITING_APPROVAL
    assert workflow.approve(request.id, "U_BOTH", request.plan_hash or "").refusal is Refusal.DUPLICATE
    # U_SEC1 can only fill security: U_BOTH moves to oncall, and two people have signed off.
    assert workflow.approve(request.id, "U_SEC1", request.plan_hash or "").complete
    assert workflow.get(request.id).state is RequestState.APPROVED
    counted = {(a.approver, a.group) for a in workflow.status(request.id).approvals}
    assert counted == {("U_BOTH", "oncall"), ("U_SEC1", "security")}


def test_a_rejection_needs_a_reason(workflow: Workflow, catalog: Catalog) -> None:
    request = seed(workflow, catalog, "awaiting_approval")
    result = workflow.reject(request.id, "U_SEC1", "  ")
    assert result.refusal is Refusal.MISSING_REASON
    assert workflow.get(request.id).state is RequestState.AWAITING_APPROVAL


def test_a_rejection_ends_the_request_and_tells_the_requester_why(
    workflow: Workflow, catalog: Catalog, notifier: RecordingNotifier
) -> None:
    request = seed(workflow, catalog, "awaiting_approval")
    result = workflow.reject(request.id, "U_SEC2", "no owner on call")
    assert result.accepted
    after = workflow.get(request.id)
    assert after.state is RequestState.REJECTED
    assert after.error == "Rejected by <@U_SEC2>: no owner on call"
    assert notifier.of("rejected")[0][1:] == ("U_SEC2", "no owner on call")
    audit = workflow.status(request.id).audit[-1]
    assert (audit.event, audit.actor, audit.detail) == (
        "request.rejected",
        "U_SEC2",
        {"reason": "no owner on call"},
    )
    assert workflow.reject(request.id, "U_SEC2", "again").refusal is Refusal.ALREADY_DECIDED


def test_an_approval_after_the_window_closed_expires_the_request(
    workflow: Workflow, catalog: Catalog, clock: ManualClock, notifier: RecordingNotifier
) -> None:
    request = seed(workflow, catalog, "awaiting_approval", expires_in=timedelta(hours=1))
    clock.advance(timedelta(hours=2))
    result = workflow.approve(request.id, "U_SEC1", request.plan_hash or "")
    assert result.refusal is Refusal.EXPIRED
    assert workflow.get(request.id).state is RequestState.EXPIRED
    assert len(notifier.of("expired")) == 1


def test_expire_due_expires_only_requests_past_their_window(
    workflow: Workflow, catalog: Catalog, clock: ManualClock, notifier: RecordingNotifier
) -> None:
    soon = seed(workflow, catalog, "awaiting_approval", name="soon", expires_in=timedelta(hours=1))
    later = seed(workflow, catalog, "awaiting_approval", name="later", expires_in=timedelta(hours=3))
    clock.advance(timedelta(hours=2))
    assert [r.id for r in workflow.expire_due()] == [soon.id]
    assert workflow.get(soon.id).state is RequestState.EXPIRED
    assert workflow.get(later.id).state is RequestState.AWAITING_APPROVAL
    assert workflow.expire_due() == []
    assert len(notifier.of("expired")) == 1


def test_the_requester_can_cancel_before_apply(
    workflow: Workflow, catalog: Catalog, notifier: RecordingNotifier
) -> None:
    request = seed(workflow, catalog, "awaiting_approval")
    outcome = workflow.cancel(request.id, "U_DEV")
    assert outcome.changed and outcome.request.state is RequestState.CANCELLED
    again = workflow.cancel(request.id, "U_DEV")
    assert not again.changed
    assert len(notifier.of("cancelled")) == 1
    assert [e.event for e in workflow.status(request.id).audit].count("request.cancelled") == 1


def test_someone_else_cannot_cancel_but_a_platform_admin_can(workflow: Workflow, catalog: Catalog) -> None:
    request = seed(workflow, catalog, "approved")
    with pytest.raises(NotAllowed):
        workflow.cancel(request.id, "U_SEC1")
    assert workflow.cancel(request.id, "U_ADMIN").changed


def test_a_request_that_is_applying_cannot_be_cancelled(workflow: Workflow, catalog: Catalog) -> None:
    request = seed(workflow, catalog, "applying")
    with pytest.raises(InvalidTransition) as caught:
        workflow.cancel(request.id, "U_DEV")
    assert caught.value.message == f"{request.id} is applying, so it cannot be cancelled now."


def test_an_unknown_request_id_is_not_found(workflow: Workflow) -> None:
    with pytest.raises(RequestNotFound):
        workflow.get("PB-424242")
    with pytest.raises(RequestNotFound):
        workflow.approve("nonsense", "U_SEC1", "h")


def test_pending_approvals_lists_what_the_user_can_still_approve(
    workflow: Workflow, catalog: Catalog
) -> None:
    mine = seed(workflow, catalog, "awaiting_approval", name="mine", requester=Actor(user_id="U_SEC1"))
    open_ = seed(workflow, catalog, "awaiting_approval", name="open")
    done = seed(workflow, catalog, "awaiting_approval", name="done", required={"security": 2})
    workflow.approve(done.id, "U_SEC1", done.plan_hash or "")
    oncall_only = seed(workflow, catalog, "awaiting_approval", name="night", required={"oncall": 1})
    assert [r.id for r in workflow.pending_approvals_for("U_SEC1")] == [open_.id]
    assert {r.id for r in workflow.pending_approvals_for("U_SEC2")} == {mine.id, open_.id, done.id}
    assert [r.id for r in workflow.list_for("U_ONCALL", "pending")] == [oncall_only.id]


def test_list_for_shows_the_users_own_requests_newest_first(workflow: Workflow, catalog: Catalog) -> None:
    first = seed(workflow, catalog, "awaiting_approval", name="first")
    other = seed(workflow, catalog, "awaiting_approval", name="other", requester=Actor(user_id="U_OTHER"))
    second = seed(workflow, catalog, "approved", name="second")
    assert [r.id for r in workflow.list_for("U_DEV", "mine")] == [second.id, first.id]
    assert [r.id for r in workflow.list_for("U_DEV", "all")][:3] == [second.id, other.id, first.id]


def test_status_shows_counted_approvals_remaining_need_and_the_audit_trail(
    workflow: Workflow, catalog: Catalog
) -> None:
    request = seed(workflow, catalog, "awaiting_approval", required={"security": 2, "oncall": 1})
    workflow.approve(request.id, "U_SEC1", request.plan_hash or "")
    status = workflow.status(request.id)
    assert [(a.group, a.approver) for a in status.approvals] == [("security", "U_SEC1")]
    assert status.remaining == {"security": 1, "oncall": 1}
    assert status.audit[-1].event == "approval.recorded"
    assert status.lock is None
    with workflow.store.read() as session:
        assert repository.count_audit(session, request.number, "approval.recorded") == 1


def test_only_what_succeeded_can_be_destroyed(workflow: Workflow, catalog: Catalog) -> None:
    waiting = seed(workflow, catalog, "awaiting_approval")
    with pytest.raises(InvalidTransition):
        workflow.request_destroy(waiting.id, Actor(user_id="U_DEV"))
