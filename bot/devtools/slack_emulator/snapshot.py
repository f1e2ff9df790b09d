"""The emulator's conversations on disk, so a sandbox that restarts shows the same channels,
threads, DMs and uploaded files as before: the bot's database still points at those messages.

What is kept: the channels opened at run time (DMs, group DMs), every message with its edits,
and the uploaded files. What is not: ephemerals, open modals, trigger ids and response URLs (Slack
expires those within minutes anyway) and the request and event logs.
"""

from __future__ import annotations

import base64
import json
import os
import re
from dataclasses import asdict, fields
from pathlib import Path
from typing import Any

from bot.devtools.slack_emulator.models import Edit, File, Message
from bot.devtools.slack_emulator.state import EmulatorState
from bot.devtools.slack_emulator.workspace import Channel

VERSION = 1
# new_id() mints `<prefix><8 hex digits>`; a restarted emulator counts on past the saved ones.
_MINTED_ID = re.compile(r"^[A-Z]([0-9A-F]{8})$")


def save(state: EmulatorState, path: Path) -> None:
    """Write the conversations to `path` (atomically: a crash mid-write keeps the previous one)."""
    with state.lock:
        snapshot = {
            "version": VERSION,
            "channels": [asdict(c) for c in state.channels.values() if c.is_im or c.is_mpim],
            "messages": [asdict(m) for messages in state.channel_messages.values() for m in messages],
            "files": [_file_json(f) for f in state.file_store.values()],
        }
    temporary = path.with_suffix(path.suffix + ".tmp")
    temporary.write_text(json.dumps(snapshot))
    os.replace(temporary, path)


def load(state: EmulatorState, path: Path) -> bool:
    """Read what `save` wrote into a fresh `state`; False (and nothing changed) when there is no
    snapshot or it is of another version."""
    if not path.exists():
        return False
    snapshot = json.loads(path.read_text())
    if snapshot.get("version") != VERSION:
        return False
    with state.lock:
        for raw in snapshot["channels"]:
            channel = Channel(**{**raw, "members": tuple(raw["members"])})
            state.channels.setdefault(channel.id, channel)
            state.channel_messages.setdefault(channel.id, [])
        for raw in snapshot["messages"]:
            message = Message(**{**raw, "edits": [Edit(**e) for e in raw["edits"]]})
            state.channel_messages.setdefault(message.channel, []).append(message)
        for raw in snapshot["files"]:
            file = _file_of(raw)
            state.file_store[file.id] = file
        every_ts = (m.ts for messages in state.channel_messages.values() for m in messages)
        last_ts = max(every_ts, key=_ts_key, default=None)
        state.resume_after(_highest_minted(state), last_ts)
    return True


def _file_json(file: File) -> dict[str, Any]:
    raw = {f.name: getattr(file, f.name) for f in fields(file)}
    raw["content"] = None if file.content is None else base64.b64encode(file.content).decode()
    return raw


def _file_of(raw: dict[str, Any]) -> File:
    content = raw["content"]
    return File(
        **{
            **raw,
            "content": None if content is None else base64.b64decode(content),
            "shares": [tuple(share) for share in raw["shares"]],
        }
    )


def _ts_key(ts: str) -> tuple[int, int]:
    seconds, _, micros = ts.partition(".")
    return int(seconds), int(micros or 0)


def _highest_minted(state: EmulatorState) -> int:
    ids = [*state.channels, *state.file_store]
    numbers = [int(m.group(1), 16) for i in ids if (m := _MINTED_ID.match(i))]
    return max(numbers, default=0)
