"""Slack adapter fixtures: the real emulator, a real WebClient pointed at it, the channels config.
Request snapshots for the templates are tests/support/request_snapshots.py."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from slack_sdk import WebClient

from bot.config import AppConfig, ApproverGroup, Channels
from bot.devtools.slack_emulator import SlackEmulator, default_workspace
from bot.slack.app import build_web_client


@pytest.fixture
def slack() -> Iterator[SlackEmulator]:
    with SlackEmulator(default_workspace()) as emulator:
        yield emulator


@pytest.fixture
def client(slack: SlackEmulator) -> WebClient:
    return build_web_client(slack.workspace.bot_token, slack.base_url)


@pytest.fixture
def config() -> AppConfig:
    return AppConfig(
        channels=Channels(requests="C0REQUESTS", platform="C0PLATFORM"),
        groups={"security": ApproverGroup(usergroup_id="S0SECURITY", channel="C0SECURITY")},
    )
