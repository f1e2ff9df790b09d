"""A production database needs security approval: the approval path over real Slack HTTP."""

from __future__ import annotations

import psycopg

from bot.workflow import RequestState
from tests.support.scenario import Scenario, both_transports


@both_transports
def test_prod_database_is_approved_by_security_then_created(scenario: Scenario) -> None:
    name = scenario.named("invoices")
    scenario.driver.slash_command(f"request postgres-database {name} env=prod size=small", user="U0REQ")
    request = scenario.settled_request()
    assert request.state is RequestState.AWAITING_APPROVAL
    assert request.required_approvals == {"security": 1}
    thread = scenario.thread_text(request.id)
    assert "prod-needs-security-approval" in thread and "needs approval" in thread

    approval = scenario.approval_message(request.id)
    response = scenario.driver.click(approval, "approve", user="U0SEC1")

    assert response.status == 200
    done = scenario.wait_state(request.id, RequestState.SUCCEEDED, RequestState.FAILED)
    assert done.state is RequestState.SUCCEEDED, done.error
    scenario.wait_thread(request.id, "succeeded")
    decided = scenario.wait_for(
        lambda: next((m for m in scenario.slack.messages("C0SECURITY") if "Approved." in m.all_text), None)
    )
    assert decided.find_element("approve") is None  # the ask's buttons go once it is decided
    dm = scenario.wait_for(lambda: scenario.dm_text("U0REQ") or None)
    dsn = next(line.strip("`") for line in dm.splitlines() if line.strip("`").startswith("postgresql://"))
    with psycopg.connect(dsn) as conn:
        assert conn.execute("select current_database()").fetchone() == (f"{name.replace('-', '_')}_prod",)


@both_transports
def test_self_approval_is_refused(scenario: Scenario) -> None:
    scenario.driver.slash_command("request postgres-database selfie env=prod", user="U0SEC1")
    request = scenario.wait_state(scenario.latest_request_id(user="U0SEC1"))
    assert request.state is RequestState.AWAITING_APPROVAL

    scenario.driver.click(scenario.approval_message(request.id), "approve", user="U0SEC1")

    # The request's own "Received" answer may arrive after the ask: wait for the refusal itself.
    scenario.wait_for(lambda: "own request" in scenario.ephemeral_text("U0SEC1") or None)
    assert scenario.bot.workflow.get(request.id).state is RequestState.AWAITING_APPROVAL


def test_approval_by_a_non_member_is_refused(scenario: Scenario) -> None:
    scenario.driver.slash_command("request postgres-database outsider env=prod", user="U0REQ")
    request = scenario.settled_request()

    scenario.driver.click(scenario.approval_message(request.id), "approve", user="U0DEV2")

    assert "security" in scenario.wait_for(lambda: scenario.ephemeral_text("U0DEV2") or None)
    assert scenario.bot.workflow.get(request.id).state is RequestState.AWAITING_APPROVAL
    assert scenario.bot.workflow.status(request.id).approvals == ()


def test_double_click_on_approve_records_one_approval(scenario: Scenario) -> None:
    scenario.driver.slash_command("request postgres-database twice env=prod size=large", user="U0REQ")
    request = scenario.settled_request()
    assert request.required_approvals == {"security": 2}
    approval = scenario.approval_message(request.id)

    first = scenario.driver.click(approval, "approve", user="U0SEC1")
    scenario.driver.redeliver(first)
    scenario.driver.click(approval, "approve", user="U0SEC1")
    scenario.wait_for(lambda: "already" in scenario.ephemeral_text("U0SEC1") or None)

    status = scenario.bot.workflow.status(request.id)
    assert [a.approver for a in status.approvals] == ["U0SEC1"]
    assert status.remaining == {"security": 1}
    assert status.request.state is RequestState.AWAITING_APPROVAL


def test_rejection_needs_a_reason_and_ends_the_request(scenario: Scenario) -> None:
    scenario.driver.slash_command("request postgres-database nope env=prod", user="U0REQ")
    request = scenario.settled_request()

    scenario.driver.click(scenario.approval_message(request.id), "reject", user="U0SEC2")
    modal = scenario.wait_for(lambda: (scenario.slack.views_for("U0SEC2") or [None])[-1])
    empty = scenario.driver.submit_view(modal, {"reason": "  "})
    assert "reason" in empty.json["errors"]
    scenario.driver.submit_view(modal, {"reason": "use staging first"})

    rejected = scenario.wait_state(request.id, RequestState.REJECTED)
    assert rejected.state is RequestState.REJECTED
    scenario.wait_thread(request.id, "use staging first")


def test_requester_can_cancel_while_waiting_and_later_approval_changes_nothing(scenario: Scenario) -> None:
    scenario.driver.slash_command("request postgres-database changed-mind env=prod", user="U0REQ")
    request = scenario.settled_request()
    approval = scenario.approval_message(request.id)

    scenario.driver.slash_command(f"cancel {request.id}", user="U0REQ")
    scenario.wait_state(request.id, RequestState.CANCELLED)
    scenario.wait_thread(request.id, "was cancelled")

    closed = scenario.wait_for(
        lambda: next(
            (
                m
                for m in scenario.slack.messages("C0SECURITY")
                if m.ts == approval.ts and "Cancelled" in m.all_text
            ),
            None,
        )
    )
    assert closed.find_element("approve") is None
    # A click that was already on its way (or a Slack retry of one) is refused by the workflow.
    late = scenario.bot.workflow.approve(request.id, "U0SEC1", request.plan_hash or "")
    assert not late.accepted and "cancelled" in late.message
    assert scenario.bot.workflow.get(request.id).state is RequestState.CANCELLED
