"""A `service` the rulebook allows: from slash command to a real git repository, in one thread."""

from __future__ import annotations

import subprocess

from bot.workflow import RequestState
from tests.support.scenario import Scenario, both_transports


@both_transports
def test_allowed_service_goes_from_command_to_repository(scenario: Scenario) -> None:
    response = scenario.driver.slash_command(
        "request service name=demo team=payments language=python owners=U0REQ", user="U0REQ"
    )

    assert response.status == 200
    # "Received" comes once the request is stored, through the response_url (one answer, never two).
    received = scenario.wait_for(lambda: next((e.all_text for e in scenario.slack.ephemerals("U0REQ")), None))
    assert "service name=demo" in received
    request = scenario.settled_request()
    request_id = request.id
    assert request.state is RequestState.SUCCEEDED, request.error
    thread = scenario.wait_thread(request_id, "succeeded")
    assert "Plan" in thread and "to create" in thread
    repo = scenario.data_dir / "repos" / "demo"
    assert (repo / "CODEOWNERS").read_text().strip()
    log = subprocess.run(
        ["git", "-C", str(repo), "log", "--oneline"], capture_output=True, text=True, check=True
    )
    assert log.stdout.strip()
