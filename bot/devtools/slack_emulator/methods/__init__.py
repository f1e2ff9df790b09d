"""The Web API methods the emulator implements, by Slack method name."""

from __future__ import annotations

from bot.devtools.slack_emulator.methods import chat, directory, files, views
from bot.devtools.slack_emulator.methods.params import Handler, Params

METHODS: dict[str, Handler] = {**chat.HANDLERS, **directory.HANDLERS, **files.HANDLERS, **views.HANDLERS}

__all__ = ["METHODS", "Handler", "Params"]
