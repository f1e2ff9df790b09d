"""Socket Mode only: Slack refreshes the bot's WebSocket link in the middle of a request, and
nothing is lost or done twice (the main flows run over both transports in the other files)."""

from __future__ import annotations

import pytest

from bot.workflow import RequestState
from tests.scenarios.conftest import Scenario

socket_only = pytest.mark.parametrize("transport", ["socket"])


def _opened(scenario: Scenario) -> int:
    return len([r for r in scenario.slack.requests_for("apps.connections.open") if r.status == 200])


@socket_only
def test_a_refresh_while_a_request_is_planned_loses_nothing(scenario: Scenario) -> None:
    scenario.driver.slash_command("request postgres-database rejoin env=prod size=small", user="U0REQ")

    # Slack asks the bot to move to a new link while the plan runs in the background.
    scenario.slack.socket_mode.refresh("refresh_requested")
    scenario.wait_for(lambda: scenario.slack.socket_mode.connects >= 2, timeout=30)
    request = scenario.settled_request()
    assert request.state is RequestState.AWAITING_APPROVAL
    scenario.driver.click(scenario.approval_message(request.id), "approve", user="U0SEC1")

    done = scenario.wait_state(request.id, RequestState.SUCCEEDED, RequestState.FAILED)
    assert done.state is RequestState.SUCCEEDED, done.error
    assert _opened(scenario) >= 2  # the new link came through apps.connections.open
    assert scenario.stored() == 1
    assert len(scenario.slack.messages("C0REQUESTS")) == 1
    assert scenario.wait_for(lambda: "postgresql://" in scenario.dm_text("U0REQ") or None)
    received = [text for text in scenario.ephemerals("U0REQ") if "rejoin" in text]
    assert len(received) == 1  # "Received" once: no envelope was handled twice


@socket_only
def test_a_command_sent_while_the_link_is_down_arrives_once_it_is_back(scenario: Scenario) -> None:
    # No grace: the old link closes at once, so the command waits for the reconnect.
    scenario.slack.socket_mode.refresh("warning", grace=0.0)

    response = scenario.driver.slash_command(
        "request service name=reconnected team=payments language=go owners=U0REQ", user="U0REQ"
    )

    assert response.status == 200
    request = scenario.settled_request()
    assert request.state is RequestState.SUCCEEDED, request.error
    scenario.wait_thread(request.id, "succeeded")
    assert _opened(scenario) >= 2
    assert scenario.stored() == 1
    assert len(scenario.slack.messages("C0REQUESTS")) == 1
