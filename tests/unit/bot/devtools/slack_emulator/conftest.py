"""A running emulator with a hand-driven clock, and the real slack_sdk client pointed at it."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from slack_sdk import WebClient

from bot.clock import ManualClock
from bot.devtools.slack_emulator import SlackEmulator


@pytest.fixture
def clock() -> ManualClock:
    # Starts at the real time so message timestamps look like Slack's.
    return ManualClock(datetime.now(UTC))


@pytest.fixture
def slack(clock: ManualClock) -> Iterator[SlackEmulator]:
    with SlackEmulator(clock=clock.timestamp) as emulator:
        yield emulator
        # A 500 from the emulator's own bug would otherwise pass as an "error path" test.
        assert emulator.internal_errors == []


@pytest.fixture
def client(slack: SlackEmulator) -> WebClient:
    return WebClient(base_url=slack.base_url, token=slack.workspace.bot_token, timeout=10)
