"""Socket Mode only: Slack refreshes the bot's WebSocket link in the middle of a request, and
nothing is lost or done twice (the main flows run over both transports in the other files)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from bot.devtools.slack_emulator import SlackDriver, SlackEmulator, default_workspace
from bot.workflow import RequestState
from tests.support.pulumi import require_pulumi_cli
from tests.support.scenario import Scenario, scenario_config

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


def test_platformbot_serve_socket_dials_slack_and_answers_over_the_link(tmp_path: Path) -> None:
    pulumi_bin_dir = require_pulumi_cli()
    workspace = default_workspace()
    config = tmp_path / "config.yaml"
    config.write_text(yaml.safe_dump(scenario_config(pulumi_bin_dir).model_dump(mode="json")))
    with SlackEmulator(workspace) as slack:
        env = {
            **{k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "PLATFORMBOT_"))},
            "SLACK_BOT_TOKEN": workspace.bot_token,
            "SLACK_SIGNING_SECRET": workspace.signing_secret,
            "SLACK_APP_TOKEN": workspace.app_token,
            "SLACK_API_URL": slack.base_url,
            "PLATFORMBOT_CONFIG": str(config),
            "PLATFORMBOT_DATA_DIR": str(tmp_path / "data"),
            "PULUMI_CONFIG_PASSPHRASE": "socket-passphrase",
        }
        argv = [sys.executable, "-m", "bot", "serve", "--socket", "--host", "127.0.0.1", "--port", "0"]
        with (tmp_path / "bot.log").open("wb") as log:
            process = subprocess.Popen(argv, env=env, stdout=log, stderr=subprocess.STDOUT)
            try:
                slack.socket_mode.wait_connected(timeout=60)
                answered = SlackDriver(slack, transport="socket").slash_command("help")
            finally:
                process.send_signal(signal.SIGTERM)
                process.wait(timeout=60)

    assert "/platform request" in answered.text
    assert any("/platform request" in e.all_text for e in slack.ephemerals("U0REQ"))
    assert [r.status for r in slack.requests_for("apps.connections.open")] == [200]
    assert "Traceback" not in (tmp_path / "bot.log").read_text()
