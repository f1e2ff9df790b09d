"""The Web API methods the emulator implements, by Slack method name."""

from __future__ import annotations

from bot.devtools.slack_emulator.methods import apps, chat, directory, files, views
from bot.devtools.slack_emulator.methods.apps import APP_TOKEN_METHODS
from bot.devtools.slack_emulator.methods.params import Handler, Params

METHODS: dict[str, Handler] = {
    **apps.HANDLERS,
    **chat.HANDLERS,
    **directory.HANDLERS,
    **files.HANDLERS,
    **views.HANDLERS,
}

__all__ = ["APP_TOKEN_METHODS", "METHODS", "Handler", "Params"]
