"""Records -> the JSON shapes Slack puts in its responses and payloads.

Kept apart from the state so method handlers, the driver and a web page all show the same shapes.
"""

from __future__ import annotations

from typing import Any

from bot.devtools.slack_emulator.models import Ephemeral, File, Message, View
from bot.devtools.slack_emulator.workspace import Channel, User, UserGroup, Workspace


def user_json(ws: Workspace, user: User) -> dict[str, Any]:
    profile = {
        "real_name": user.real_name,
        "real_name_normalized": user.real_name,
        "display_name": user.name,
        "display_name_normalized": user.name,
        "email": user.email,
        "title": user.team or "",
        "team": ws.team_id,
    }
    if user.is_bot:
        profile["bot_id"] = ws.bot_id
    return {
        "id": user.id,
        "team_id": ws.team_id,
        "name": user.name,
        "real_name": user.real_name,
        "deleted": False,
        "is_bot": user.is_bot,
        "is_app_user": False,
        "tz": user.tz,
        "profile": profile,
    }


def channel_json(ws: Workspace, channel: Channel, created: int) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": channel.id,
        "created": created,
        "is_channel": not (channel.is_im or channel.is_mpim or channel.is_private),
        "is_group": channel.is_private and not channel.is_mpim,
        "is_im": channel.is_im,
        "is_mpim": channel.is_mpim,
        "is_private": channel.is_private or channel.is_im or channel.is_mpim,
        "is_archived": False,
        "is_member": ws.bot_user_id in channel.members or channel.is_im,
        "context_team_id": ws.team_id,
    }
    if channel.is_im:
        data["user"] = channel.user
    else:
        data["name"] = channel.name
        data["name_normalized"] = channel.name
        data["topic"] = {"value": channel.topic, "creator": "", "last_set": 0}
        data["num_members"] = len(channel.members)
    return data


def usergroup_json(ws: Workspace, group: UserGroup, *, include_users: bool) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": group.id,
        "team_id": ws.team_id,
        "is_usergroup": True,
        "name": group.name,
        "handle": group.handle,
        "description": group.description,
        "user_count": len(group.users),
        "date_delete": 0,
    }
    if include_users:
        data["users"] = list(group.users)
    return data


def file_json(ws: Workspace, file: File, root_url: str) -> dict[str, Any]:
    kind = file.type
    data: dict[str, Any] = {
        "id": file.id,
        "created": int(file.created),
        "timestamp": int(file.created),
        "name": file.name,
        "title": file.title,
        "mimetype": kind.mimetype,
        "filetype": kind.filetype,
        "pretty_type": kind.pretty_type,
        "user": file.user,
        "user_team": ws.team_id,
        "mode": kind.mode,
        "is_external": False,
        "size": len(file.content) if file.content is not None else file.length,
        # Served by the emulator itself so a web page can show the file.
        "url_private": f"{root_url}/files/{file.id}",
        "url_private_download": f"{root_url}/files/{file.id}?download=1",
        "permalink": f"{root_url}/files/{file.id}",
        "channels": sorted({c for c, _ in file.shares if c.startswith("C")}),
        "ims": sorted({c for c, _ in file.shares if c.startswith("D")}),
        "shares": _shares(file),
    }
    if file.alt_txt:
        data["alt_txt"] = file.alt_txt
    return data


def _shares(file: File) -> dict[str, Any]:
    public: dict[str, list[dict[str, Any]]] = {}
    for channel, ts in file.shares:
        public.setdefault(channel, []).append({"ts": ts})
    return {"public": public} if public else {}


def message_json(ws: Workspace, message: Message, files: list[File], root_url: str) -> dict[str, Any]:
    data: dict[str, Any] = {
        "type": "message",
        "text": message.text,
        "user": message.user,
        "ts": message.ts,
        "team": ws.team_id,
        "blocks": message.blocks,
    }
    if message.bot_id:
        data["bot_id"] = message.bot_id
        data["app_id"] = ws.app_id
        data["bot_profile"] = {"id": message.bot_id, "app_id": ws.app_id, "name": "platformbot"}
    if message.thread_ts:
        data["thread_ts"] = message.thread_ts
    if message.edited_ts:
        data["edited"] = {"user": message.user, "ts": message.edited_ts}
    if message.attachments:
        data["attachments"] = message.attachments
    if message.metadata:
        data["metadata"] = message.metadata
    if message.files:
        data["files"] = [file_json(ws, f, root_url) for f in files]
        data["upload"] = True
    if message.reactions:
        data["reactions"] = [
            {"name": name, "users": users, "count": len(users)} for name, users in message.reactions.items()
        ]
    if message.reply_broadcast:
        data["subtype"] = "thread_broadcast"
    return data


def ephemeral_json(ephemeral: Ephemeral) -> dict[str, Any]:
    data: dict[str, Any] = {
        "type": "message",
        "text": ephemeral.text,
        "ts": ephemeral.ts,
        "blocks": ephemeral.blocks,
        "is_ephemeral": True,
    }
    if ephemeral.thread_ts:
        data["thread_ts"] = ephemeral.thread_ts
    return data


def view_json(ws: Workspace, view: View) -> dict[str, Any]:
    body = view.body
    data: dict[str, Any] = {
        "id": view.id,
        "team_id": ws.team_id,
        "type": view.type,
        "blocks": view.blocks,
        "private_metadata": body.get("private_metadata", ""),
        "callback_id": body.get("callback_id", ""),
        "state": {"values": view.state_values},
        "hash": view.hash,
        "clear_on_close": bool(body.get("clear_on_close", False)),
        "notify_on_close": bool(body.get("notify_on_close", False)),
        "root_view_id": view.root_view_id,
        "previous_view_id": view.previous_view_id,
        "app_id": ws.app_id,
        "external_id": view.external_id or "",
        "app_installed_team_id": ws.team_id,
        "bot_id": ws.bot_id,
    }
    for key in ("title", "submit", "close"):
        if key in body:
            data[key] = body[key]
    return data
