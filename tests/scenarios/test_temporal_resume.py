"""`executor: temporal`, a worker killed with SIGKILL in the middle of an apply: Temporal notices the
missing heartbeats and gives the step to a second worker, which takes the dead worker's stack lease
over once it expired, clears its Pulumi lock and applies again. The request ends succeeded, the
thread says once that it resumed, the database accepts its DSN. Real parts throughout: a Temporal
dev server, two `python -m bot worker` processes, PostgreSQL, the emulator and the Pulumi engine.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest
import yaml

from bot.app import create_app
from bot.config import Settings, load_app_config
from bot.devtools.slack_emulator import SlackDriver, SlackEmulator, default_workspace
from bot.devtools.slack_emulator.errors import EmulatorError
from bot.store import repository
from bot.workflow import RequestState
from tests.support.databases import fresh_database
from tests.support.postgres import PostgresServer
from tests.support.pulumi import require_pulumi_cli
from tests.support.temporal import dev_server, unique_task_queue

pytestmark = pytest.mark.postgres

REPO = Path(__file__).resolve().parents[2]
RESUMED = "resumed after an interruption"


def _worker(env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("ab") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "bot", "worker", "--concurrency", "2"],
            cwd=REPO,
            env={**os.environ, **env},
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # SIGKILL of its group takes the Pulumi CLI down too
        )


def _stop(worker: subprocess.Popen[bytes]) -> None:
    if worker.poll() is None:
        worker.terminate()
        try:
            worker.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(worker.pid, signal.SIGKILL)
            worker.wait(10)


def test_a_worker_killed_mid_apply_is_resumed_by_another_worker(
    tmp_path: Path,
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    monkeypatch: pytest.MonkeyPatch,
    postgres_server: PostgresServer,
) -> None:
    pulumi_bin_dir = require_pulumi_cli()
    temporal = dev_server()
    config = {
        "channels": {"requests": "C0REQUESTS", "platform": "C0PLATFORM"},
        "groups": {
            "security": {"usergroup_id": "S0SECURITY", "channel": "C0SECURITY"},
            "oncall": {"user_ids": ["U0ONCALL"], "channel": "C0PLATFORM"},
            "finance": {"usergroup_id": "S0FINANCE", "channel": "C0PLATFORM"},
        },
        "teams": {"payments": ["U0REQ", "U0DEV2"], "platform": ["U0SEC1", "U0SEC2", "U0ONCALL"]},
        "admins": ["U0ONCALL"],
        "pulumi": {"pulumi_bin_dir": str(pulumi_bin_dir)},
        "schedules": {name: "" for name in ("drift", "feedback", "reminders", "expiry", "digest")},
        "executor": "temporal",
        "temporal": {
            "address": temporal.address,
            "task_queue": unique_task_queue("resume"),
            "heartbeat_timeout_seconds": 5,
        },
        # The dead worker's lease runs out sooner than the default 30 s: the resume waits less.
        "leases": {"ttl_seconds": 12, "renew_seconds": 4},
    }
    config_path = tmp_path / "config.yaml"
    config_path.write_text(yaml.safe_dump(config))
    log = tmp_path / "workers.log"
    with (
        fresh_database("postgresql", request, tmp_path_factory) as database_url,
        SlackEmulator(default_workspace()) as slack,
    ):
        env = {
            "SLACK_BOT_TOKEN": slack.workspace.bot_token,
            "SLACK_SIGNING_SECRET": slack.workspace.signing_secret,
            "SLACK_API_URL": slack.base_url,
            "PLATFORMBOT_CONFIG": str(config_path),
            "DATABASE_URL": database_url,
            "PLATFORMBOT_DATA_DIR": str(tmp_path / "data"),
            "PLATFORMBOT_POSTGRES_ADMIN_DSN": postgres_server.dsn(),
            "PULUMI_CONFIG_PASSPHRASE": "temporal-resume",
        }
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        bot = create_app(Settings(), load_app_config(config_path))
        first = _worker(env, log)
        second: subprocess.Popen[bytes] | None = None
        try:
            bot.start()
            server = bot.serve_http(port=0).start()
            driver = SlackDriver(
                slack, f"{server.url}/slack/events", signing_secret=slack.workspace.signing_secret
            )
            driver.slash_command("request postgres-database resumed env=dev", user="U0REQ")
            slack.wait_for(lambda: slack.find_message("Applying"), timeout=180)
            os.killpg(first.pid, signal.SIGKILL)
            first.wait(30)
            second = _worker(env, log)

            def ended() -> RequestState | None:
                found = bot.workflow.list_for("U0REQ", "mine")
                state = found[0].state if found else None
                return state if state in {RequestState.SUCCEEDED, RequestState.FAILED} else None

            try:
                slack.wait_for(ended, timeout=300)
            except EmulatorError:
                pytest.fail(f"not resumed; the workers said:\n{log.read_text(errors='replace')[-4000:]}")
            done = bot.workflow.list_for("U0REQ", "mine")[0]
            assert done.state is RequestState.SUCCEEDED, done.error

            def let_go() -> bool | None:
                with bot.store.read() as session:
                    return repository.get_lock(session, done.stack_name) is None or None

            slack.wait_for(let_go, timeout=30)
            with bot.store.read() as session:
                runs = list(repository.runs_for(session, done.number))
            ups = [run for run in runs if run.kind == "up"]
            assert ups[-1].outcome == "succeeded" and ups[-1].pid == second.pid
            assert any(run.outcome == "failed" and run.pid == first.pid for run in ups)
            resumed = slack.find_messages(RESUMED, channel="C0REQUESTS")
            assert len(resumed) == 1
            dm = slack.wait_for(
                lambda: next((m.all_text for m in slack.dms("U0REQ") if "postgresql://" in m.all_text), None),
                timeout=60,
            )
        finally:
            _stop(first)
            if second is not None:
                _stop(second)
            bot.close()
    dsn = next(word.strip("`<>") for word in dm.split() if word.strip("`<>").startswith("postgresql://"))
    with psycopg.connect(dsn) as conn:
        assert conn.execute("select current_database()").fetchone() == ("resumed_dev",)
