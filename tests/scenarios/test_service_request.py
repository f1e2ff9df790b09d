"""A `service` the rulebook allows: from slash command to a real git repository, in one thread."""

from __future__ import annotations

import logging
import subprocess

import pytest

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


def test_a_service_name_taken_in_another_env_fails_with_the_reason_and_no_traceback(
    scenario: Scenario, caplog: pytest.LogCaptureFixture
) -> None:
    scenario.driver.slash_command(
        "request service name=paybook team=payments language=python owners=U0REQ env=dev", user="U0REQ"
    )
    assert scenario.settled_request().state is RequestState.SUCCEEDED
    caplog.set_level(logging.INFO)
    caplog.clear()

    # Repositories are named by the service alone, so staging's `paybook` is the same repository.
    scenario.driver.slash_command(
        "request service name=paybook team=search language=go owners=U0DEV2 env=staging", user="U0DEV2"
    )
    second = scenario.settled_request(2)
    assert second.state is RequestState.FAILED
    assert second.error is not None and "paybook already exists under the git root" in second.error
    thread = scenario.wait_thread(second.id, "failed")
    assert "paybook already exists" in thread
    # Expected and the requester's to fix: one warning line each, no traceback, no engine dump.
    assert not [r for r in caplog.records if r.exc_info or r.levelno >= logging.ERROR and "pulumi" in r.name]
    assert any("refused" in r.getMessage() and r.levelno == logging.WARNING for r in caplog.records)
