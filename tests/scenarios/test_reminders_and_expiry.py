"""A prod request nobody approves: the scheduler reminds security in its channel at most every
`reminder_every_hours` (4 by default) and, when the approval window closes, expires the request and
tells the requester. Time moves on the ManualClock; each hour the scheduler runs what is due."""

from __future__ import annotations

import html
from datetime import timedelta

import pytest

from bot.workflow import RequestState
from tests.support.scenario import Scenario

pytestmark = [pytest.mark.engine, pytest.mark.postgres]


def reminders(scenario: Scenario, request_id: str) -> list[str]:
    return [
        html.unescape(m.all_text)
        for m in scenario.slack.messages("C0SECURITY")
        if "still needs approval" in m.text and request_id in m.all_text
    ]


def test_pending_approval_is_reminded_every_four_hours_then_expires_and_the_requester_hears_it(
    scenario: Scenario,
) -> None:
    scenario.driver.slash_command("request postgres-database remindme env=prod", user="U0REQ")
    request = scenario.settled_request()
    assert request.state is RequestState.AWAITING_APPROVAL
    schedules = scenario.bot.schedules
    assert schedules is not None

    seen: dict[int, int] = {}
    for hour in range(1, 25):
        now = scenario.clock.advance(timedelta(hours=1))
        runs = {run.job_id: run.outcome for run in schedules.run_due(now)}
        assert runs.get("reminders") in ("succeeded", None) and runs.get("expiry") in ("succeeded", None)
        seen[hour] = len(reminders(scenario, request.id))

    reminded_at = [hour for hour in range(1, 25) if seen[hour] > seen.get(hour - 1, 0)]
    assert reminded_at == [4, 8, 12, 16, 20]
    assert "1 from security" in reminders(scenario, request.id)[0]

    expired = scenario.wait_state(request.id, RequestState.EXPIRED)
    assert expired.error == "No decision before the approval window closed."
    scenario.wait_thread(request.id, "expired")
    dm = scenario.wait_for(
        lambda: next((m for m in scenario.slack.dms("U0REQ") if "expired" in m.all_text), None)
    )
    assert request.id in dm.all_text
