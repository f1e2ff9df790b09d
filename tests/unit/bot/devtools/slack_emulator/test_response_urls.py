"""Response URLs: what Bolt's respond() posts, with Slack's 5-posts-in-30-minutes limit."""

from __future__ import annotations

from datetime import timedelta

from slack_sdk import WebClient
from slack_sdk.webhook import WebhookClient

from bot.clock import ManualClock
from bot.devtools.slack_emulator import SlackEmulator


def _respond(url: str, **body: object) -> tuple[int, str]:
    reply = WebhookClient(url).send_dict(dict(body))
    return reply.status_code, reply.body


def test_a_post_is_ephemeral_by_default(slack: SlackEmulator) -> None:
    url = slack.mint_response_url("C0REQUESTS", "U0REQ")
    assert _respond(url, text="only you")[0] == 200
    [shown] = slack.ephemerals("U0REQ")
    assert (shown.text, shown.channel, shown.source) == ("only you", "C0REQUESTS", "response_url")
    assert slack.messages("C0REQUESTS") == []


def test_in_channel_posts_a_message(slack: SlackEmulator) -> None:
    url = slack.mint_response_url("C0REQUESTS", "U0REQ")
    _respond(url, text="for everyone", response_type="in_channel")
    [message] = slack.messages("C0REQUESTS")
    assert (message.text, message.source, message.user) == ("for everyone", "response_url", "U0BOT")


def test_five_posts_then_used_url(slack: SlackEmulator) -> None:
    url = slack.mint_response_url("C0REQUESTS", "U0REQ")
    assert [_respond(url, text=str(i))[0] for i in range(5)] == [200] * 5
    status, body = _respond(url, text="sixth")
    assert status == 404 and "used_url" in body
    assert len(slack.ephemerals("U0REQ")) == 5


def test_a_response_url_expires_after_thirty_minutes(slack: SlackEmulator, clock: ManualClock) -> None:
    url = slack.mint_response_url("C0REQUESTS", "U0REQ")
    clock.advance(timedelta(minutes=29))
    assert _respond(url, text="in time")[0] == 200
    clock.advance(timedelta(seconds=60.1))
    status, body = _respond(url, text="too late")
    assert status == 404 and "expired_url" in body


def test_unknown_response_urls_are_404(slack: SlackEmulator) -> None:
    assert _respond(slack.url + "/response/nope", text="x")[0] == 404


def test_replace_original_rewrites_the_clicked_message(client: WebClient, slack: SlackEmulator) -> None:
    ts = client.chat_postMessage(channel="C0REQUESTS", text="Approve?")["ts"]
    url = slack.mint_response_url("C0REQUESTS", "U0SEC1", message_ts=ts)
    _respond(url, text="Approved by Sam", replace_original=True)
    [message] = slack.messages("C0REQUESTS")
    assert message.text == "Approved by Sam"
    assert message.edits[0].text == "Approve?"


def test_delete_original_removes_the_clicked_message(client: WebClient, slack: SlackEmulator) -> None:
    ts = client.chat_postMessage(channel="C0REQUESTS", text="Approve?")["ts"]
    url = slack.mint_response_url("C0REQUESTS", "U0SEC1", message_ts=ts)
    _respond(url, delete_original=True)
    assert slack.messages("C0REQUESTS") == []


def test_replace_original_of_an_ephemeral_replaces_it_for_that_user(
    client: WebClient, slack: SlackEmulator
) -> None:
    ts = client.chat_postEphemeral(channel="C0REQUESTS", user="U0REQ", text="Confirm?")["message_ts"]
    url = slack.mint_response_url("C0REQUESTS", "U0REQ", message_ts=ts, ephemeral=True)
    _respond(url, text="Confirmed", replace_original=True)
    assert [e.text for e in slack.ephemerals("U0REQ")] == ["Confirmed"]
    assert [e.text for e in slack.ephemerals("U0REQ", include_removed=True)] == ["Confirm?", "Confirmed"]


def test_response_url_posts_check_blocks(slack: SlackEmulator) -> None:
    url = slack.mint_response_url("C0REQUESTS", "U0REQ")
    section = {"type": "section", "text": {"type": "mrkdwn", "text": "x"}}
    status, body = _respond(url, text="x", blocks=[section] * 51)
    assert status == 400 and "invalid_blocks" in body
    assert slack.ephemerals("U0REQ") == []


def test_response_url_posts_are_recorded(slack: SlackEmulator) -> None:
    url = slack.mint_response_url("C0REQUESTS", "U0REQ")
    _respond(url, text="recorded")
    [request] = slack.requests_for("response_url")
    assert request.json == {"text": "recorded"}
