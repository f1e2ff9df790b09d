"""The driver against a tiny real Bolt app: signed requests in, the app's Web API calls out."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from slack_bolt import Ack, App, BoltRequest, Respond, Say
from slack_sdk import WebClient

from bot.devtools.slack_emulator import DriverError, SlackDriver, SlackEmulator
from bot.devtools.slack_emulator.bolt_http import BoltHTTPServer

MODAL: dict[str, Any] = {
    "type": "modal",
    "callback_id": "request_form",
    "title": {"type": "plain_text", "text": "New request"},
    "submit": {"type": "plain_text", "text": "Plan"},
    "private_metadata": "postgres-database",
    "blocks": [
        {
            "type": "input",
            "block_id": "name",
            "label": {"type": "plain_text", "text": "Name"},
            "element": {"type": "plain_text_input", "action_id": "value"},
        },
        {
            "type": "input",
            "block_id": "size",
            "label": {"type": "plain_text", "text": "Size"},
            "element": {
                "type": "static_select",
                "action_id": "value",
                "initial_option": {"text": {"type": "plain_text", "text": "Small"}, "value": "small"},
                "options": [
                    {"text": {"type": "plain_text", "text": "Small"}, "value": "small"},
                    {"text": {"type": "plain_text", "text": "Large"}, "value": "large"},
                ],
            },
        },
    ],
}

APPROVAL_BLOCKS: list[dict[str, Any]] = [
    {"type": "section", "text": {"type": "mrkdwn", "text": "PB-9 needs approval"}},
    {
        "type": "actions",
        "block_id": "decide",
        "elements": [
            {
                "type": "button",
                "action_id": "approve",
                "text": {"type": "plain_text", "text": "Approve"},
                "value": "PB-9",
            },
            {
                "type": "button",
                "action_id": "reject",
                "text": {"type": "plain_text", "text": "Reject"},
                "value": "PB-9",
            },
        ],
    },
]


def _build_app(slack: SlackEmulator, seen: dict[str, Any]) -> App:
    ws = slack.workspace
    app = App(signing_secret=ws.signing_secret, client=WebClient(base_url=slack.base_url, token=ws.bot_token))

    @app.command("/platform")
    def command(
        ack: Ack, command: dict[str, Any], say: Say, respond: Respond, client: WebClient, request: BoltRequest
    ) -> None:
        ack(f"working on {command['text']}")
        seen.setdefault("retry_nums", []).append(request.headers.get("x-slack-retry-num", [None])[0])
        if command["text"] == "modal":
            client.views_open(trigger_id=command["trigger_id"], view=MODAL)
        elif command["text"] == "ask":
            say(channel=command["channel_id"], text="PB-9 needs approval", blocks=APPROVAL_BLOCKS)
        else:
            say(f"said {command['text']}")
            respond(f"responded {command['text']}")

    @app.action("approve")
    def approve(ack: Ack, body: dict[str, Any], respond: Respond) -> None:
        ack()
        action = body["actions"][0]
        respond(replace_original=True, text=f"{action['value']} approved by <@{body['user']['id']}>")

    @app.view("request_form")
    def submit(ack: Ack, view: dict[str, Any]) -> None:
        values = view["state"]["values"]
        seen["submitted"] = {
            "name": values["name"]["value"]["value"],
            "size": values["size"]["value"]["selected_option"]["value"],
            "metadata": view["private_metadata"],
        }
        name = values["name"]["value"]["value"]
        follow_up = dict(MODAL, title={"type": "plain_text", "text": f"After {name}"})
        if name == "bad name":
            ack(response_action="errors", errors={"name": "Use lower-case letters"})
        elif name in ("update", "push"):
            ack(response_action=name, view=follow_up)
        elif name == "clear":
            ack(response_action="clear")
        else:
            ack()

    @app.event("app_home_opened")
    def home(event: dict[str, Any], client: WebClient) -> None:
        text = {"type": "mrkdwn", "text": f"Requests of <@{event['user']}>"}
        client.views_publish(
            user_id=event["user"], view={"type": "home", "blocks": [{"type": "section", "text": text}]}
        )

    return app


@pytest.fixture
def seen() -> dict[str, Any]:
    return {}


@pytest.fixture
def driver(slack: SlackEmulator, seen: dict[str, Any]) -> Iterator[SlackDriver]:
    with BoltHTTPServer(_build_app(slack, seen)) as bot:
        yield SlackDriver(slack, bot.url)


def test_a_signed_slash_command_is_acked_and_say_and_respond_reach_slack(
    driver: SlackDriver, slack: SlackEmulator
) -> None:
    reply = driver.slash_command("hello", user="U0REQ", channel="C0REQUESTS")
    assert reply.status == 200
    assert reply.text == "working on hello"  # Bolt acks a bare text as text/plain
    said = slack.wait_for(lambda: slack.find_message("said hello", channel="C0REQUESTS"))
    assert said.user == "U0BOT"
    responded = slack.wait_for(lambda: slack.ephemerals("U0REQ"))
    assert responded[0].text == "responded hello"
    assert slack.requests_for("response_url")[0].params["text"] == "responded hello"


def test_a_forged_signature_is_refused_with_401(
    driver: SlackDriver, slack: SlackEmulator, seen: dict[str, Any]
) -> None:
    reply = driver.slash_command("hello", signature="v0=" + "0" * 64)
    assert reply.status == 401
    assert "retry_nums" not in seen


def test_a_stale_timestamp_is_refused_with_401(driver: SlackDriver, seen: dict[str, Any]) -> None:
    import time

    reply = driver.slash_command("hello", timestamp=int(time.time()) - 6 * 60)
    assert reply.status == 401
    assert "retry_nums" not in seen


def test_a_retry_resends_the_same_body_with_retry_headers(
    driver: SlackDriver, slack: SlackEmulator, seen: dict[str, Any]
) -> None:
    first = driver.slash_command("again")
    retried = driver.redeliver(first, retry_num=1, retry_reason="http_timeout")
    assert retried.status == 200
    assert retried.sent_body == first.sent_body
    assert retried.trigger_id == first.trigger_id
    slack.wait_for(lambda: len(seen.get("retry_nums", [])) == 2)
    assert sorted(seen["retry_nums"], key=str) == ["1", None]


def test_clicking_a_button_sends_its_value_and_respond_replaces_the_message(
    driver: SlackDriver, slack: SlackEmulator
) -> None:
    driver.slash_command("ask")
    message = slack.wait_for(lambda: slack.find_message("needs approval"))
    reply = driver.click(message, "approve", "U0SEC1")
    assert reply.status == 200
    assert reply.payload["actions"][0]["value"] == "PB-9"
    assert reply.payload["container"]["message_ts"] == message.ts
    slack.wait_for(lambda: message.text == "PB-9 approved by <@U0SEC1>")
    assert message.edits[0].text == "PB-9 needs approval"


def test_clicking_an_element_that_is_not_there_is_a_driver_error(
    driver: SlackDriver, slack: SlackEmulator
) -> None:
    driver.slash_command("ask")
    message = slack.wait_for(lambda: slack.find_message("needs approval"))
    with pytest.raises(DriverError):
        driver.click(message, "escalate", "U0SEC1")


def test_the_slash_command_trigger_opens_a_modal_and_submitting_closes_it(
    driver: SlackDriver, slack: SlackEmulator, seen: dict[str, Any]
) -> None:
    driver.slash_command("modal", user="U0REQ")
    [view] = slack.wait_for(lambda: slack.views_for("U0REQ"))
    reply = driver.submit_view(view, {"name": "billing", "size": "large"})
    assert reply.status == 200
    assert seen["submitted"] == {"name": "billing", "size": "large", "metadata": "postgres-database"}
    assert slack.views_for("U0REQ") == []
    assert view.closed


def test_unfilled_inputs_are_submitted_with_their_initial_values(
    driver: SlackDriver, slack: SlackEmulator, seen: dict[str, Any]
) -> None:
    driver.slash_command("modal", user="U0REQ")
    [view] = slack.wait_for(lambda: slack.views_for("U0REQ"))
    driver.submit_view(view, {"name": "billing"})
    assert seen["submitted"]["size"] == "small"


def test_response_action_errors_keep_the_modal_open(driver: SlackDriver, slack: SlackEmulator) -> None:
    driver.slash_command("modal", user="U0REQ")
    [view] = slack.wait_for(lambda: slack.views_for("U0REQ"))
    reply = driver.submit_view(view, {"name": "bad name"})
    assert reply.json == {"response_action": "errors", "errors": {"name": "Use lower-case letters"}}
    assert view.errors == {"name": "Use lower-case letters"}
    assert slack.views_for("U0REQ") == [view]


def test_submitting_a_value_no_input_has_is_a_driver_error(driver: SlackDriver, slack: SlackEmulator) -> None:
    driver.slash_command("modal", user="U0REQ")
    [view] = slack.wait_for(lambda: slack.views_for("U0REQ"))
    with pytest.raises(DriverError):
        driver.submit_view(view, {"nmae": "typo"})
    with pytest.raises(DriverError):
        driver.submit_view(view, {"size": "huge"})


def test_app_home_opened_lets_the_app_publish_a_home_tab(driver: SlackDriver, slack: SlackEmulator) -> None:
    assert driver.app_home_opened("U0DEV2").status == 200
    home = slack.wait_for(lambda: slack.home("U0DEV2"))
    assert "Requests of <@U0DEV2>" in home.all_text


def test_url_verification_echoes_the_challenge(driver: SlackDriver) -> None:
    reply = driver.url_verification("abc123")
    assert reply.status == 200
    assert reply.json == {"challenge": "abc123"}


def test_a_click_inside_a_modal_names_the_view_and_has_no_response_url(
    driver: SlackDriver, slack: SlackEmulator
) -> None:
    button = {
        "type": "button",
        "action_id": "approve",
        "text": {"type": "plain_text", "text": "Go"},
        "value": "v",
    }
    view = dict(MODAL, blocks=[*MODAL["blocks"], {"type": "actions", "elements": [button]}])
    WebClient(base_url=slack.base_url, token=slack.workspace.bot_token).views_open(
        trigger_id=slack.mint_trigger("U0REQ"), view=view
    )
    [opened] = slack.views_for("U0REQ")
    reply = driver.click(opened, "approve", "U0REQ")
    assert reply.payload["container"] == {"type": "view", "view_id": opened.id}
    assert reply.payload["view"]["id"] == opened.id
    assert "response_url" not in reply.payload
    assert reply.response_url is None


def test_a_click_on_an_ephemeral_lets_respond_replace_it(driver: SlackDriver, slack: SlackEmulator) -> None:
    client = WebClient(base_url=slack.base_url, token=slack.workspace.bot_token)
    client.chat_postEphemeral(channel="C0REQUESTS", user="U0REQ", text="Approve?", blocks=APPROVAL_BLOCKS)
    [ephemeral] = slack.ephemerals("U0REQ")
    reply = driver.click(ephemeral, "approve", "U0REQ")
    assert reply.payload["container"]["is_ephemeral"] is True
    replaced = slack.wait_for(lambda: [e for e in slack.ephemerals("U0REQ") if "approved" in e.text])
    assert replaced[0].text == "PB-9 approved by <@U0REQ>"
    assert ephemeral.replaced


def test_choosing_an_option_sends_the_selected_option(driver: SlackDriver, slack: SlackEmulator) -> None:
    select = MODAL["blocks"][1]["element"]
    client = WebClient(base_url=slack.base_url, token=slack.workspace.bot_token)
    client.chat_postMessage(
        channel="C0REQUESTS", text="pick", blocks=[{"type": "actions", "elements": [select]}]
    )
    message = slack.wait_for(lambda: slack.find_message("pick"))
    reply = driver.click(message, "value", "U0REQ", value="large")
    action = reply.payload["actions"][0]
    assert (action["type"], action["selected_option"]["value"]) == ("static_select", "large")


def test_slash_commands_from_a_dm_name_the_channel_directmessage(
    driver: SlackDriver, slack: SlackEmulator
) -> None:
    reply = driver.slash_command("hello", channel="U0REQ")
    assert (reply.payload["channel_id"], reply.payload["channel_name"]) == ("D0REQ", "directmessage")


def test_closing_a_modal_tells_the_app_only_when_it_asked(driver: SlackDriver, slack: SlackEmulator) -> None:
    client = WebClient(base_url=slack.base_url, token=slack.workspace.bot_token)
    client.views_open(trigger_id=slack.mint_trigger("U0REQ"), view=MODAL)
    [quiet] = slack.views_for("U0REQ")
    assert driver.close_view(quiet) is None
    assert slack.views_for("U0REQ") == []
    client.views_open(trigger_id=slack.mint_trigger("U0REQ"), view=dict(MODAL, notify_on_close=True))
    [loud] = slack.views_for("U0REQ")
    reply = driver.close_view(loud)
    assert reply is not None and reply.status == 404  # the tiny app has no view_closed listener; Bolt says so
    assert slack.views_for("U0REQ") == []


def test_submitting_a_view_that_is_not_open_is_a_driver_error(
    driver: SlackDriver, slack: SlackEmulator
) -> None:
    driver.slash_command("modal", user="U0REQ")
    [view] = slack.wait_for(lambda: slack.views_for("U0REQ"))
    driver.submit_view(view, {"name": "billing"})
    with pytest.raises(DriverError):
        driver.submit_view(view, {"name": "billing"})


def test_response_action_update_replaces_the_submitted_view(
    driver: SlackDriver, slack: SlackEmulator
) -> None:
    driver.slash_command("modal", user="U0REQ")
    [view] = slack.wait_for(lambda: slack.views_for("U0REQ"))
    driver.submit_view(view, {"name": "update"})
    assert [v.title for v in slack.views_for("U0REQ")] == ["After update"]
    assert slack.views_for("U0REQ")[0].id == view.id


def test_response_action_push_and_clear_work_on_the_stack(driver: SlackDriver, slack: SlackEmulator) -> None:
    driver.slash_command("modal", user="U0REQ")
    [view] = slack.wait_for(lambda: slack.views_for("U0REQ"))
    driver.submit_view(view, {"name": "push"})
    assert [v.title for v in slack.views_for("U0REQ")] == ["New request", "After push"]
    driver.submit_view(slack.views_for("U0REQ")[-1], {"name": "clear"})
    assert slack.views_for("U0REQ") == []


def test_a_picked_mention_reaches_the_app_the_way_slack_escapes_it(driver: SlackDriver) -> None:
    reply = driver.slash_command("owners=<@U0DEV2>, @riley", user="U0REQ")
    assert reply.text == "working on owners=<@U0DEV2|dana>, @riley"
    assert reply.payload["text"] == "owners=<@U0DEV2|dana>, @riley"


def test_without_should_escape_the_app_sees_only_the_name_that_was_shown(
    slack: SlackEmulator, seen: dict[str, Any]
) -> None:
    with BoltHTTPServer(_build_app(slack, seen)) as bot:
        reply = SlackDriver(slack, bot.url, should_escape=False).slash_command("owners=<@U0DEV2>")
    assert reply.text == "working on owners=@dana"
