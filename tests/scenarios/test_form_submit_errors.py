"""A request form that passes its own checks but that the workflow then refuses: the modal has
closed already and has no response_url, so the refusal reaches the user by DM, not nowhere."""

from __future__ import annotations

from bot.devtools.slack_emulator import View
from tests.support.scenario import Scenario, both_transports


def _open_form(scenario: Scenario, text: str, user: str) -> View:
    scenario.driver.slash_command(text, user=user)

    def newest() -> View | None:
        views = scenario.slack.views_for(user)
        return views[-1] if views else None

    return scenario.wait_for(newest)


@both_transports
def test_a_form_naming_a_bot_as_owner_is_refused_by_dm_and_nothing_is_stored(scenario: Scenario) -> None:
    form = _open_form(scenario, "request service", "U0REQ")

    response = scenario.driver.submit_view(
        form, {"name": scenario.named("botowned"), "team": "payments", "language": "go", "owners": ["U0BOT"]}
    )

    assert response.status == 200 and form.closed
    dm = scenario.wait_for(lambda: scenario.dm_text("U0REQ") or None)
    assert "<@U0BOT> is not a person in this workspace" in dm and "Nothing was stored" in dm
    assert "Traceback" not in dm
    scenario.settle()
    assert scenario.stored() == 0
    assert scenario.slack.messages("C0REQUESTS") == []
