"""Golden paths from packages reach the bot (issue 15): the installed redis-cache package is in
the catalog; without its settings it is offered as unavailable, naming the missing setting."""

from __future__ import annotations

from tests.support.scenario import Scenario


def test_an_installed_package_without_its_settings_is_shown_unavailable_and_refused(
    scenario: Scenario,
) -> None:
    catalog = scenario.driver.slash_command("catalog")
    assert "redis-cache" in catalog.text
    assert "admin_url" in catalog.text

    reply = scenario.driver.slash_command("request redis-cache name=sessions env=dev size=small")
    assert "admin_url" in reply.text and "not configured" in reply.text
    assert scenario.bot.workflow.list_for("U0REQ", "all") == []
