"""The bot process dies during an apply: the next process takes the dead one's stack lease over once
it expired, clears its Pulumi lock and applies again; the requester is told it resumed.
The bot runs as a real `platformbot serve` process here, killed with SIGKILL.
Stopped with SIGTERM instead, it lets the apply finish within its grace and exits."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
import yaml

from bot.devtools.slack_emulator import SlackDriver, SlackEmulator, default_workspace
from bot.store import Store, repository
from tests.support.postgres import PostgresServer
from tests.support.processes import descendants, free_port
from tests.support.pulumi import require_pulumi_cli
from tests.support.scenario import scenario_config

# The graces the bot is configured with here; a SIGTERM'd bot is gone within them plus a margin.
INFLIGHT_GRACE = 2.0
APPLY_GRACE = 120.0
STOP_WITHIN = INFLIGHT_GRACE + APPLY_GRACE + 15


class BotProcess:
    def __init__(self, env: dict[str, str], log: Path) -> None:
        self.port = free_port()
        self._log = log.open("ab")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "bot", "serve", "--host", "127.0.0.1", "--port", str(self.port)],
            env=env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            # Its own process group, so SIGKILL takes the Pulumi CLI child down with it, as when a
            # container dies.
            start_new_session=True,
        )

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/slack/events"

    def wait_ready(self, slack: SlackEmulator) -> None:
        slack.wait_for(lambda: self._listening() or None, timeout=60)

    def _listening(self) -> bool:
        assert self.proc.poll() is None, "the bot process exited"
        with socket.socket() as sock:
            return sock.connect_ex(("127.0.0.1", self.port)) == 0

    def kill(self) -> None:
        # The engine starts its provider plugins in process groups of their own: collect the
        # whole tree first, so nothing outlives the "crash" (a dying container takes all of it).
        tree = descendants(self.proc.pid)
        os.killpg(self.proc.pid, signal.SIGKILL)
        for pid in tree:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        self.proc.wait(timeout=30)

    def terminate(self) -> None:
        """SIGTERM to the bot alone, as an orchestrator stops a container's main process: the
        Pulumi CLI it runs must not be signalled, or the apply it is finishing would die."""
        if self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGTERM)

    def stop(self) -> None:
        """A graceful stop, bounded: the config's graces (below) plus a margin; past that the test
        fails rather than waits, and nothing is left running."""
        try:
            self.terminate()
            self.proc.wait(timeout=STOP_WITHIN)
        finally:
            if self.proc.poll() is None:
                self.kill()
            self._log.close()


@pytest.fixture
def env_for_bot(
    tmp_path: Path, postgres_server: PostgresServer
) -> Iterator[tuple[dict[str, str], SlackEmulator]]:
    pulumi_bin_dir = require_pulumi_cli()
    workspace = default_workspace()
    config = tmp_path / "config.yaml"
    settings = scenario_config(pulumi_bin_dir).model_dump(mode="json")
    settings["server"] = {"inflight_grace_seconds": INFLIGHT_GRACE, "shutdown_grace_seconds": APPLY_GRACE}
    config.write_text(yaml.safe_dump(settings))
    with SlackEmulator(workspace) as slack:
        env = {
            **os.environ,
            "SLACK_BOT_TOKEN": workspace.bot_token,
            "SLACK_SIGNING_SECRET": workspace.signing_secret,
            "SLACK_API_URL": slack.base_url,
            "PLATFORMBOT_CONFIG": str(config),
            "PLATFORMBOT_DATA_DIR": str(tmp_path / "data"),
            "PLATFORMBOT_POSTGRES_ADMIN_DSN": postgres_server.dsn(),
            "PULUMI_CONFIG_PASSPHRASE": "restart-passphrase",
            "PATH": f"{pulumi_bin_dir}{os.pathsep}{os.environ.get('PATH', '')}",
        }
        yield env, slack


def _request_state(database: str) -> tuple[str, bool]:
    store = Store.from_url(database)
    try:
        with store.read() as session:
            request = repository.get_request(session, 1)
            assert request is not None
            return request.state, repository.get_lock(session, request.stack_name) is not None
    finally:
        store.dispose()


def test_an_apply_killed_mid_way_is_resumed_by_the_next_process_and_converges(
    env_for_bot: tuple[dict[str, str], SlackEmulator], tmp_path: Path
) -> None:
    env, slack = env_for_bot
    log = tmp_path / "bot.log"
    first = BotProcess(env, log)
    try:
        first.wait_ready(slack)
        driver = SlackDriver(slack, first.url, signing_secret=env["SLACK_SIGNING_SECRET"])
        driver.slash_command("request postgres-database crashy env=dev", user="U0REQ")
        # The progress message appears once the engine is applying: kill the process right then.
        slack.wait_for(lambda: slack.find_message("Applying"), timeout=120)
        first.kill()
    finally:
        first.stop()

    database = f"sqlite:///{tmp_path / 'data' / 'platformbot.sqlite3'}"
    assert _request_state(database) == ("applying", True)

    second = BotProcess(env, log)
    try:
        second.wait_ready(slack)
        # The dead process's lease runs out (30 s unrenewed); then the new process takes it over,
        # clears the dead attempt's Pulumi lock, refreshes and applies again.
        slack.wait_for(
            lambda: slack.find_message("resumed after an interruption", channel="C0REQUESTS"), timeout=180
        )
        # Ended, and its lease let go of (a moment after the last state write).
        slack.wait_for(
            lambda: _request_state(database) in {("succeeded", False), ("failed", False)} or None, timeout=300
        )
        assert _request_state(database) == ("succeeded", False), log.read_text()[-4000:]
        resumed = slack.find_messages("resumed after an interruption", channel="C0REQUESTS")
        assert len(resumed) == 1 and resumed[0].thread_ts is not None
        dm = slack.wait_for(
            lambda: next((m.all_text for m in slack.dms("U0REQ") if "postgresql://" in m.all_text), None),
            timeout=60,
        )
    finally:
        second.stop()
    dsn = next(word.strip("`<>") for word in dm.split() if word.strip("`<>").startswith("postgresql://"))
    with psycopg.connect(dsn) as conn:
        assert conn.execute("select current_database()").fetchone() == ("crashy_dev",)
    state = tmp_path / "data" / "pulumi-state" / ".pulumi" / "locks"
    assert not state.exists() or list(state.rglob("*.json")) == []


def test_sigterm_during_an_apply_lets_it_finish_within_the_grace(
    env_for_bot: tuple[dict[str, str], SlackEmulator], tmp_path: Path
) -> None:
    env, slack = env_for_bot
    bot = BotProcess(env, tmp_path / "bot.log")
    try:
        bot.wait_ready(slack)
        driver = SlackDriver(slack, bot.url, signing_secret=env["SLACK_SIGNING_SECRET"])
        driver.slash_command("request postgres-database graceful env=dev", user="U0REQ")
        slack.wait_for(lambda: slack.find_message("Applying"), timeout=120)

        bot.terminate()
        started = time.monotonic()
        exit_code = bot.proc.wait(timeout=STOP_WITHIN)
        took = time.monotonic() - started
    finally:
        bot.stop()

    assert exit_code == 0
    assert took < APPLY_GRACE + INFLIGHT_GRACE + 10
    store = Store.from_url(f"sqlite:///{tmp_path / 'data' / 'platformbot.sqlite3'}")
    try:
        with store.read() as session:
            request = repository.get_request(session, 1)
            assert request is not None and request.state == "succeeded", request and request.error
            assert repository.get_lock(session, request.stack_name) is None
    finally:
        store.dispose()
    assert slack.wait_for(lambda: slack.find_message("succeeded", channel="C0REQUESTS"), timeout=5)


def test_sigterm_when_idle_stops_at_once(
    env_for_bot: tuple[dict[str, str], SlackEmulator], tmp_path: Path
) -> None:
    env, slack = env_for_bot
    bot = BotProcess(env, tmp_path / "bot.log")
    try:
        bot.wait_ready(slack)
        bot.terminate()
        started = time.monotonic()
        exit_code = bot.proc.wait(timeout=STOP_WITHIN)
        took = time.monotonic() - started
    finally:
        bot.stop()

    assert exit_code == 0
    assert took < 10
