"""The scenarios' world: a `Scenario` (the emulator, a driver, the real bot on a real port, the
clock) with the waits every flow uses, the config the scenarios run with, and a restart. The
fixtures that build one are in tests/scenarios/conftest.py."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, TypeVar

import pytest
from slack_bolt.adapter.socket_mode import SocketModeHandler

from bot.app import PlatformBot, create_app
from bot.clock import ManualClock
from bot.config import AppConfig, ApproverGroup, Channels, PulumiSettings, Settings, TeamBudget
from bot.devtools.slack_emulator import Message, SlackDriver, SlackEmulator, default_workspace
from bot.http_server import HttpServer
from bot.workflow import FINAL_STATES, Request, RequestState
from tests.support.clock import MONDAY_MORNING

T = TypeVar("T")

Transport = Literal["http", "socket"]
TRANSPORTS: tuple[Transport, ...] = ("http", "socket")
# The main flows run over both transports; everything else over HTTP.
both_transports = pytest.mark.parametrize("transport", TRANSPORTS)


def scenario_config(pulumi_bin_dir: Path) -> AppConfig:
    return AppConfig(
        channels=Channels(requests="C0REQUESTS", platform="C0PLATFORM"),
        groups={
            "security": ApproverGroup(usergroup_id="S0SECURITY", channel="C0SECURITY"),
            "oncall": ApproverGroup(user_ids=("U0ONCALL",), channel="C0PLATFORM"),
            # The default rulebook asks finance for a request over its team's budget.
            "finance": ApproverGroup(user_ids=("U0ONCALL",), channel="C0PLATFORM"),
        },
        teams={"payments": ("U0REQ", "U0DEV2"), "platform": ("U0SEC1", "U0SEC2", "U0ONCALL")},
        # Cost centres (the default rulebook denies production resources without one); no limits.
        budgets={
            "payments": TeamBudget(cost_centre="CC-4711"),
            "platform": TeamBudget(cost_centre="CC-1000"),
        },
        admins=("U0ONCALL",),
        approval_ttl_hours=24,
        pulumi=PulumiSettings(pulumi_bin_dir=pulumi_bin_dir),
    )


@dataclass
class Scenario:
    slack: SlackEmulator
    driver: SlackDriver
    bot: PlatformBot
    server: HttpServer
    clock: ManualClock
    data_dir: Path
    transport: Transport = "http"
    socket: SocketModeHandler | None = None

    def named(self, base: str) -> str:
        """A resource name of this transport's own: the scenarios share one PostgreSQL, so the
        socket run of a test must not create the database its HTTP run made."""
        return base if self.transport == "http" else f"{base}-ws"

    def settle(self, timeout: float = 120.0) -> None:
        """Wait until background work (previews, applies) is done."""
        self.bot.worker.drain(timeout)

    def wait_for(self, predicate: Callable[[], T | None], timeout: float = 120.0) -> T:
        return self.slack.wait_for(predicate, timeout=timeout)

    def thread_of(self, request_id: str) -> list[Message]:
        request = self.bot.workflow.get(request_id)
        if request.thread_ts is None:  # stored before the thread is posted
            return []
        return self.slack.thread(request.channel, request.thread_ts)

    def thread_text(self, request_id: str) -> str:
        return "\n".join(m.all_text for m in self.thread_of(request_id))

    def wait_thread(self, request_id: str, phrase: str, timeout: float = 60.0) -> str:
        """The thread's text once `phrase` shows up in it (notices follow the state change)."""

        def found() -> str | None:
            text = self.thread_text(request_id)
            return text if phrase in text else None

        return self.wait_for(found, timeout)

    def latest_request_id(self, count: int = 1, *, user: str | None = None) -> str:
        """The newest request (of `user`, or anyone's), once `count` exist (the listener stores it
        after its ack)."""

        def enough() -> list[Request] | None:
            if user is None:
                found = self.bot.workflow.list_for("U0REQ", "all", limit=100)
            else:
                found = self.bot.workflow.list_for(user, "mine", limit=100)
            return found if len(found) >= count else None

        return self.wait_for(enough)[0].id

    def stored(self) -> int:
        """How many requests exist (of anyone)."""
        return len(self.bot.workflow.list_for("U0REQ", "all", limit=100))

    def ephemerals(self, user: str) -> list[str]:
        """The text of each ephemeral `user` sees, oldest first."""
        return [e.all_text for e in self.slack.ephemerals(user)]

    def ephemeral_text(self, user: str) -> str:
        return "\n".join(self.ephemerals(user))

    def ephemeral_containing(self, user: str, phrase: str) -> str | None:
        return next((text for text in self.ephemerals(user) if phrase in text), None)

    def dm_text(self, user: str) -> str:
        """Everything in the bot's DM with `user`."""
        return "\n".join(m.all_text for m in self.slack.dms(user))

    def wait_state(self, request_id: str, *states: RequestState, timeout: float = 180.0) -> Request:
        """Wait until the request reaches one of `states` (any final or waiting state by default)."""
        wanted = set(states) or (set(FINAL_STATES) | {RequestState.AWAITING_APPROVAL})

        def reached() -> Request | None:
            request = self.bot.workflow.get(request_id)
            return request if request.state in wanted else None

        return self.wait_for(reached, timeout=timeout)

    def settled_request(self, count: int = 1, *states: RequestState) -> Request:
        request = self.wait_state(self.latest_request_id(count), *states)
        self.settle()
        return self.bot.workflow.get(request.id)

    def approval_message(self, request_id: str) -> Message:
        return self.wait_for(
            lambda: next(
                (
                    m
                    for m in self.slack.messages("C0SECURITY")
                    if request_id in m.all_text and m.find_element("approve")
                ),
                None,
            )
        )


def scenario_settings(slack: SlackEmulator, data_dir: Path) -> Settings:
    workspace = slack.workspace
    return Settings(
        slack_bot_token=workspace.bot_token,
        slack_signing_secret=workspace.signing_secret,
        slack_app_token=workspace.app_token,
        slack_api_url=slack.base_url,
        platformbot_data_dir=data_dir,
    )


def serve_bot(
    slack: SlackEmulator, bot: PlatformBot, transport: Transport
) -> tuple[HttpServer, SlackDriver, SocketModeHandler | None]:
    """Serve the bot over `transport`; a driver that reaches it that way."""
    server = bot.serve_http(port=0).start()
    if transport == "http":
        url = f"{server.url}/slack/events"
        return server, SlackDriver(slack, url, signing_secret=slack.workspace.signing_secret), None
    # As `platformbot serve --socket` does: Bolt's handler with slack_sdk's builtin client, its Web
    # API calls (apps.connections.open too) going to SLACK_API_URL, i.e. the emulator.
    app_token = bot.settings.slack_app_token
    assert app_token is not None
    socket = SocketModeHandler(bot.bolt, app_token.get_secret_value())
    socket.connect()
    slack.socket_mode.wait_connected()
    return server, SlackDriver(slack, transport="socket"), socket


@contextmanager
def running_scenario(
    config: AppConfig, data_dir: Path, transport: Transport = "http", clock: ManualClock | None = None
) -> Iterator[Scenario]:
    """A bot with `config` on a fresh emulator, served over `transport`, closed afterwards."""
    clock = clock or ManualClock(MONDAY_MORNING)
    with SlackEmulator(default_workspace()) as slack:
        bot = create_app(scenario_settings(slack, data_dir), config, clock=clock)
        bot.start()
        try:
            server, driver, socket = serve_bot(slack, bot, transport)
        except BaseException:
            bot.close()
            raise
        running = Scenario(slack, driver, bot, server, clock, data_dir, transport, socket)
        try:
            yield running
        finally:
            close_bot(running)  # the bot a restart test replaced, when it did


def close_bot(scenario: Scenario) -> None:
    if scenario.socket is not None:
        scenario.socket.close()
        scenario.socket = None
    scenario.bot.close()


def restart(scenario: Scenario) -> None:
    """The bot process ends and a new one starts on the same database and data directory: nothing
    of the old one's memory survives. The scenario talks to the new one from then on."""
    scenario.settle()
    config = scenario.bot.config
    close_bot(scenario)
    scenario.bot = create_app(
        scenario_settings(scenario.slack, scenario.data_dir), config, clock=scenario.clock
    )
    scenario.bot.start()
    scenario.server, scenario.driver, scenario.socket = serve_bot(
        scenario.slack, scenario.bot, scenario.transport
    )
