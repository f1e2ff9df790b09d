"""The Bolt app's error handler on a real Bolt app talking to the emulator: a listener that fails
is logged once at ERROR (with its stack trace and a reference) and the user gets the generic
answer; what the exception says never reaches Slack, nor the log below ERROR."""

from __future__ import annotations

import json
import logging
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from slack_bolt import Ack, App, BoltRequest
from slack_sdk import WebClient

from bot.devtools.slack_emulator import SlackEmulator
from bot.slack.fallback import register_fallback

SECRET_WORDS = "password=hunter2"


def _app(client: WebClient) -> App:
    executor = ThreadPoolExecutor(max_workers=2)
    app = App(
        client=client,
        signing_secret="unused-in-socket-mode",
        raise_error_for_unhandled_request=True,
        listener_executor=executor,
    )
    register_fallback(app, executor)
    return app


def _dispatch(app: App, body: dict[str, Any]) -> tuple[int, str]:
    # Socket Mode requests carry no signature: the handler is what is under test, not the verifier.
    response = app.dispatch(BoltRequest(body=body, mode="socket_mode"))
    return response.status, response.body


def _leaks(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [
        r.getMessage() for r in caplog.records if r.levelno < logging.ERROR and SECRET_WORDS in r.getMessage()
    ]


def test_a_command_that_fails_before_its_ack_gets_the_generic_answer_and_one_error_line(
    client: WebClient, caplog: pytest.LogCaptureFixture
) -> None:
    app = _app(client)

    @app.command("/platform")
    def fail(ack: Ack) -> None:
        raise RuntimeError(f"could not connect with {SECRET_WORDS}")

    caplog.set_level(logging.DEBUG)
    status, body = _dispatch(
        app,
        {
            "command": "/platform",
            "text": "help",
            "user_id": "U0REQ",
            "channel_id": "C0REQUESTS",
            "team_id": "T0",
        },
    )

    answer = json.loads(body)
    assert status == 200 and answer["response_type"] == "ephemeral"
    assert "went wrong" in answer["text"] and SECRET_WORDS not in body
    failures = [r for r in caplog.records if r.exc_info]
    assert len(failures) == 1 and failures[0].levelno == logging.ERROR
    ref = failures[0].getMessage().split("ref ")[1].split(")")[0]
    assert ref in answer["text"]
    assert _leaks(caplog) == []


def test_a_button_that_fails_after_its_ack_is_told_generically_through_the_response_url(
    client: WebClient, slack: SlackEmulator, caplog: pytest.LogCaptureFixture
) -> None:
    app = _app(client)

    @app.action("approve")
    def fail(ack: Ack) -> None:
        ack()
        raise RuntimeError(f"engine said {SECRET_WORDS}")

    caplog.set_level(logging.DEBUG)
    status, _ = _dispatch(
        app,
        {
            "type": "block_actions",
            "user": {"id": "U0SEC1"},
            "team": {"id": "T0"},
            "channel": {"id": "C0SECURITY"},
            "actions": [{"action_id": "approve", "block_id": "b", "type": "button", "value": "PB-1|x"}],
            "response_url": slack.mint_response_url("C0SECURITY", "U0SEC1"),
        },
    )

    assert status == 200
    told = slack.wait_for(lambda: [e.all_text for e in slack.ephemerals("U0SEC1")] or None, timeout=10)
    assert len(told) == 1 and "went wrong" in told[0] and SECRET_WORDS not in told[0]
    time.sleep(0.2)  # the error line is written in Bolt's listener thread
    failures = [r for r in caplog.records if r.exc_info]
    assert len(failures) == 1 and failures[0].levelno == logging.ERROR
    assert _leaks(caplog) == []


def test_a_request_nobody_listens_for_is_logged_in_one_line_without_its_payload(
    client: WebClient, caplog: pytest.LogCaptureFixture
) -> None:
    app = _app(client)
    caplog.set_level(logging.DEBUG)

    status, body = _dispatch(
        app,
        {
            "type": "block_actions",
            "user": {"id": "U0SEC1"},
            "team": {"id": "T0"},
            "actions": [{"action_id": "x" * 500, "block_id": "b", "type": "button", "value": SECRET_WORDS}],
        },
    )

    assert (status, body) == (200, "")
    lines = [r.getMessage() for r in caplog.records if r.name == "bot.slack"]
    assert lines == [f"no listener for block_actions {'x' * 60!r}; answered that nothing changed"]
    assert SECRET_WORDS not in caplog.text
