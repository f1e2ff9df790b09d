"""`apps.connections.open`: the one method an app-level token (xapp-...) may call."""

from __future__ import annotations

from typing import Any

from bot.devtools.slack_emulator.errors import SlackMethodError
from bot.devtools.slack_emulator.methods.params import Handler, Params
from bot.devtools.slack_emulator.state import EmulatorState


def connections_open(state: EmulatorState, p: Params) -> dict[str, Any]:
    if state.socket_link is None:
        # What Slack answers when the app's Socket Mode switch is off.
        raise SlackMethodError("socket_mode_not_enabled")
    return {"url": state.socket_link()}


HANDLERS: dict[str, Handler] = {"apps.connections.open": connections_open}

# Methods that take the app-level token instead of the bot token.
APP_TOKEN_METHODS = frozenset(HANDLERS)
