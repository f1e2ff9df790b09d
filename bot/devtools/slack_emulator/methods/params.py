"""Typed access to a Web API call's arguments, whichever way they arrived.

slack_sdk sends some methods as JSON (`chat.postMessage`, `views.*`) and others form-encoded,
where nested values (`blocks`, `view`, `files`) are JSON strings and booleans are "1"/"0".
Handlers read through this class so they do not care which.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from bot.devtools.slack_emulator.errors import SlackMethodError
from bot.devtools.slack_emulator.state import EmulatorState


class Params:
    def __init__(self, data: dict[str, Any]) -> None:
        self.data = data

    def raw(self, name: str) -> Any:
        return self.data.get(name)

    def text(self, name: str) -> str | None:
        value = self.data.get(name)
        if value is None or isinstance(value, dict | list):
            return None
        return str(value)

    def require(self, name: str, error: str = "invalid_arguments") -> str:
        value = self.text(name)
        if not value:
            raise SlackMethodError(error, messages=[f"[ERROR] missing required field: {name}"])
        return value

    def structured(self, name: str) -> Any:
        """A nested value: taken as is from JSON bodies, parsed from form fields."""
        value = self.data.get(name)
        if isinstance(value, str):
            if not value.strip():
                return None
            try:
                return json.loads(value)
            except json.JSONDecodeError as exc:
                raise SlackMethodError(
                    "invalid_arguments", messages=[f"[ERROR] {name} is not valid JSON: {exc.msg}"]
                ) from exc
        return value

    def flag(self, name: str) -> bool:
        value = self.data.get(name)
        if isinstance(value, str):
            return value.lower() in ("1", "true", "yes")
        return bool(value)

    def number(self, name: str, default: int) -> int:
        value = self.data.get(name)
        if value is None or value == "":
            return default
        try:
            return int(value)
        except (TypeError, ValueError) as exc:
            raise SlackMethodError(
                "invalid_arguments", messages=[f"[ERROR] {name} must be a number"]
            ) from exc


Handler = Callable[[EmulatorState, Params], dict[str, Any]]
