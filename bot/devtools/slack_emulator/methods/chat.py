"""chat.*, conversations.* and reactions.add: messages, threads, ephemerals, channels."""

from __future__ import annotations

import base64
from typing import Any

from bot.devtools.slack_emulator.blocks import check_message_blocks, check_message_text, with_block_ids
from bot.devtools.slack_emulator.errors import SlackMethodError
from bot.devtools.slack_emulator.methods.params import Handler, Params
from bot.devtools.slack_emulator.models import Ephemeral, Message
from bot.devtools.slack_emulator.render import channel_json
from bot.devtools.slack_emulator.state import EmulatorState
from bot.devtools.slack_emulator.workspace import im_channel_id


def _content(p: Params) -> tuple[str | None, list[dict[str, Any]] | None, list[dict[str, Any]] | None]:
    text = p.text("text")
    blocks = p.structured("blocks")
    attachments = p.structured("attachments")
    if blocks is not None:
        check_message_blocks(blocks)
        blocks = with_block_ids(blocks)
    check_message_text(text)
    return text, blocks, attachments


def _own_message(state: EmulatorState, p: Params, ts_name: str, refused: str) -> Message:
    channel = state.resolve_channel(p.text("channel"))
    message = state.find(channel.id, p.text(ts_name) or "")
    if message is None:
        raise SlackMethodError("message_not_found")
    if message.user != state.workspace.bot_user_id:
        raise SlackMethodError(refused)
    return message


def post_message(state: EmulatorState, p: Params) -> dict[str, Any]:
    channel = state.resolve_channel(p.text("channel"))
    text, blocks, attachments = _content(p)
    if not text and not blocks and not attachments:
        raise SlackMethodError("no_text")
    ws = state.workspace
    metadata = p.structured("metadata")
    message = Message(
        channel=channel.id,
        ts=state.next_ts(),
        text=text or "",
        user=ws.bot_user_id,
        blocks=blocks or [],
        bot_id=ws.bot_id,
        thread_ts=p.text("thread_ts") or None,
        attachments=attachments or [],
        metadata=metadata if isinstance(metadata, dict) else None,
        reply_broadcast=p.flag("reply_broadcast"),
    )
    state.add_message(message)
    return {"channel": channel.id, "ts": message.ts, "message": state.message_json(message)}


def update(state: EmulatorState, p: Params) -> dict[str, Any]:
    message = _own_message(state, p, "ts", "cant_update_message")
    text, blocks, attachments = _content(p)
    if text is None and blocks is None and attachments is None:
        raise SlackMethodError("no_text")
    # Slack keeps the old blocks when an update sends only text; so does the emulator.
    state.edit_message(message, text=text, blocks=blocks)
    return {
        "channel": message.channel,
        "ts": message.ts,
        "text": message.text,
        "message": state.message_json(message),
    }


def post_ephemeral(state: EmulatorState, p: Params) -> dict[str, Any]:
    channel = state.resolve_channel(p.text("channel"))
    user = state.user(p.require("user", "user_not_found")).id
    if user not in channel.members:
        raise SlackMethodError("user_not_in_channel")
    text, blocks, attachments = _content(p)
    if not text and not blocks and not attachments:
        raise SlackMethodError("no_text")
    ephemeral = Ephemeral(
        channel.id, user, state.next_ts(), text or "", blocks or [], p.text("thread_ts") or None
    )
    state.add_ephemeral(ephemeral)
    return {"message_ts": ephemeral.ts}


def delete(state: EmulatorState, p: Params) -> dict[str, Any]:
    message = _own_message(state, p, "ts", "cant_delete_message")
    state.delete_message(message)
    return {"channel": message.channel, "ts": message.ts}


def get_permalink(state: EmulatorState, p: Params) -> dict[str, Any]:
    channel = state.resolve_channel(p.text("channel"))
    message = state.find(channel.id, p.text("message_ts") or "")
    if message is None:
        raise SlackMethodError("message_not_found")
    # Points at the emulator, which serves it, so links in a sandbox page resolve locally.
    link = f"{state.root_url}/archives/{channel.id}/p{message.ts.replace('.', '')}"
    if message.is_reply:
        link += f"?thread_ts={message.thread_ts}&cid={channel.id}"
    return {"channel": channel.id, "permalink": link}


def conversations_open(state: EmulatorState, p: Params) -> dict[str, Any]:
    if p.text("channel"):
        channel = state.resolve_channel(p.text("channel"))
        return {"channel": channel_json(state.workspace, channel, state.started)}
    users = [u.strip() for u in (p.text("users") or "").split(",") if u.strip()]
    if not users:
        raise SlackMethodError("users_list_not_supplied")
    already = len(users) == 1 and im_channel_id(users[0]) in state.channels
    channel = state.open_im(users[0]) if len(users) == 1 else state.open_mpim(users)
    result: dict[str, Any] = {"channel": channel_json(state.workspace, channel, state.started)}
    if already:
        result |= {"no_op": True, "already_open": True}
    return result


def _page(items: list[Any], p: Params, default_limit: int) -> tuple[list[Any], dict[str, Any]]:
    limit = max(1, min(p.number("limit", default_limit), 999))
    cursor = p.text("cursor")
    start = 0
    if cursor:
        try:
            start = int(base64.b64decode(cursor).decode().removeprefix("offset:"))
        except ValueError as exc:
            raise SlackMethodError("invalid_cursor") from exc
    page = items[start : start + limit]
    more = start + limit < len(items)
    next_cursor = base64.b64encode(f"offset:{start + limit}".encode()).decode() if more else ""
    return page, {"has_more": more, "response_metadata": {"next_cursor": next_cursor}}


def _bound(p: Params, name: str) -> float | None:
    value = p.text(name)
    if not value:
        return None
    try:
        return float(value)
    except ValueError as exc:
        raise SlackMethodError(f"invalid_ts_{name}") from exc


def _in_range(ts: str, p: Params) -> bool:
    value = float(ts)
    inclusive = p.flag("inclusive")
    oldest, latest = _bound(p, "oldest"), _bound(p, "latest")
    if oldest is not None and (value < oldest or (value == oldest and not inclusive)):
        return False
    return not (latest is not None and (value > latest or (value == latest and not inclusive)))


def history(state: EmulatorState, p: Params) -> dict[str, Any]:
    channel = state.resolve_channel(p.text("channel"))
    with state.lock:
        top = [m for m in state.channel_messages[channel.id] if not m.is_reply or m.reply_broadcast]
        newest_first = [state.message_json(m) for m in reversed(top) if _in_range(m.ts, p)]
    page, meta = _page(newest_first, p, 100)
    return {"messages": page, "pin_count": 0} | meta


def replies(state: EmulatorState, p: Params) -> dict[str, Any]:
    channel = state.resolve_channel(p.text("channel"))
    with state.lock:
        message = state.find(channel.id, p.require("ts", "thread_not_found"))
        if message is None:
            raise SlackMethodError("thread_not_found")
        if message.is_reply:
            message = state.find(channel.id, message.thread_ts or "") or message
        thread = [message, *state.replies(message)]
        rendered = [state.message_json(m) for m in thread if _in_range(m.ts, p) or m is message]
    page, meta = _page(rendered, p, 1000)
    return {"messages": page} | meta


def info(state: EmulatorState, p: Params) -> dict[str, Any]:
    channel = state.resolve_channel(p.text("channel"))
    return {"channel": channel_json(state.workspace, channel, state.started)}


def reactions_add(state: EmulatorState, p: Params) -> dict[str, Any]:
    channel = state.resolve_channel(p.text("channel"))
    message = state.find(channel.id, p.text("timestamp") or "")
    if message is None:
        raise SlackMethodError("message_not_found")
    # Lenient about surrounding colons (":eyes:"), which people copy from the client.
    name = (p.text("name") or "").strip(":")
    if not name:
        raise SlackMethodError("invalid_name")
    with state.lock:
        users = message.reactions.setdefault(name, [])
        if state.workspace.bot_user_id in users:
            raise SlackMethodError("already_reacted")
        users.append(state.workspace.bot_user_id)
    state.emit("reaction.added", {"channel": channel.id, "ts": message.ts, "name": name})
    return {}


HANDLERS: dict[str, Handler] = {
    "chat.postMessage": post_message,
    "chat.update": update,
    "chat.postEphemeral": post_ephemeral,
    "chat.delete": delete,
    "chat.getPermalink": get_permalink,
    "conversations.open": conversations_open,
    "conversations.history": history,
    "conversations.replies": replies,
    "conversations.info": info,
    "reactions.add": reactions_add,
}
