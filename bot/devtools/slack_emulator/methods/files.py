"""The external-upload flow files_upload_v2 uses, plus files.info.

1. files.getUploadURLExternal reserves a file id and an upload URL (served by the emulator),
2. the client POSTs the bytes there,
3. files.completeUploadExternal names the files and shares them into a channel or thread,
   which Slack shows as a message carrying `files` (and the initial comment as its text).
"""

from __future__ import annotations

from typing import Any

from bot.devtools.slack_emulator.errors import SlackMethodError
from bot.devtools.slack_emulator.methods.params import Handler, Params
from bot.devtools.slack_emulator.models import File, Message
from bot.devtools.slack_emulator.render import file_json
from bot.devtools.slack_emulator.state import EmulatorState

# Slack caps uploads at 1 GB; the emulator keeps files in memory, so it draws the line lower.
MAX_UPLOAD_BYTES = 64 * 1024 * 1024


def get_upload_url(state: EmulatorState, p: Params) -> dict[str, Any]:
    filename = p.require("filename")
    length = p.number("length", -1)
    if length < 0:
        raise SlackMethodError("invalid_arguments", messages=["[ERROR] missing required field: length"])
    if length > MAX_UPLOAD_BYTES:
        raise SlackMethodError("file_too_large")
    with state.lock:
        file = File(
            id=state.new_id("F"),
            name=filename,
            title=filename,
            length=length,
            user=state.workspace.bot_user_id,
            created=state.clock(),
            snippet_type=p.text("snippet_type"),
            alt_txt=p.text("alt_txt") or p.text("alt_text"),
        )
        state.file_store[file.id] = file
    return {"upload_url": f"{state.root_url}/upload/v1/{file.id}", "file_id": file.id}


def receive_upload(state: EmulatorState, file_id: str, content: bytes) -> tuple[int, str]:
    """The POST to an upload URL: (HTTP status, body) as Slack's file server answers."""
    with state.lock:
        file = state.file_store.get(file_id)
        if file is None or file.completed:
            return 404, "Not Found"
        file.content = content
    state.emit("file.uploaded", {"id": file_id, "size": len(content)})
    return 200, f"OK - {len(content)}"


def complete_upload(state: EmulatorState, p: Params) -> dict[str, Any]:
    entries = p.structured("files")
    if not isinstance(entries, list) or not entries:
        raise SlackMethodError("invalid_arguments", messages=["[ERROR] missing required field: files"])
    channel_refs = [p.text("channel_id")] if p.text("channel_id") else []
    channel_refs += [c for c in (p.text("channels") or "").split(",") if c]
    channels = [state.resolve_channel(ref) for ref in channel_refs]
    thread_ts = p.text("thread_ts") or None
    if thread_ts and len(channels) != 1:
        raise SlackMethodError("invalid_arguments", messages=["[ERROR] thread_ts needs exactly one channel"])
    blocks = p.structured("blocks")
    with state.lock:
        files: list[File] = []
        for entry in entries:
            file = state.file_store.get(str(entry.get("id"))) if isinstance(entry, dict) else None
            if file is None or file.content is None:
                # Never uploaded (step 2 skipped or failed): Slack cannot find the file either.
                raise SlackMethodError("file_not_found")
            if entry.get("title"):
                file.title = str(entry["title"])
            files.append(file)
        for channel in channels:
            message = Message(
                channel=channel.id,
                ts=state.next_ts(),
                text=p.text("initial_comment") or "",
                user=state.workspace.bot_user_id,
                blocks=blocks if isinstance(blocks, list) else [],
                bot_id=state.workspace.bot_id,
                thread_ts=thread_ts,
                files=[f.id for f in files],
                source="file_share",
            )
            state.add_message(message)
            for file in files:
                file.shares.append((channel.id, message.ts))
        for file in files:
            file.completed = True
        return {"files": [file_json(state.workspace, f, state.root_url) for f in files]}


def info(state: EmulatorState, p: Params) -> dict[str, Any]:
    file = state.file_store.get(p.text("file") or "")
    if file is None or not file.completed:
        raise SlackMethodError("file_not_found")
    return {"file": file_json(state.workspace, file, state.root_url), "comments": [], "response_metadata": {}}


HANDLERS: dict[str, Handler] = {
    "files.getUploadURLExternal": get_upload_url,
    "files.completeUploadExternal": complete_upload,
    "files.info": info,
}
