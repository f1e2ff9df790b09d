"""Posts to a minted response URL, with Slack's limits: 5 posts, 30 minutes.

What a post does depends on its flags, as in Slack: `delete_original` removes the message the
interaction came from, `replace_original` rewrites it, otherwise `response_type` decides between
an ephemeral to the user (the default) and a message in the channel.
"""

from __future__ import annotations

from typing import Any

from bot.devtools.slack_emulator.blocks import check_message_blocks, with_block_ids
from bot.devtools.slack_emulator.errors import SlackMethodError
from bot.devtools.slack_emulator.models import Ephemeral, Message, ResponseUrl
from bot.devtools.slack_emulator.state import RESPONSE_URL_POSTS, RESPONSE_URL_TTL, EmulatorState


def _flag(body: dict[str, Any], name: str) -> bool:
    value = body.get(name)
    return value is True or (isinstance(value, str) and value.lower() == "true")


def _original_ephemeral(state: EmulatorState, url: ResponseUrl) -> Ephemeral | None:
    return next(
        (
            e
            for e in reversed(state.ephemeral_log)
            if e.user == url.user and e.ts == url.message_ts and not e.replaced and not e.deleted
        ),
        None,
    )


def post(state: EmulatorState, token: str, body: Any) -> tuple[int, dict[str, Any]]:
    """Handle one POST; returns (HTTP status, JSON body)."""
    if not isinstance(body, dict):
        return 400, {"ok": False, "error": "invalid_payload"}
    with state.lock:
        url = state.response_urls.get(token)
        if url is None:
            return 404, {"ok": False, "error": "no_such_url"}
        if state.clock() - url.created > RESPONSE_URL_TTL:
            return 404, {"ok": False, "error": "expired_url"}
        if url.posts >= RESPONSE_URL_POSTS:
            return 404, {"ok": False, "error": "used_url"}
        try:
            if body.get("blocks") is not None:
                check_message_blocks(body["blocks"])
            url.posts += 1
            _apply(state, url, body)
        except SlackMethodError as exc:
            return 400, {"ok": False, "error": exc.error, "response_metadata": {"messages": exc.messages}}
    return 200, {"ok": True}


def answer(state: EmulatorState, response_url: str, body: dict[str, Any]) -> None:
    """A slash command's immediate answer (an HTTP response body, a Socket Mode ack's payload):
    shown as a response URL post would be, without using one of its posts."""
    with state.lock:
        url = state.response_urls.get(response_url.rsplit("/", 1)[-1])
        if url is None or not (body.get("text") or body.get("blocks")):
            return
        if body.get("blocks") is not None:
            check_message_blocks(body["blocks"])
        _apply(state, url, body)


def _apply(state: EmulatorState, url: ResponseUrl, body: dict[str, Any]) -> None:
    text = str(body.get("text") or "")
    blocks = with_block_ids(body["blocks"]) if isinstance(body.get("blocks"), list) else None
    thread_ts = body.get("thread_ts") or None
    if _flag(body, "delete_original"):
        _delete_original(state, url)
        return
    if _flag(body, "replace_original") and url.message_ts:
        if url.ephemeral:
            old = _original_ephemeral(state, url)
            if old is not None:
                old.replaced = True
                thread_ts = thread_ts or old.thread_ts
            # The replacement keeps the original's ts so later replaces still find it.
            eph = Ephemeral(
                url.channel, url.user, url.message_ts, text, blocks or [], thread_ts, "response_url"
            )
            state.add_ephemeral(eph)
            return
        message = state.find(url.channel, url.message_ts)
        if message is not None:
            state.edit_message(message, text=text, blocks=blocks if blocks is not None else [])
            return
    if body.get("response_type") == "in_channel":
        ws = state.workspace
        message = Message(
            channel=url.channel,
            ts=state.next_ts(),
            text=text,
            user=ws.bot_user_id,
            blocks=blocks or [],
            bot_id=ws.bot_id,
            thread_ts=thread_ts,
            source="response_url",
        )
        state.add_message(message)
        return
    state.add_ephemeral(
        Ephemeral(url.channel, url.user, state.next_ts(), text, blocks or [], thread_ts, "response_url")
    )


def _delete_original(state: EmulatorState, url: ResponseUrl) -> None:
    if not url.message_ts:
        return
    if url.ephemeral:
        old = _original_ephemeral(state, url)
        if old is not None:
            old.deleted = True
            state.emit("ephemeral.deleted", {"channel": url.channel, "user": url.user, "ts": old.ts})
        return
    message = state.find(url.channel, url.message_ts)
    if message is not None:
        state.delete_message(message)
