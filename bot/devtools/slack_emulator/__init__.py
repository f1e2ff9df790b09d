"""A local Slack for tests and the sandbox: a Web API server on loopback and a driver that plays
Slack toward the bot (signed slash commands, interactions, events).

    with SlackEmulator() as slack:
        driver = SlackDriver(slack, bot_url="http://127.0.0.1:3000/slack/events")
        driver.slash_command("/platform", "help", user="U0REQ")
"""

from __future__ import annotations

from bot.devtools.slack_emulator.bot_response import BotResponse
from bot.devtools.slack_emulator.driver import SlackDriver
from bot.devtools.slack_emulator.errors import DriverError, EmulatorError, SlackMethodError
from bot.devtools.slack_emulator.models import Ephemeral, Event, File, Message, RecordedRequest, View
from bot.devtools.slack_emulator.server import SlackEmulator
from bot.devtools.slack_emulator.workspace import Channel, User, UserGroup, Workspace, default_workspace

__all__ = [
    "BotResponse",
    "Channel",
    "DriverError",
    "EmulatorError",
    "Ephemeral",
    "Event",
    "File",
    "Message",
    "RecordedRequest",
    "SlackDriver",
    "SlackEmulator",
    "SlackMethodError",
    "User",
    "UserGroup",
    "View",
    "Workspace",
    "default_workspace",
]
