"""An open request says what it still waits for, and a second person's ask for the same destroy is
sent to the open one (findings 2 and 6 of the sandbox walk), over real HTTP through the emulator."""

from __future__ import annotations

import json

from bot.workflow import RequestState
from tests.support.scenario import Scenario


def _built_database(scenario: Scenario, base: str) -> str:
    """A production database of payments (Riley's), security having approved it."""
    name = scenario.named(base)
    scenario.driver.slash_command(f"request postgres-database {name} env=prod size=small", user="U0REQ")
    request = scenario.settled_request(1, RequestState.AWAITING_APPROVAL)
    scenario.driver.click(scenario.approval_message(request.id), "approve", user="U0SEC1")
    built = scenario.wait_state(request.id, RequestState.SUCCEEDED, RequestState.FAILED)
    assert built.state is RequestState.SUCCEEDED, built.error
    scenario.settle()
    return name


def test_the_root_and_status_name_only_the_approvals_still_missing(scenario: Scenario) -> None:
    name = _built_database(scenario, "halfway")
    scenario.driver.slash_command(f"request postgres-database {name} env=prod size=medium", user="U0SEC1")
    change = scenario.settled_request(2, RequestState.AWAITING_APPROVAL)
    assert set(change.required_approvals) == {"security", "team:payments"}

    scenario.driver.click(scenario.approval_message(change.id), "approve", user="U0SEC2")

    root = scenario.wait_for(
        lambda: (
            (m := scenario.thread_of(change.id)[0]) and "waiting for 1 from team payments" in m.all_text and m
        )
    )
    assert "from security" not in root.all_text
    scenario.driver.slash_command(f"status {change.id}", user="U0SEC1")
    status = scenario.wait_for(lambda: scenario.ephemeral_containing("U0SEC1", "waiting for 1 from"))
    assert "waiting for 1 from team payments" in status and "1 from security" not in status


def test_a_second_persons_destroy_is_sent_to_the_open_one(scenario: Scenario) -> None:
    _built_database(scenario, "twicegone")
    built = scenario.bot.workflow.list_for("U0REQ", "mine")[0]
    scenario.driver.slash_command(f"destroy {built.id}", user="U0REQ")
    destroy = scenario.settled_request(2, RequestState.AWAITING_APPROVAL)
    assert destroy.action == "destroy" and destroy.requester == "U0REQ"

    scenario.driver.slash_command(f"destroy {built.id}", user="U0DEV2")

    answer = scenario.wait_for(lambda: scenario.ephemeral_containing("U0DEV2", "already asks"))
    assert answer.startswith(f"{destroy.id} by <@U0REQ> already asks to destroy what {built.id} built")
    assert "thread" in answer and "Asking to destroy" not in answer
    scenario.settle()
    assert scenario.stored() == 2  # nothing asked in Dana's name


def test_reject_is_refused_before_the_modal_opens_for_someone_who_cannot_reject(scenario: Scenario) -> None:
    scenario.driver.slash_command(f"request postgres-database {scenario.named('unrejected')} env=prod")
    request = scenario.settled_request(1, RequestState.AWAITING_APPROVAL)

    scenario.driver.click(scenario.approval_message(request.id), "reject", user="U0DEV2")

    answer = scenario.wait_for(lambda: scenario.ephemeral_containing("U0DEV2", "can reject this"))
    assert answer == "Only members of security can reject this."
    assert scenario.slack.views_for("U0DEV2") == []
    assert scenario.dm_text("U0DEV2") == ""


def test_a_refused_reject_submit_shows_the_reason_in_the_modal(scenario: Scenario) -> None:
    scenario.driver.slash_command(f"request postgres-database {scenario.named('withdrawn')} env=prod")
    request = scenario.settled_request(1, RequestState.AWAITING_APPROVAL)
    scenario.driver.click(scenario.approval_message(request.id), "reject", user="U0SEC2")
    modal = scenario.wait_for(lambda: (scenario.slack.views_for("U0SEC2") or [None])[-1])
    scenario.driver.slash_command(f"cancel {request.id}", user="U0REQ")
    scenario.wait_state(request.id, RequestState.CANCELLED)

    response = scenario.driver.submit_view(modal, {"reason": "too big"}, user="U0SEC2")

    assert response.json["response_action"] == "errors"
    assert response.json["errors"]["reason"] == "This request is cancelled; it can't be rejected now."
    scenario.settle()
    assert scenario.dm_text("U0SEC2") == ""
    assert scenario.bot.workflow.get(request.id).state is RequestState.CANCELLED


def test_a_transfer_asks_the_waiting_change_of_the_new_owners_at_once(scenario: Scenario) -> None:
    name = _built_database(scenario, "handedover")
    built = scenario.bot.workflow.list_for("U0REQ", "mine")[0]
    scenario.driver.slash_command(f"request postgres-database {name} env=prod size=medium", user="U0SEC1")
    change = scenario.settled_request(2, RequestState.AWAITING_APPROVAL)
    assert "team:payments" in change.required_approvals

    scenario.driver.slash_command(f"transfer {built.id} team=platform", user="U0ONCALL")

    # The transfer's listener decides it again after its answer: wait for the root to say so.
    root = scenario.wait_for(
        lambda: "owned by platform" in (text := scenario.thread_of(change.id)[0].all_text) and text
    )
    assert "owned by payments" not in root and "from team payments" not in root
    again = scenario.bot.workflow.get(change.id)
    assert again.state is RequestState.AWAITING_APPROVAL
    assert again.approval_round > change.approval_round
    assert "team:payments" not in again.required_approvals
    scenario.wait_for(lambda: scenario.ephemeral_containing("U0ONCALL", "now belongs to platform"))
    new_ask = scenario.approval_message(change.id)  # the old ask lost its buttons; this is the new round's
    assert again.plan_hash and again.plan_hash[:12] in json.dumps(new_ask.blocks)
    thread = scenario.thread_text(change.id)
    assert "approved. Applying" not in thread
