"""The `/platform` command registry: what `help` lists and how a feature's command is run."""

from __future__ import annotations

from typing import Any, cast

import pytest

from bot.errors import WorkflowError
from bot.slack.services import CommandRegistry, Section


def _handler(*_: Any) -> None:
    return None


def test_help_lists_by_section_then_in_the_order_commands_were_registered() -> None:
    registry = CommandRegistry()
    registry.add("help", "help", "this message", _handler, section=Section.REFERENCE)
    registry.add("status", "status <PB-n>", "where a request stands", _handler, section=Section.REQUESTS)
    registry.add("stats", "stats", "figures", _handler)
    registry.add("drift", "drift", "check now", _handler)

    assert [usage for usage, _ in registry.help_rows()] == ["status <PB-n>", "stats", "drift", "help"]


def test_a_command_registered_twice_is_refused() -> None:
    registry = CommandRegistry()
    registry.add("drift", "drift", "check now", _handler)

    with pytest.raises(ValueError, match="registered twice"):
        registry.add("drift", "drift", "again", _handler)


class Calls:
    def __init__(self) -> None:
        self.acks: list[dict[str, Any]] = []
        self.answers: list[dict[str, Any]] = []

    def ack(self, **kwargs: Any) -> None:
        self.acks.append(kwargs)

    def respond(self, **kwargs: Any) -> None:
        self.answers.append(kwargs)


def test_a_features_command_is_acked_first_and_its_user_error_is_told_ephemerally() -> None:
    registry = CommandRegistry()
    seen: list[tuple[Any, str]] = []

    def run(cmd: Any, user: str, respond: Any, payload: dict[str, Any]) -> None:
        seen.append((cmd, user))
        assert calls.acks == [{}]  # the ack went before any work
        raise WorkflowError("There is no request PB-99.")

    registry.after_ack("drift", "drift [PB-n]", "check for drift now", run)
    calls = Calls()
    registered = registry.get("drift")
    assert registered is not None

    # A feature's command uses what it was registered with, not the services or the client.
    nothing = cast(Any, None)
    ack, respond = cast(Any, calls.ack), cast(Any, calls.respond)
    registered.handler(nothing, "parsed", "U0DEV", ack, respond, {}, nothing)

    assert seen == [("parsed", "U0DEV")]
    assert calls.answers == [{"text": "There is no request PB-99.", "response_type": "ephemeral"}]
