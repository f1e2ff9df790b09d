"""Socket Mode: the emulator's WebSocket endpoint against slack_sdk's own client (through Bolt's
SocketModeHandler) and against a bare WebSocket client that plays a misbehaving app."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
from slack_bolt import Ack, App, Respond
from slack_bolt.adapter.socket_mode import SocketModeHandler
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect

from bot.devtools.slack_emulator import DriverError, SlackDriver, SlackEmulator
from bot.devtools.slack_emulator.socket_mode import SocketModeTimeout


def _bolt(slack: SlackEmulator) -> App:
    app = App(
        client=WebClient(base_url=slack.base_url, token=slack.workspace.bot_token),
        signing_secret=slack.workspace.signing_secret,
    )

    @app.command("/platform")
    def command(ack: Ack, command: dict[str, Any], respond: Respond) -> None:
        if command["text"] == "help":
            ack(response_type="ephemeral", text="how to use me")
            return
        ack()
        respond(f"working on {command['text']}")

    @app.view("form")
    def submitted(ack: Ack, view: dict[str, Any]) -> None:
        ack(response_action="errors", errors={"name": "no good"})

    @app.event("app_home_opened")
    def home(event: dict[str, Any]) -> None:
        pass

    return app


@pytest.fixture
def connected(slack: SlackEmulator) -> Iterator[SocketModeHandler]:
    handler = SocketModeHandler(_bolt(slack), slack.workspace.app_token)
    handler.connect()
    slack.socket_mode.wait_connected()
    yield handler
    handler.close()


def test_connections_open_needs_the_app_token(slack: SlackEmulator) -> None:
    as_app = WebClient(base_url=slack.base_url).apps_connections_open(app_token=slack.workspace.app_token)
    with pytest.raises(SlackApiError) as as_bot:
        WebClient(base_url=slack.base_url, token=slack.workspace.bot_token).api_call("apps.connections.open")
    with pytest.raises(SlackApiError) as bot_method_as_app:
        WebClient(base_url=slack.base_url, token=slack.workspace.app_token).auth_test()

    assert as_app["ok"] and str(as_app["url"]).startswith("ws://")
    assert "ticket=" in str(as_app["url"])
    assert as_bot.value.response["error"] == "not_allowed_token_type"
    assert bot_method_as_app.value.response["error"] == "not_allowed_token_type"


def test_a_connection_is_greeted_with_hello_and_a_ticket_works_once(slack: SlackEmulator) -> None:
    url = slack.socket_mode.mint_url()
    with connect(url) as ws:
        hello = json.loads(ws.recv(timeout=5))
    assert hello["type"] == "hello" and hello["num_connections"] == 1
    assert hello["connection_info"] == {"app_id": slack.workspace.app_id}
    assert "host" in hello["debug_info"]
    with pytest.raises(InvalidStatus):
        connect(url)


def test_a_ping_is_answered(slack: SlackEmulator) -> None:
    with connect(slack.socket_mode.mint_url()) as ws:
        ws.recv(timeout=5)
        assert ws.ping(b"are you there").wait(5)


def test_slash_command_goes_as_an_object_of_strings_and_the_ack_payload_is_the_answer(
    slack: SlackEmulator, connected: SocketModeHandler
) -> None:
    driver = SlackDriver(slack, transport="socket")

    answered = driver.slash_command("help")

    assert answered.status == 200 and answered.transport == "socket"
    assert answered.json == {"response_type": "ephemeral", "text": "how to use me"}
    [envelope] = [m for m in slack.socket_mode.sent if m.get("type") == "slash_commands"]
    assert envelope["accepts_response_payload"] is True
    assert envelope["retry_attempt"] == 0 and envelope["retry_reason"] == ""
    assert all(isinstance(v, str) for v in envelope["payload"].values())
    assert envelope["payload"]["command"] == "/platform" and envelope["payload"]["text"] == "help"
    # Slack shows the ack's payload to the person, as it shows an HTTP answer's body.
    assert [e.text for e in slack.ephemerals("U0REQ")] == ["how to use me"]
    ack = next(m for m in slack.socket_mode.received if m["envelope_id"] == envelope["envelope_id"])
    assert ack["payload"]["text"] == "how to use me"


def test_respond_after_an_empty_ack_reaches_the_response_url(
    slack: SlackEmulator, connected: SocketModeHandler
) -> None:
    answered = SlackDriver(slack, transport="socket").slash_command("request things")

    assert answered.text == ""
    shown = slack.wait_for(lambda: slack.ephemerals("U0REQ"))
    assert shown[0].text == "working on request things"


def test_interactions_go_parsed_and_a_view_submission_ack_answers_it(
    slack: SlackEmulator, connected: SocketModeHandler
) -> None:
    modal = {
        "type": "modal",
        "callback_id": "form",
        "title": {"type": "plain_text", "text": "Form"},
        "submit": {"type": "plain_text", "text": "Go"},
        "blocks": [
            {
                "type": "input",
                "block_id": "name",
                "label": {"type": "plain_text", "text": "Name"},
                "element": {"type": "plain_text_input", "action_id": "value"},
            }
        ],
    }
    WebClient(base_url=slack.base_url, token=slack.workspace.bot_token).views_open(
        trigger_id=slack.mint_trigger("U0REQ"), view=modal
    )
    [view] = slack.views_for("U0REQ")

    answered = SlackDriver(slack, transport="socket").submit_view(view, {"name": "x"})

    assert answered.json == {"response_action": "errors", "errors": {"name": "no good"}}
    assert view.errors == {"name": "no good"}
    [envelope] = [m for m in slack.socket_mode.sent if m.get("type") == "interactive"]
    assert isinstance(envelope["payload"], dict) and envelope["payload"]["type"] == "view_submission"
    assert envelope["accepts_response_payload"] is True


def test_events_go_as_events_api_envelopes(slack: SlackEmulator, connected: SocketModeHandler) -> None:
    answered = SlackDriver(slack, transport="socket").app_home_opened("U0REQ")

    assert answered.status == 200
    [envelope] = [m for m in slack.socket_mode.sent if m.get("type") == "events_api"]
    assert envelope["payload"]["type"] == "event_callback"
    assert envelope["payload"]["event"]["type"] == "app_home_opened"
    assert envelope["accepts_response_payload"] is False


@pytest.mark.parametrize("reason", ["refresh_requested", "warning"])
def test_after_disconnect_the_client_reconnects_through_connections_open(
    slack: SlackEmulator, connected: SocketModeHandler, reason: Any
) -> None:
    opened = len(slack.requests_for("apps.connections.open"))

    slack.socket_mode.refresh(reason)
    slack.wait_for(lambda: slack.socket_mode.connects >= 2, timeout=15)
    slack.socket_mode.wait_connected()

    assert len(slack.requests_for("apps.connections.open")) == opened + 1
    [disconnect] = [m for m in slack.socket_mode.sent if m.get("type") == "disconnect"]
    assert disconnect["reason"] == reason and "host" in disconnect["debug_info"]
    answered = SlackDriver(slack, transport="socket").slash_command("help")
    assert answered.json["text"] == "how to use me"


def test_an_envelope_lost_with_its_link_is_delivered_again_on_the_next(slack: SlackEmulator) -> None:
    got: dict[str, Any] = {}

    def deliver() -> None:
        got["ack"] = slack.socket_mode.deliver(
            "events_api", {"type": "event_callback"}, accepts_response_payload=False, timeout=20
        )

    with connect(slack.socket_mode.mint_url()) as first:
        first.recv(timeout=5)  # hello
        sender = threading.Thread(target=deliver)
        sender.start()
        lost = json.loads(first.recv(timeout=5))
    # The first link is gone before it acknowledged.
    with connect(slack.socket_mode.mint_url()) as second:
        second.recv(timeout=5)  # hello
        again = json.loads(second.recv(timeout=10))
        second.send(json.dumps({"envelope_id": again["envelope_id"]}))
        sender.join(timeout=10)

    assert again["payload"] == lost["payload"]
    assert (lost["retry_attempt"], again["retry_attempt"]) == (0, 1)
    assert again["retry_reason"] == "timeout"
    assert got["ack"].envelope["envelope_id"] == again["envelope_id"]


def test_no_connection_means_a_timeout_not_a_hang(slack: SlackEmulator) -> None:
    started = time.monotonic()
    with pytest.raises(SocketModeTimeout):
        SlackDriver(slack, transport="socket", timeout=0.5).slash_command("help")
    assert time.monotonic() - started < 5


def test_socket_mode_has_no_signatures_to_forge(slack: SlackEmulator) -> None:
    with pytest.raises(DriverError):
        SlackDriver(slack, transport="socket").slash_command("help", signature="v0=00")


def test_a_redelivery_is_a_new_envelope_marked_as_a_retry(
    slack: SlackEmulator, connected: SocketModeHandler
) -> None:
    driver = SlackDriver(slack, transport="socket")
    first = driver.slash_command("help")

    again = driver.redeliver(first, retry_num=2, retry_reason="timeout")

    assert again.json == first.json and again.response_url == first.response_url
    commands = [m for m in slack.socket_mode.sent if m.get("type") == "slash_commands"]
    assert [(m["retry_attempt"], m["retry_reason"]) for m in commands] == [(0, ""), (2, "timeout")]
    assert commands[0]["payload"] == commands[1]["payload"]
    assert commands[0]["envelope_id"] != commands[1]["envelope_id"]


def test_a_url_verification_does_not_exist_in_socket_mode(slack: SlackEmulator) -> None:
    with pytest.raises(DriverError):
        SlackDriver(slack, transport="socket").url_verification()
