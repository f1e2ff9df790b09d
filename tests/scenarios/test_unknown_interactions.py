"""Interactions the bot did not make, over real transports: an action id no listener knows, a
button value or a modal's private_metadata changed on the way, a modal of a callback id nobody
registered, an event nobody subscribed to. Each gets a short answer (ephemeral, in the form or by
DM where a modal has no response_url), no store row changes, and nothing logs a traceback or the
payload."""

from __future__ import annotations

import copy
import logging
import time
from typing import Any

import pytest
from sqlalchemy import text

from bot.devtools.slack_emulator import Ephemeral, Message, View
from bot.workflow import Request, RequestState
from tests.support.scenario import Scenario, both_transports

_TABLES = ("requests", "audit_events", "approvals", "runs", "feedback_answers")
NOT_VALID = "no longer valid"


def _rows(scenario: Scenario) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of the tables an interaction could change, in a stable order."""
    with scenario.bot.store.engine.connect() as connection:
        return {
            table: sorted(
                (tuple(map(repr, row)) for row in connection.execute(text(f"SELECT * FROM {table}"))),
            )
            for table in _TABLES
        }


def _waiting_request(scenario: Scenario) -> Request:
    scenario.driver.slash_command(f"request postgres-database {scenario.named('guarded')} env=prod")
    request = scenario.settled_request(1, RequestState.AWAITING_APPROVAL)
    assert request.state is RequestState.AWAITING_APPROVAL
    return request


def _copy_of(message: Message, user: str) -> Ephemeral:
    """The approval ask's blocks as an ephemeral of `user`'s own, so editing them leaves the
    emulator's recorded message alone."""
    return Ephemeral(
        channel=message.channel, user=user, ts=message.ts, text="", blocks=copy.deepcopy(message.blocks)
    )


def _open_modal(scenario: Scenario, user: str) -> View:
    def newest() -> View | None:
        views = scenario.slack.views_for(user)
        return views[-1] if views else None

    return scenario.wait_for(newest)


def _element(target: Ephemeral, action_id: str) -> dict[str, Any]:
    found = target.find_element(action_id)
    assert found is not None
    return found[1]


def _unchanged_after_a_moment(scenario: Scenario, before: dict[str, list[tuple[Any, ...]]]) -> None:
    time.sleep(0.5)  # listeners run after the ack: give a change the chance to land
    scenario.settle()
    assert _rows(scenario) == before


def _no_traceback(caplog: pytest.LogCaptureFixture) -> None:
    assert [r.getMessage() for r in caplog.records if r.exc_info] == []
    assert not [r for r in caplog.records if r.getMessage().startswith("Unhandled request")]


@both_transports
def test_an_unknown_action_id_gets_a_short_private_answer_and_changes_no_row(
    scenario: Scenario, caplog: pytest.LogCaptureFixture
) -> None:
    request = _waiting_request(scenario)
    stale = _copy_of(scenario.approval_message(request.id), "U0SEC1")
    _element(stale, "approve")["action_id"] = "approve_v0"
    before = _rows(scenario)
    caplog.set_level(logging.DEBUG)

    response = scenario.driver.click(stale, "approve_v0", user="U0SEC1")

    assert response.status == 200
    answer = scenario.wait_for(lambda: scenario.ephemeral_containing("U0SEC1", NOT_VALID))
    assert "nothing was done" in answer and len(answer) < 200
    _unchanged_after_a_moment(scenario, before)
    assert scenario.bot.workflow.get(request.id).state is RequestState.AWAITING_APPROVAL
    _no_traceback(caplog)
    unhandled = [r.getMessage() for r in caplog.records if "no listener for" in r.getMessage()]
    assert unhandled == ["no listener for block_actions 'approve_v0'; answered that nothing changed"]


@both_transports
@pytest.mark.parametrize("value", ["garbage", "PB-1|" + "0" * 64, "|", '{"path": "service"}'])
def test_a_tampered_approve_value_gets_a_short_private_answer_and_changes_no_row(
    scenario: Scenario, value: str, caplog: pytest.LogCaptureFixture
) -> None:
    request = _waiting_request(scenario)
    tampered = _copy_of(scenario.approval_message(request.id), "U0SEC1")
    _element(tampered, "approve")["value"] = value
    before = _rows(scenario)
    caplog.set_level(logging.DEBUG)

    response = scenario.driver.click(tampered, "approve", user="U0SEC1")

    assert response.status == 200
    answer = scenario.wait_for(lambda: scenario.ephemeral_text("U0SEC1") or None)
    assert len(answer) < 300 and "Traceback" not in answer
    _unchanged_after_a_moment(scenario, before)
    assert scenario.bot.workflow.get(request.id).state is RequestState.AWAITING_APPROVAL
    _no_traceback(caplog)


@pytest.mark.parametrize("metadata", ["garbage", "", "PB-999|0000", "{"])
def test_a_reject_form_whose_metadata_was_tampered_is_answered_in_the_modal_and_changes_no_row(
    scenario: Scenario, metadata: str, caplog: pytest.LogCaptureFixture
) -> None:
    request = _waiting_request(scenario)
    scenario.driver.click(scenario.approval_message(request.id), "reject", user="U0SEC1")
    modal = _open_modal(scenario, "U0SEC1")
    modal.body["private_metadata"] = metadata
    before = _rows(scenario)
    caplog.set_level(logging.DEBUG)

    response = scenario.driver.submit_view(modal, {"reason": "not like this"}, user="U0SEC1")

    assert response.status == 200 and response.json["response_action"] == "errors"
    answer = response.json["errors"]["reason"]
    assert 0 < len(answer) < 300 and "Traceback" not in answer
    _unchanged_after_a_moment(scenario, before)
    assert scenario.bot.workflow.get(request.id).state is RequestState.AWAITING_APPROVAL
    _no_traceback(caplog)


@both_transports
def test_a_form_of_an_unknown_callback_id_is_answered_beside_its_first_field_and_changes_no_row(
    scenario: Scenario, caplog: pytest.LogCaptureFixture
) -> None:
    scenario.driver.slash_command("request postgres-database", user="U0REQ")
    modal = _open_modal(scenario, "U0REQ")
    modal.body["callback_id"] = "request_form_v0"
    before = _rows(scenario)
    caplog.set_level(logging.DEBUG)

    response = scenario.driver.submit_view(modal, {"name": scenario.named("stale"), "env": "dev"})

    assert response.json["response_action"] == "errors"
    assert NOT_VALID in " ".join(response.json["errors"].values())
    assert modal.errors is not None and not modal.closed
    _unchanged_after_a_moment(scenario, before)
    _no_traceback(caplog)


def test_a_form_with_no_field_of_an_unknown_callback_id_becomes_an_out_of_date_notice(
    scenario: Scenario, caplog: pytest.LogCaptureFixture
) -> None:
    scenario.driver.slash_command("request postgres-database", user="U0REQ")
    modal = _open_modal(scenario, "U0REQ")
    modal.body["callback_id"] = "someone_elses_form"
    modal.body["blocks"] = [{"type": "section", "text": {"type": "mrkdwn", "text": "Sure?"}}]
    before = _rows(scenario)
    caplog.set_level(logging.DEBUG)

    response = scenario.driver.submit_view(modal, {})

    assert response.json["response_action"] == "update"
    shown = scenario.slack.views_for("U0REQ")[-1]
    assert shown.body["title"]["text"] == "Out of date"
    assert NOT_VALID in str(shown.body["blocks"])
    _unchanged_after_a_moment(scenario, before)
    _no_traceback(caplog)


def test_an_event_nobody_listens_for_gets_an_empty_200_and_changes_no_row(
    scenario: Scenario, caplog: pytest.LogCaptureFixture
) -> None:
    before = _rows(scenario)
    caplog.set_level(logging.DEBUG)

    response = scenario.driver.event(
        {"type": "star_added", "user": "U0REQ", "item": {"type": "channel", "channel": "C0REQUESTS"}}
    )

    assert response.status == 200 and response.text == ""
    _unchanged_after_a_moment(scenario, before)
    _no_traceback(caplog)
