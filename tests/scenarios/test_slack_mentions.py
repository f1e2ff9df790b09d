"""People as Slack sends them: owners picked from @-autocomplete (escaped mentions) in the slash
command and from the form's people picker end up as user ids in the stored intent."""

from __future__ import annotations

from bot.workflow import RequestState
from tests.support.scenario import Scenario


def test_a_service_with_owners_given_as_slack_mentions_is_stored_with_their_ids(scenario: Scenario) -> None:
    # What a Slack client sends for two people picked from autocomplete; Slack adds the usernames.
    response = scenario.driver.slash_command(
        "request service name=mentioned team=payments language=python "
        "owners=<@U0DEV2>, <@U0REQ|Riley Requester>",
        user="U0REQ",
    )

    assert response.status == 200
    assert response.payload["text"].endswith("owners=<@U0DEV2|dana>, <@U0REQ|riley>")
    # "Received" comes once the request is stored, through the response_url (one answer, never two).
    received = scenario.wait_for(lambda: next((e.all_text for e in scenario.slack.ephemerals("U0REQ")), None))
    assert "owners=U0DEV2,U0REQ" in received
    request = scenario.settled_request()
    assert request.intent.params["owners"] == ("U0DEV2", "U0REQ")
    assert request.state is RequestState.SUCCEEDED, request.error
    codeowners = (scenario.data_dir / "repos" / "mentioned" / "CODEOWNERS").read_text()
    assert "U0DEV2" in codeowners and "U0REQ" in codeowners


def test_a_typed_at_name_is_answered_with_how_to_pick_the_person_and_nothing_is_stored(
    scenario: Scenario,
) -> None:
    response = scenario.driver.slash_command(
        "request service name=typed team=payments language=python owners=@riley", user="U0REQ"
    )

    text = str(response.json["blocks"])
    assert "`@riley` is typed text, not a mention" in text
    assert "pick the person from Slack" in text
    assert scenario.bot.workflow.list_for("U0REQ", "all", limit=10) == []


def test_owners_picked_in_the_forms_people_picker_are_stored(scenario: Scenario) -> None:
    scenario.driver.slash_command("request service", user="U0REQ")
    modal = scenario.wait_for(lambda: (scenario.slack.views_for("U0REQ") or [None])[-1])
    owners = next(b["element"] for b in modal.blocks if b.get("block_id") == "owners")
    env = next(b["element"] for b in modal.blocks if b.get("block_id") == "env")
    assert owners["type"] == "multi_users_select"
    assert env["initial_option"]["value"] == "dev"  # the path's default environment, preselected

    scenario.driver.submit_view(
        modal, {"name": "picked", "team": "payments", "language": "go", "owners": ["U0DEV2"]}
    )

    request = scenario.settled_request()
    assert request.intent.params["owners"] == ("U0DEV2",) and request.intent.env == "dev"
