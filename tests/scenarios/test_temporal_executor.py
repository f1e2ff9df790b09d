"""`executor: temporal`: the bot serves Slack over HTTP and only submits steps; a separate
`platformbot worker` process runs them. Real parts throughout: a Temporal dev server
(tests/support/temporal.py), the worker as a subprocess of `python -m bot worker` reading the same
YAML config and environment, one PostgreSQL database for both processes, the Slack emulator, the
real Pulumi engine and a real git repository for the `service` golden path.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.app import PlatformBot, create_app
from bot.config import Settings, load_app_config
from bot.devtools.slack_emulator import SlackDriver, SlackEmulator, default_workspace
from bot.store import repository
from bot.workflow import Request, RequestState
from tests.support.databases import fresh_database
from tests.support.pulumi import require_pulumi_cli
from tests.support.temporal import dev_server, unique_task_queue

pytestmark = pytest.mark.postgres

REPO = Path(__file__).resolve().parents[2]


def _config(pulumi_bin_dir: Path, temporal_address: str, task_queue: str) -> dict[str, Any]:
    """What tests/scenarios/conftest.py's scenario_config says, as the YAML file a worker reads."""
    return {
        "channels": {"requests": "C0REQUESTS", "platform": "C0PLATFORM"},
        "groups": {
            "security": {"usergroup_id": "S0SECURITY", "channel": "C0SECURITY"},
            "oncall": {"user_ids": ["U0ONCALL"], "channel": "C0PLATFORM"},
            "finance": {"user_ids": ["U0ONCALL"], "channel": "C0PLATFORM"},
        },
        "teams": {"payments": ["U0REQ", "U0DEV2"], "platform": ["U0SEC1", "U0SEC2", "U0ONCALL"]},
        "admins": ["U0ONCALL"],
        "pulumi": {"pulumi_bin_dir": str(pulumi_bin_dir)},
        # No scheduled jobs: this test is about where steps run.
        "schedules": {name: "" for name in ("drift", "feedback", "reminders", "expiry", "digest")},
        "executor": "temporal",
        "temporal": {"address": temporal_address, "task_queue": task_queue, "heartbeat_timeout_seconds": 5},
    }


@dataclass
class Fleet:
    slack: SlackEmulator
    driver: SlackDriver
    bot: PlatformBot
    worker: subprocess.Popen[bytes]
    worker_log: Path
    data_dir: Path

    def wait_state(self, request_id: str, *states: RequestState, timeout: float = 180.0) -> Request:
        def reached() -> Request | None:
            request = self.bot.workflow.get(request_id)
            return request if request.state in states else None

        return self.slack.wait_for(reached, timeout=timeout)

    def thread_text(self, request: Request) -> str:
        assert request.thread_ts is not None
        return "\n".join(m.all_text for m in self.slack.thread(request.channel, request.thread_ts))

    def worker_output(self) -> str:
        return self.worker_log.read_text(errors="replace")[-3000:]


@pytest.fixture
def fleet(
    tmp_path: Path,
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[Fleet]:
    pulumi_bin_dir = require_pulumi_cli()
    temporal = dev_server()
    config_path = tmp_path / "config.yaml"
    config_path.write_text(yaml.safe_dump(_config(pulumi_bin_dir, temporal.address, unique_task_queue())))
    data_dir = tmp_path / "data"
    with (
        fresh_database("postgresql", request, tmp_path_factory) as database_url,
        SlackEmulator(default_workspace()) as slack,
    ):
        workspace = slack.workspace
        env = {
            "SLACK_BOT_TOKEN": workspace.bot_token,
            "SLACK_SIGNING_SECRET": workspace.signing_secret,
            "SLACK_API_URL": slack.base_url,
            "PLATFORMBOT_CONFIG": str(config_path),
            "DATABASE_URL": database_url,
            "PLATFORMBOT_DATA_DIR": str(data_dir),
            "PULUMI_CONFIG_PASSPHRASE": "temporal-scenario",
        }
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        bot = create_app(Settings(), load_app_config(config_path))
        worker_log = tmp_path / "worker.log"
        with worker_log.open("wb") as log:
            worker = subprocess.Popen(
                [sys.executable, "-m", "bot", "worker", "--concurrency", "2"],
                cwd=REPO,
                env={**os.environ, **env},
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        try:
            bot.start()
            server = bot.serve_http(port=0).start()
            driver = SlackDriver(slack, f"{server.url}/slack/events", signing_secret=workspace.signing_secret)
            yield Fleet(slack, driver, bot, worker, worker_log, data_dir)
        finally:
            worker.terminate()
            try:
                worker.wait(30)
            except subprocess.TimeoutExpired:
                worker.kill()
                worker.wait(10)
            bot.close()


def test_an_allowed_service_request_runs_on_the_worker_with_its_progress_in_the_thread(fleet: Fleet) -> None:
    response = fleet.driver.slash_command(
        "request service name=fleet-demo team=payments language=python owners=U0REQ", user="U0REQ"
    )
    assert response.status == 200
    found = fleet.slack.wait_for(lambda: fleet.bot.workflow.list_for("U0REQ", "mine") or None, timeout=60)
    request_id = found[0].id
    try:
        request = fleet.wait_state(request_id, RequestState.SUCCEEDED, RequestState.FAILED)
    except TimeoutError:
        pytest.fail(f"{request_id} did not finish; the worker said:\n{fleet.worker_output()}")
    assert request.state is RequestState.SUCCEEDED, request.error

    # The worker process did the engine work; this process only served Slack and submitted.
    with fleet.bot.store.read() as session:
        runs = repository.runs_for(session, request.number)
    assert runs and {run.pid for run in runs if run.kind == "up"} == {fleet.worker.pid}
    assert fleet.bot.workflow.pid != fleet.worker.pid

    def succeeded_thread() -> str | None:
        text = fleet.thread_text(request)
        return text if "succeeded" in text else None

    thread = fleet.slack.wait_for(succeeded_thread, timeout=60)
    assert "Plan" in thread and "to create" in thread
    assert "Applying" in thread or "Applied" in thread  # the worker's progress message, in the thread
    # Told once: one success notice in the thread, sent by the worker.
    replies = [m.all_text for m in fleet.slack.thread(request.channel, request.thread_ts or "")[1:]]
    assert sum("succeeded" in text.lower() for text in replies) == 1, replies
    repo = fleet.data_dir / "repos" / "fleet-demo"
    assert (repo / "CODEOWNERS").read_text().strip()
