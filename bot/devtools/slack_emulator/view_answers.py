"""What Slack does with the bot's answer to a view submission (the HTTP body or the Socket Mode
ack's payload): close the view, show `errors`, `update`, `push` or `clear`."""

from __future__ import annotations

from typing import Any

from bot.devtools.slack_emulator.blocks import check_view
from bot.devtools.slack_emulator.errors import DriverError, SlackMethodError
from bot.devtools.slack_emulator.models import View
from bot.devtools.slack_emulator.state import EmulatorState


def apply_view_answer(state: EmulatorState, view: View, user: str, answer: Any) -> None:
    action = answer.get("response_action") if isinstance(answer, dict) else None
    try:
        if action is None:
            state.close_view(view)
        elif action == "errors":
            with state.lock:
                view.errors = dict(answer.get("errors") or {})
            state.emit("view.errors", {"user": user, "id": view.id, "errors": view.errors})
        elif action == "update":
            check_view(answer.get("view"), expected_type="modal")
            state.replace_view(view, answer["view"])
        elif action == "push":
            check_view(answer.get("view"), expected_type="modal")
            state.push_modal(user, answer["view"])
        elif action == "clear":
            state.clear_views(user)
        else:
            raise DriverError(f"unknown response_action {action!r}")
    except SlackMethodError as exc:
        # Slack would show the user a generic error; a test should see exactly why.
        raise DriverError(f"response_action {action}: {exc.error} {exc.messages}") from exc
