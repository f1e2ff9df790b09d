"""Bad input, denied requests and what Slack's transport can do: retries, forgeries, rate limits."""

from __future__ import annotations

import time

import pytest

from bot.devtools.slack_emulator import Ephemeral
from bot.workflow import RequestState
from tests.support.scenario import Scenario, both_transports


@both_transports
def test_bad_parameters_get_a_private_answer_and_nothing_is_stored(scenario: Scenario) -> None:
    response = scenario.driver.slash_command(
        "request postgres-database name=x env=moon size=huge", user="U0REQ"
    )

    assert response.status == 200
    body = response.json
    assert body["response_type"] == "ephemeral"
    text = str(body["blocks"])
    assert "dev, staging" in text and "prod" in text  # the allowed environments
    assert "small" in text and "large" in text  # the allowed sizes
    assert "Traceback" not in response.text
    assert scenario.stored() == 0
    assert scenario.slack.messages("C0REQUESTS") == []


def test_a_misspelt_path_suggests_the_closest_one(scenario: Scenario) -> None:
    response = scenario.driver.slash_command("request postgres-databse name=billing env=dev", user="U0REQ")

    assert "postgres-database" in str(response.json["blocks"])
    assert scenario.stored() == 0


@both_transports
def test_request_without_parameters_opens_the_form(scenario: Scenario) -> None:
    scenario.driver.slash_command("request postgres-database", user="U0REQ")

    modal = scenario.wait_for(lambda: (scenario.slack.views_for("U0REQ") or [None])[-1])
    name = scenario.named("formed")
    scenario.driver.submit_view(modal, {"name": name, "env": "dev"})

    request = scenario.settled_request()
    assert request.intent.name == name and request.intent.env == "dev"
    assert request.state is RequestState.SUCCEEDED, request.error


@both_transports
def test_a_form_with_a_bad_value_is_answered_next_to_the_field(scenario: Scenario) -> None:
    scenario.driver.slash_command("request postgres-database", user="U0REQ")
    modal = scenario.wait_for(lambda: (scenario.slack.views_for("U0REQ") or [None])[-1])

    response = scenario.driver.submit_view(modal, {"name": "No Good!", "env": "dev"})

    assert response.json["response_action"] == "errors"
    assert "name" in response.json["errors"]
    assert scenario.stored() == 0


def test_denied_request_is_stored_as_denied_with_reasons_and_nothing_is_planned(scenario: Scenario) -> None:
    scenario.driver.slash_command(
        "request service name=rogue team=unknown-team language=go owners=U0REQ", user="U0REQ"
    )

    request = scenario.settled_request()
    assert request.state is RequestState.DENIED
    thread = scenario.wait_thread(request.id, "denied by the rulebook")
    assert "service-team-must-be-known" in thread
    assert request.plan is None
    assert not (scenario.data_dir / "repos" / "rogue").exists()


def test_a_slack_retry_of_the_same_command_changes_nothing(scenario: Scenario) -> None:
    first = scenario.driver.slash_command(
        "request service name=retried team=payments language=go owners=U0REQ"
    )
    scenario.settled_request()

    again = scenario.driver.redeliver(first, retry_num=1, retry_reason="http_timeout")

    assert again.status == 200
    time.sleep(0.5)  # the listener runs after the ack: give a duplicate the chance to appear
    scenario.settle()
    assert scenario.stored() == 1
    assert len(scenario.slack.messages("C0REQUESTS")) == 1


def test_forged_or_stale_signatures_are_refused_and_nothing_is_stored(scenario: Scenario) -> None:
    text = "request service name=forged team=payments language=go owners=U0REQ"

    forged = scenario.driver.slash_command(text, signature="v0=" + "0" * 64)
    stale = scenario.driver.slash_command(text, timestamp=int(time.time()) - 6 * 60)

    assert forged.status == 401 and stale.status == 401
    time.sleep(0.5)
    assert scenario.stored() == 0
    assert scenario.slack.messages("C0REQUESTS") == []


def test_rate_limited_slack_still_gets_the_thread(scenario: Scenario) -> None:
    scenario.slack.inject("chat.postMessage", "rate_limited", times=2, retry_after=1)

    scenario.driver.slash_command("request service name=throttled team=payments language=node owners=U0REQ")

    request = scenario.settled_request()
    assert request.state is RequestState.SUCCEEDED, request.error
    scenario.wait_thread(request.id, "succeeded")
    limited = [r for r in scenario.slack.requests_for("chat.postMessage") if r.status == 429]
    assert len(limited) == 2


def _form_offer(scenario: Scenario) -> Ephemeral:
    response = scenario.driver.slash_command("request postgres-databse journal env=staging", user="U0REQ")
    return Ephemeral(channel="C0REQUESTS", user="U0REQ", ts="1.0", text="", blocks=response.json["blocks"])


@pytest.mark.parametrize(
    "value",
    ["{not json", "[1, 2]", '{"given": {}}', '{"path": "no-such-path"}', '{"path": "service", "given": [1]}'],
)
def test_a_tampered_form_button_gets_a_short_private_answer_and_opens_nothing(
    scenario: Scenario, value: str, caplog: pytest.LogCaptureFixture
) -> None:
    offer = _form_offer(scenario)
    found = offer.find_element("open_request_form")
    assert found is not None
    found[1]["value"] = value

    response = scenario.driver.click(offer, "open_request_form", user="U0REQ")

    assert response.status == 200
    scenario.wait_for(lambda: scenario.ephemeral_containing("U0REQ", "no longer valid"))
    assert scenario.slack.views_for("U0REQ") == []
    assert scenario.stored() == 0
    assert [r.getMessage() for r in caplog.records if r.exc_info] == []


@pytest.mark.parametrize("metadata", ["", "{", '"a string"', '{"path": 7}', '{"other": "x"}'])
def test_a_form_whose_metadata_was_tampered_is_answered_in_the_form_and_stores_nothing(
    scenario: Scenario, metadata: str, caplog: pytest.LogCaptureFixture
) -> None:
    scenario.driver.slash_command("request postgres-database", user="U0REQ")
    modal = scenario.wait_for(lambda: (scenario.slack.views_for("U0REQ") or [None])[-1])
    modal.body["private_metadata"] = metadata

    response = scenario.driver.submit_view(modal, {"name": "formed", "env": "dev"})

    assert response.json["response_action"] == "errors"
    assert "no longer valid" in " ".join(response.json["errors"].values())
    assert scenario.stored() == 0
    assert [r.getMessage() for r in caplog.records if r.exc_info] == []


def test_an_approve_button_for_an_unknown_request_changes_nothing(scenario: Scenario) -> None:
    scenario.driver.slash_command("request service name=tampered team=payments language=go owners=U0REQ")
    request = scenario.settled_request()
    offer = Ephemeral(
        channel="C0SECURITY",
        user="U0SEC1",
        ts="1.0",
        text="",
        blocks=[
            {
                "type": "actions",
                "block_id": "approval",
                "elements": [
                    {
                        "type": "button",
                        "action_id": "approve",
                        "text": {"type": "plain_text", "text": "Approve"},
                        "value": "PB-999|0000",
                    }
                ],
            }
        ],
    )

    response = scenario.driver.click(offer, "approve", user="U0SEC1")

    assert response.status == 200
    scenario.wait_for(lambda: scenario.ephemeral_containing("U0SEC1", "PB-999"))
    assert scenario.bot.workflow.get(request.id).state is request.state
    assert scenario.stored() == 1
