"""Every message of a request says what the database says: the root, the approval status, the
asks, the answers to commands; across a restart too."""

from __future__ import annotations

import json
from datetime import timedelta

from bot.devtools.slack_emulator import Message
from bot.devtools.slack_emulator.models import Ephemeral
from bot.workflow import RequestState
from tests.support.scenario import Scenario, restart


def _root(scenario: Scenario, request_id: str) -> Message:
    return scenario.thread_of(request_id)[0]


def _status(scenario: Scenario, request_id: str) -> Message:
    return next(m for m in scenario.thread_of(request_id) if "*Approvals* for plan" in m.all_text)


def _ask_now(scenario: Scenario, channel: str, ts: str) -> Message:
    return next(m for m in scenario.slack.messages(channel) if m.ts == ts)


def test_a_rejected_request_shows_rejected_in_its_root_status_and_ask(scenario: Scenario) -> None:
    scenario.driver.slash_command("request postgres-database refused env=prod size=small", user="U0REQ")
    request = scenario.settled_request()
    assert request.state is RequestState.AWAITING_APPROVAL
    ask = scenario.approval_message(request.id)
    assert "state *awaiting approval* (waiting for 1 from security)" in _root(scenario, request.id).all_text
    assert "waiting for 1 more" in _status(scenario, request.id).all_text

    scenario.driver.slash_command(f"reject {request.id} use staging first", user="U0SEC1")

    scenario.wait_state(request.id, RequestState.REJECTED)
    scenario.wait_for(lambda: "is rejected" in "\n".join(scenario.ephemerals("U0SEC1")) or None)
    root = scenario.wait_for(
        lambda: (m := _root(scenario, request.id)) and "*rejected*" in m.all_text and m or None
    )
    assert "use staging first" in root.all_text and "awaiting approval" not in root.all_text
    status = _status(scenario, request.id).all_text
    assert "waiting" not in status and "use staging first" in status
    closed = _ask_now(scenario, "C0SECURITY", ask.ts)
    assert closed.find_element("approve") is None and "Rejected by <@U0SEC1>" in closed.all_text


def test_approve_by_command_approves_the_current_plan_and_the_root_shows_the_lead_time(
    scenario: Scenario,
) -> None:
    scenario.driver.slash_command("request postgres-database commanded env=prod size=small", user="U0REQ")
    request = scenario.settled_request()
    ask = scenario.approval_message(request.id)
    scenario.clock.advance(timedelta(minutes=7))  # security took its time

    scenario.driver.slash_command(f"approve {request.id.lower()}", user="U0SEC1")

    done = scenario.wait_state(request.id, RequestState.SUCCEEDED, RequestState.FAILED)
    assert done.state is RequestState.SUCCEEDED, done.error
    assert any("approval of" in text for text in scenario.ephemerals("U0SEC1"))
    scenario.settle()
    root = _root(scenario, request.id).all_text
    assert "state *succeeded* in 7 min (apply 0.0 s)" in root  # the manual clock stood still
    assert _ask_now(scenario, "C0SECURITY", ask.ts).find_element("approve") is None
    assert "waiting" not in _status(scenario, request.id).all_text


def test_approve_by_command_from_a_non_member_is_refused(scenario: Scenario) -> None:
    scenario.driver.slash_command("request postgres-database stranger env=prod size=small", user="U0REQ")
    request = scenario.settled_request()

    scenario.driver.slash_command(f"approve {request.id}", user="U0DEV2")

    refusal = scenario.wait_for(lambda: "\n".join(scenario.ephemerals("U0DEV2")) or None)
    assert "security" in refusal
    assert scenario.bot.workflow.get(request.id).state is RequestState.AWAITING_APPROVAL


def test_destroy_of_a_rejected_request_gets_exactly_one_answer(scenario: Scenario) -> None:
    scenario.driver.slash_command("request postgres-database unloved env=prod size=small", user="U0REQ")
    request = scenario.settled_request()
    scenario.driver.slash_command(f"reject {request.id} not needed", user="U0SEC1")
    scenario.wait_state(request.id, RequestState.REJECTED)
    before = len(scenario.ephemerals("U0REQ"))

    response = scenario.driver.slash_command(f"destroy {request.id}", user="U0REQ")

    answer = scenario.wait_for(lambda: scenario.ephemerals("U0REQ")[before:] or None)
    scenario.settle()
    answers = scenario.ephemerals("U0REQ")[before:] + ([response.text] if response.text.strip() else [])
    assert len(answers) == 1, answers
    assert "rejected" in answer[0] and "Asking to destroy" not in answer[0]
    assert len(scenario.bot.workflow.list_for("U0REQ", "all", limit=10)) == 1


def test_after_a_restart_the_same_messages_are_updated_and_the_old_ask_still_approves(
    scenario: Scenario,
) -> None:
    scenario.driver.slash_command("request postgres-database durable env=prod size=small", user="U0REQ")
    request = scenario.settled_request()
    ask = scenario.approval_message(request.id)
    root_ts = _root(scenario, request.id).ts
    status_ts = _status(scenario, request.id).ts

    restart(scenario)
    scenario.driver.click(ask, "approve", user="U0SEC1")

    done = scenario.wait_state(request.id, RequestState.SUCCEEDED, RequestState.FAILED)
    assert done.state is RequestState.SUCCEEDED, done.error
    scenario.settle()
    thread = scenario.thread_of(request.id)
    assert thread[0].ts == root_ts and "*succeeded*" in thread[0].all_text
    assert [m.ts for m in thread if "*Approvals* for plan" in m.all_text] == [status_ts]
    closed = _ask_now(scenario, "C0SECURITY", ask.ts)
    assert closed.find_element("approve") is None and "Approved." in closed.all_text
    assert len([m for m in scenario.slack.messages("C0REQUESTS") if request.id in m.all_text]) == 1


def test_another_teams_change_is_asked_of_the_owners_in_the_thread(scenario: Scenario) -> None:
    scenario.driver.slash_command("request postgres-database journal env=staging size=small", user="U0REQ")
    built = scenario.settled_request()
    assert built.state is RequestState.SUCCEEDED, built.error

    scenario.driver.slash_command("request postgres-database journal env=staging size=medium", user="U0SEC1")
    change = scenario.wait_state(scenario.latest_request_id(2))
    scenario.settle()
    change = scenario.bot.workflow.get(change.id)

    assert change.state is RequestState.AWAITING_APPROVAL
    assert change.required_approvals == {"team:payments": 1}
    thread = scenario.thread_of(change.id)
    owned = f"changes {built.id}'s `journal`, owned by payments (<@U0REQ>)"
    assert owned in thread[0].all_text
    ask = next(m for m in thread if m.find_element("approve"))
    assert "team payments" in ask.all_text and "<@U0DEV2>" in ask.all_text and "<@U0REQ>" in ask.all_text
    assert owned in ask.all_text

    scenario.driver.click(ask, "approve", user="U0DEV2")

    done = scenario.wait_state(change.id, RequestState.SUCCEEDED, RequestState.FAILED)
    assert done.state is RequestState.SUCCEEDED, done.error
    scenario.settle()
    assert "*superseded* by " + change.id in _root(scenario, built.id).all_text


def test_a_misspelt_request_offers_the_form_prefilled_with_what_was_understood(scenario: Scenario) -> None:
    response = scenario.driver.slash_command(
        "request postgres-databse journal env=staging size=medium", user="U0REQ"
    )

    # The answer is the ack's body: what Slack shows the user in place, as an ephemeral.
    offer = Ephemeral(channel="C0REQUESTS", user="U0REQ", ts="1.0", text="", blocks=response.json["blocks"])
    assert offer.find_element("open_request_form") is not None
    scenario.driver.click(offer, "open_request_form", user="U0REQ")

    modal = scenario.wait_for(lambda: (scenario.slack.views_for("U0REQ") or [None])[-1])
    assert "postgres-database" in modal.all_text
    fields = json.dumps(modal.blocks)
    assert '"initial_value": "journal"' in fields and "medium" in fields
    assert scenario.bot.workflow.list_for("U0REQ", "all", limit=10) == []  # nothing stored
