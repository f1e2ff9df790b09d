"""`platformbot dev --socket`: the sandbox's local Slack reaches the bot over Socket Mode."""

from __future__ import annotations

from pathlib import Path

from bot.clock import ManualClock
from bot.devtools.sandbox.config import SandboxOptions
from bot.devtools.sandbox.runtime import Sandbox
from tests.support.clock import MONDAY_MORNING


def test_a_socket_sandbox_answers_commands_over_its_socket_mode_link(tmp_path: Path) -> None:
    options = SandboxOptions(
        data_dir=tmp_path / "data",
        port=0,
        postgres=False,
        rabbitmq=False,
        clock=ManualClock(MONDAY_MORNING),
        socket=True,
    )
    with Sandbox(options) as sandbox:
        assert sandbox.web is not None and sandbox.slack is not None
        api = sandbox.web.api

        api.command("U0REQ", "C0REQUESTS", "/platform help")

        [answer] = api.snapshot("U0REQ")["ephemerals"]  # shown once, not once per transport
        assert "/platform request" in answer["text"] + str(answer["blocks"])
        assert [m["type"] for m in sandbox.slack.socket_mode.sent][:2] == ["hello", "slash_commands"]
        assert sandbox.slack.requests_for("apps.connections.open")
    assert sandbox.socket is None  # closed with the sandbox
