"""chat.*, conversations.*, reactions.add through the real slack_sdk client."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.devtools.slack_emulator import SlackEmulator


def _error(call: Callable[..., Any], **kwargs: Any) -> str:
    """Run a client call expected to fail and return Slack's error code."""
    with pytest.raises(SlackApiError) as failure:
        call(**kwargs)
    return str(failure.value.response["error"])


def test_post_message_answers_with_channel_ts_and_message(client: WebClient, slack: SlackEmulator) -> None:
    reply = client.chat_postMessage(channel="C0REQUESTS", text="hello")
    assert reply["channel"] == "C0REQUESTS"
    assert reply["message"]["text"] == "hello"
    assert reply["message"]["bot_id"] == "B0BOT"
    assert slack.messages("C0REQUESTS")[0].ts == reply["ts"]


def test_message_ts_are_unique_and_increasing_even_when_the_clock_stands_still(client: WebClient) -> None:
    stamps = [client.chat_postMessage(channel="C0REQUESTS", text=str(i))["ts"] for i in range(5)]
    assert len(set(stamps)) == 5
    assert stamps == sorted(stamps, key=float)


def test_posting_to_an_unknown_channel_is_channel_not_found(client: WebClient) -> None:
    assert _error(client.chat_postMessage, channel="C0NOPE", text="x") == "channel_not_found"


@pytest.mark.filterwarnings("ignore:The top-level `text` argument is missing")
def test_posting_nothing_is_no_text(client: WebClient) -> None:
    assert _error(client.chat_postMessage, channel="C0REQUESTS", text="") == "no_text"


def test_channels_can_be_named_by_hash_name(client: WebClient, slack: SlackEmulator) -> None:
    client.chat_postMessage(channel="#security-approvals", text="by name")
    assert slack.messages("C0SECURITY")[0].text == "by name"


def test_posting_to_a_user_id_lands_in_their_dm(client: WebClient, slack: SlackEmulator) -> None:
    reply = client.chat_postMessage(channel="U0REQ", text="psst")
    assert reply["channel"] == "D0REQ"
    assert [m.text for m in slack.dms("U0REQ")] == ["psst"]


def test_thread_replies_are_kept_under_their_parent(client: WebClient, slack: SlackEmulator) -> None:
    parent = client.chat_postMessage(channel="C0REQUESTS", text="request PB-1")["ts"]
    client.chat_postMessage(channel="C0REQUESTS", text="plan", thread_ts=parent)
    client.chat_postMessage(channel="C0REQUESTS", text="approved", thread_ts=parent)
    assert [m.text for m in slack.thread("C0REQUESTS", parent)] == ["request PB-1", "plan", "approved"]
    assert [m.text for m in slack.messages("C0REQUESTS")] == ["request PB-1"]
    replies = client.conversations_replies(channel="C0REQUESTS", ts=parent)["messages"]
    assert [m["text"] for m in replies] == ["request PB-1", "plan", "approved"]
    assert replies[0]["reply_count"] == 2


def test_replying_to_a_reply_joins_the_parent_thread(client: WebClient, slack: SlackEmulator) -> None:
    parent = client.chat_postMessage(channel="C0REQUESTS", text="parent")["ts"]
    reply = client.chat_postMessage(channel="C0REQUESTS", text="reply", thread_ts=parent)["ts"]
    nested = client.chat_postMessage(channel="C0REQUESTS", text="nested", thread_ts=reply)
    assert nested["message"]["thread_ts"] == parent


def test_replying_to_a_message_that_does_not_exist_is_thread_not_found(client: WebClient) -> None:
    assert (
        _error(client.chat_postMessage, channel="C0REQUESTS", text="x", thread_ts="1.000001")
        == "thread_not_found"
    )


def test_update_replaces_text_and_keeps_the_old_version(client: WebClient, slack: SlackEmulator) -> None:
    blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": "planning"}}]
    ts = client.chat_postMessage(channel="C0REQUESTS", text="planning", blocks=blocks)["ts"]
    reply = client.chat_update(channel="C0REQUESTS", ts=ts, text="planned")
    assert reply["text"] == "planned"
    message = slack.messages("C0REQUESTS")[0]
    assert message.text == "planned"
    assert message.blocks[0]["text"]["text"] == "planning"  # text-only updates keep the blocks
    assert message.edits[0].text == "planning"
    assert reply["message"]["edited"]["ts"] == message.edited_ts


def test_updating_an_unknown_message_is_message_not_found(client: WebClient) -> None:
    assert _error(client.chat_update, channel="C0REQUESTS", ts="1.000001", text="x") == "message_not_found"


def test_the_bot_cannot_update_or_delete_what_a_person_wrote(client: WebClient, slack: SlackEmulator) -> None:
    ts = slack.post_as("U0REQ", "C0REQUESTS", "my words").ts
    assert _error(client.chat_update, channel="C0REQUESTS", ts=ts, text="x") == "cant_update_message"
    assert _error(client.chat_delete, channel="C0REQUESTS", ts=ts) == "cant_delete_message"


def test_ephemerals_are_recorded_for_their_user_only(client: WebClient, slack: SlackEmulator) -> None:
    reply = client.chat_postEphemeral(channel="C0REQUESTS", user="U0REQ", text="only you")
    assert reply["message_ts"]
    assert [e.text for e in slack.ephemerals("U0REQ")] == ["only you"]
    assert slack.ephemerals("U0DEV2") == []
    assert slack.messages("C0REQUESTS") == []


def test_ephemeral_to_someone_outside_the_channel_is_refused(client: WebClient) -> None:
    assert (
        _error(client.chat_postEphemeral, channel="C0SECURITY", user="U0REQ", text="x")
        == "user_not_in_channel"
    )
    assert (
        _error(client.chat_postEphemeral, channel="C0REQUESTS", user="U0GHOST", text="x") == "user_not_found"
    )


def test_delete_removes_the_message_but_keeps_a_record(client: WebClient, slack: SlackEmulator) -> None:
    ts = client.chat_postMessage(channel="C0REQUESTS", text="oops")["ts"]
    assert client.chat_delete(channel="C0REQUESTS", ts=ts)["ts"] == ts
    assert slack.messages("C0REQUESTS") == []
    assert [m.text for m in slack.deleted_messages] == ["oops"]
    assert _error(client.chat_delete, channel="C0REQUESTS", ts=ts) == "message_not_found"


def test_permalink_of_a_reply_names_its_thread(client: WebClient) -> None:
    parent = client.chat_postMessage(channel="C0REQUESTS", text="p")["ts"]
    reply = client.chat_postMessage(channel="C0REQUESTS", text="r", thread_ts=parent)["ts"]
    link = client.chat_getPermalink(channel="C0REQUESTS", message_ts=reply)["permalink"]
    assert f"/archives/C0REQUESTS/p{reply.replace('.', '')}" in link
    assert f"thread_ts={parent}" in link
    assert (
        _error(client.chat_getPermalink, channel="C0REQUESTS", message_ts="1.000001") == "message_not_found"
    )


def test_conversations_open_makes_one_dm_per_user(client: WebClient) -> None:
    first = client.conversations_open(users="U0SEC1")
    second = client.conversations_open(users=["U0SEC1"])
    assert first["channel"]["id"] == second["channel"]["id"] == "D0SEC1"
    assert first["channel"]["is_im"] is True
    assert second["already_open"] is True
    assert _error(client.conversations_open, users="U0GHOST") == "user_not_found"


def test_conversations_open_with_several_users_makes_a_group_dm(client: WebClient) -> None:
    channel = client.conversations_open(users="U0SEC1,U0SEC2")["channel"]
    assert channel["is_mpim"] is True
    assert client.conversations_open(users="U0SEC2,U0SEC1")["channel"]["id"] == channel["id"]


def test_history_is_newest_first_and_pages_with_a_cursor(client: WebClient) -> None:
    for i in range(5):
        client.chat_postMessage(channel="C0PLATFORM", text=f"m{i}")
    first = client.conversations_history(channel="C0PLATFORM", limit=3)
    assert [m["text"] for m in first["messages"]] == ["m4", "m3", "m2"]
    assert first["has_more"] is True
    cursor = first["response_metadata"]["next_cursor"]
    second = client.conversations_history(channel="C0PLATFORM", limit=3, cursor=cursor)
    assert [m["text"] for m in second["messages"]] == ["m1", "m0"]
    assert second["has_more"] is False


def test_history_leaves_out_thread_replies(client: WebClient) -> None:
    parent = client.chat_postMessage(channel="C0PLATFORM", text="parent")["ts"]
    client.chat_postMessage(channel="C0PLATFORM", text="reply", thread_ts=parent)
    assert [m["text"] for m in client.conversations_history(channel="C0PLATFORM")["messages"]] == ["parent"]


def test_replies_of_an_unknown_thread_is_thread_not_found(client: WebClient) -> None:
    assert _error(client.conversations_replies, channel="C0PLATFORM", ts="1.000001") == "thread_not_found"


def test_conversations_info_describes_channels_and_dms(client: WebClient) -> None:
    info = client.conversations_info(channel="C0SECURITY")["channel"]
    assert info["name"] == "security-approvals"
    assert info["is_channel"] is True
    client.conversations_open(users="U0REQ")
    assert client.conversations_info(channel="D0REQ")["channel"]["user"] == "U0REQ"
    assert _error(client.conversations_info, channel="C0NOPE") == "channel_not_found"


def test_reactions_are_added_once(client: WebClient, slack: SlackEmulator) -> None:
    ts = client.chat_postMessage(channel="C0REQUESTS", text="done")["ts"]
    client.reactions_add(channel="C0REQUESTS", timestamp=ts, name="white_check_mark")
    assert slack.messages("C0REQUESTS")[0].reactions == {"white_check_mark": ["U0BOT"]}
    assert (
        _error(client.reactions_add, channel="C0REQUESTS", timestamp=ts, name="white_check_mark")
        == "already_reacted"
    )
    assert (
        _error(client.reactions_add, channel="C0REQUESTS", timestamp="1.000001", name="eyes")
        == "message_not_found"
    )


def test_find_message_searches_text_and_blocks(client: WebClient, slack: SlackEmulator) -> None:
    blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": "*Plan:* 2 to create"}}]
    client.chat_postMessage(channel="C0REQUESTS", text="fallback", blocks=blocks)
    client.chat_postMessage(channel="C0PLATFORM", text="2 to create elsewhere")
    found = slack.find_message("2 to create", channel="C0REQUESTS")
    assert found is not None and found.text == "fallback"
    newest = slack.find_message("2 to create")
    assert newest is not None and newest.channel == "C0PLATFORM"
    assert slack.find_message("nothing like this") is None


def test_history_honours_oldest_and_latest(client: WebClient) -> None:
    stamps = [client.chat_postMessage(channel="C0PLATFORM", text=f"m{i}")["ts"] for i in range(4)]
    window = client.conversations_history(channel="C0PLATFORM", oldest=stamps[0], latest=stamps[3])
    assert [m["text"] for m in window["messages"]] == ["m2", "m1"]
    inclusive = client.conversations_history(channel="C0PLATFORM", oldest=stamps[3], inclusive=True)
    assert [m["text"] for m in inclusive["messages"]] == ["m3"]
    assert (
        _error(client.conversations_history, channel="C0PLATFORM", oldest="yesterday") == "invalid_ts_oldest"
    )


def test_history_of_an_unknown_channel_is_channel_not_found(client: WebClient) -> None:
    assert _error(client.conversations_history, channel="C0NOPE") == "channel_not_found"
