"""What the emulator remembers: messages, ephemerals, views, files, triggers, response URLs, requests.

These are plain mutable records owned by `EmulatorState` and changed only under its lock;
tests read them (through the emulator's helpers) after the bot has acted.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Literal

from bot.devtools.slack_emulator.filetypes import FileType, file_type

Source = Literal["api", "response_url", "file_share"]


def _flatten_text(node: Any, out: list[str]) -> None:
    if isinstance(node, dict):
        for key, value in node.items():
            if key in ("text", "alt_text") and isinstance(value, str):
                out.append(value)
            else:
                _flatten_text(value, out)
    elif isinstance(node, list):
        for item in node:
            _flatten_text(item, out)


def blocks_text(blocks: list[dict[str, Any]]) -> str:
    """All human-readable strings in blocks, one per line: what a test searches for a phrase."""
    out: list[str] = []
    _flatten_text(blocks, out)
    return "\n".join(out)


@dataclass
class Edit:
    """A previous version of a message, kept so tests can see what a message said before an update."""

    text: str
    blocks: list[dict[str, Any]]
    replaced_at: str


class _Readable:
    """What tests and the sandbox read off a message or an ephemeral."""

    text: str
    blocks: list[dict[str, Any]]

    @property
    def all_text(self) -> str:
        """The fallback text and every string in the blocks."""
        return "\n".join(part for part in (self.text, blocks_text(self.blocks)) if part)

    def find_element(self, action_id: str) -> tuple[dict[str, Any], dict[str, Any]] | None:
        return find_element(self.blocks, action_id)


@dataclass
class Message(_Readable):
    channel: str
    ts: str
    text: str
    user: str
    blocks: list[dict[str, Any]] = field(default_factory=list)
    bot_id: str | None = None
    # Replies carry their parent's ts; a parent gets thread_ts == ts once it has a reply, as in Slack.
    thread_ts: str | None = None
    files: list[str] = field(default_factory=list)
    attachments: list[dict[str, Any]] = field(default_factory=list)
    metadata: dict[str, Any] | None = None
    reactions: dict[str, list[str]] = field(default_factory=dict)
    edits: list[Edit] = field(default_factory=list)
    edited_ts: str | None = None
    reply_broadcast: bool = False
    deleted: bool = False
    source: Source = "api"

    @property
    def is_reply(self) -> bool:
        return self.thread_ts is not None and self.thread_ts != self.ts


@dataclass
class Ephemeral(_Readable):
    channel: str
    user: str
    ts: str
    text: str
    blocks: list[dict[str, Any]] = field(default_factory=list)
    thread_ts: str | None = None
    source: Source = "api"
    # An ephemeral replaced (replace_original) or deleted through a response URL stays recorded.
    replaced: bool = False
    deleted: bool = False


@dataclass
class View:
    id: str
    user: str
    body: dict[str, Any]
    hash: str
    root_view_id: str
    previous_view_id: str | None = None
    external_id: str | None = None
    # What the user has typed; the driver fills it when it submits or clicks inside the view.
    state_values: dict[str, Any] = field(default_factory=dict)
    # The last `response_action: errors` the bot answered to a submission of this view.
    errors: dict[str, str] | None = None
    closed: bool = False

    @property
    def type(self) -> str:
        return str(self.body.get("type", ""))

    @property
    def callback_id(self) -> str:
        return str(self.body.get("callback_id", ""))

    @property
    def private_metadata(self) -> str:
        return str(self.body.get("private_metadata", ""))

    @property
    def blocks(self) -> list[dict[str, Any]]:
        blocks = self.body.get("blocks", [])
        return blocks if isinstance(blocks, list) else []

    @property
    def title(self) -> str:
        title = self.body.get("title")
        return str(title.get("text", "")) if isinstance(title, dict) else ""

    @property
    def all_text(self) -> str:
        return "\n".join(part for part in (self.title, blocks_text(self.blocks)) if part)

    def find_element(self, action_id: str) -> tuple[dict[str, Any], dict[str, Any]] | None:
        return find_element(self.blocks, action_id)


@dataclass
class File:
    id: str
    name: str
    title: str
    length: int
    user: str
    created: float
    snippet_type: str | None = None
    alt_txt: str | None = None
    content: bytes | None = None
    completed: bool = False
    # (channel, message ts) of every message the file was shared in.
    shares: list[tuple[str, str]] = field(default_factory=list)

    @property
    def type(self) -> FileType:
        return file_type(self.name, self.content, self.snippet_type)

    @property
    def text(self) -> str:
        """The content as text, for snippets and text files. An image or other binary file has
        none (decoding its bytes would only give U+FFFD garbage); its bytes are in `content`."""
        if self.content is None or not self.type.is_text:
            return ""
        return self.content.decode("utf-8", errors="replace")


@dataclass
class Trigger:
    id: str
    user: str
    created: float
    used: bool = False


@dataclass
class ResponseUrl:
    id: str
    url: str
    channel: str
    user: str
    created: float
    # The message a block action came from: what replace_original / delete_original act on.
    message_ts: str | None = None
    ephemeral: bool = False
    posts: int = 0


@dataclass(frozen=True)
class RecordedRequest:
    """One HTTP request the emulator received, with the token taken out of headers and params."""

    seq: int
    time: float
    http_method: str
    path: str
    method: str
    params: dict[str, Any]
    json: Any
    headers: dict[str, str]
    body: str
    status: int
    response: Any

    def dump(self) -> str:
        """Everything recorded, as one string: what a secret-leak check searches."""
        return json.dumps(
            {
                "path": self.path,
                "params": self.params,
                "json": self.json,
                "headers": self.headers,
                "body": self.body,
            },
            default=str,
        )


@dataclass(frozen=True)
class Event:
    """One change of state, numbered so a web page can ask for everything after the last it saw."""

    seq: int
    time: float
    kind: str
    data: dict[str, Any]


def find_element(
    blocks: list[dict[str, Any]], action_id: str
) -> tuple[dict[str, Any], dict[str, Any]] | None:
    """(block, element) of the interactive element with this action_id, wherever Block Kit puts it."""
    for block in blocks:
        if not isinstance(block, dict):
            continue
        candidates: list[Any] = [block.get("accessory"), block.get("element")]
        if block.get("type") == "actions":
            candidates += block.get("elements") or []
        for element in candidates:
            if isinstance(element, dict) and element.get("action_id") == action_id:
                return block, element
    return None
