"""The emulated workspace's memory, shared by the HTTP threads, the driver and the test.

One re-entrant lock guards everything: the HTTP server is threaded and Bolt posts from its
listener pool, so two requests may change the same thread at once. Every change is also
appended to an event log (with a Condition) so a web page can long-poll for what is new.
"""

from __future__ import annotations

import itertools
import logging
import secrets
import threading
from collections.abc import Callable
from typing import Any

from bot.devtools.slack_emulator.clock import Clock
from bot.devtools.slack_emulator.errors import SlackMethodError
from bot.devtools.slack_emulator.models import (
    Edit,
    Ephemeral,
    Event,
    File,
    Message,
    RecordedRequest,
    ResponseUrl,
    Trigger,
    View,
)
from bot.devtools.slack_emulator.render import ephemeral_json, message_json, view_json
from bot.devtools.slack_emulator.workspace import Channel, User, Workspace, im_channel_id

log = logging.getLogger(__name__)

# Slack's own numbers: a trigger is good for 3 s, a response URL for 5 posts in 30 minutes,
# and a modal stack holds at most 3 views.
TRIGGER_TTL = 3.0
RESPONSE_URL_TTL = 30 * 60.0
RESPONSE_URL_POSTS = 5
MAX_VIEW_STACK = 3

Subscriber = Callable[[Event], None]


class EmulatorState:
    def __init__(self, workspace: Workspace, clock: Clock) -> None:
        self.workspace = workspace
        self.clock = clock
        self.lock = threading.RLock()
        self.changed = threading.Condition(self.lock)
        # Set by the server once it knows its port; URLs it mints (uploads, response URLs) use it.
        self.root_url = "http://127.0.0.1"
        # Set by the server when its Socket Mode endpoint runs: mints one connection URL.
        self.socket_link: Callable[[], str] | None = None
        self.started = int(clock())
        self._ids = itertools.count(1)
        self._last_ts_us = 0
        self.channels: dict[str, Channel] = {c.id: c for c in workspace.channels}
        self.users: dict[str, User] = {u.id: u for u in workspace.users}
        self.channel_messages: dict[str, list[Message]] = {c.id: [] for c in workspace.channels}
        self.deleted: list[Message] = []
        self.ephemeral_log: list[Ephemeral] = []
        self.views: dict[str, View] = {}
        self.stacks: dict[str, list[str]] = {}
        self.homes: dict[str, str] = {}
        self.file_store: dict[str, File] = {}
        self.triggers: dict[str, Trigger] = {}
        self.response_urls: dict[str, ResponseUrl] = {}
        self.request_log: list[RecordedRequest] = []
        self.event_log: list[Event] = []
        self._subscribers: list[Subscriber] = []

    # -- ids and time ---------------------------------------------------------------------------

    def new_id(self, prefix: str) -> str:
        return f"{prefix}{next(self._ids):08X}"

    def resume_after(self, minted: int, last_ts: str | None) -> None:
        """Continue a loaded snapshot (see snapshot.py): ids after `minted`, ts after `last_ts`."""
        with self.lock:
            self._ids = itertools.count(minted + 1)
            if last_ts:
                seconds, _, micros = last_ts.partition(".")
                self._last_ts_us = max(self._last_ts_us, int(seconds) * 1_000_000 + int(micros or 0))

    def next_ts(self) -> str:
        """A Slack message ts: seconds.micros from the clock, strictly increasing even within a micro."""
        with self.lock:
            now_us = int(self.clock() * 1_000_000)
            self._last_ts_us = max(now_us, self._last_ts_us + 1)
            return f"{self._last_ts_us // 1_000_000}.{self._last_ts_us % 1_000_000:06d}"

    # -- events ---------------------------------------------------------------------------------

    def emit(self, kind: str, data: dict[str, Any]) -> Event:
        with self.lock:
            event = Event(len(self.event_log) + 1, self.clock(), kind, data)
            self.event_log.append(event)
            self.changed.notify_all()
            subscribers = list(self._subscribers)
        for callback in subscribers:
            try:
                callback(event)
            except Exception:  # a broken UI hook must not break the Slack the bot talks to
                log.exception("slack emulator subscriber failed on %s", kind)
        return event

    def subscribe(self, callback: Subscriber) -> Callable[[], None]:
        with self.lock:
            self._subscribers.append(callback)

        def unsubscribe() -> None:
            with self.lock:
                if callback in self._subscribers:
                    self._subscribers.remove(callback)

        return unsubscribe

    def events_since(self, seq: int) -> list[Event]:
        with self.lock:
            return self.event_log[max(seq, 0) :]

    def wait_for_events(self, seq: int, timeout: float) -> list[Event]:
        """Events after `seq`, waiting up to `timeout` seconds for the first one (a long poll)."""
        with self.changed:
            self.changed.wait_for(lambda: len(self.event_log) > seq, timeout=timeout)
            return self.event_log[max(seq, 0) :]

    # -- directory ------------------------------------------------------------------------------

    def user(self, user_id: str) -> User:
        user = self.users.get(user_id)
        if user is None:
            raise SlackMethodError("user_not_found")
        return user

    def open_im(self, user_id: str) -> Channel:
        with self.lock:
            self.user(user_id)
            channel_id = im_channel_id(user_id)
            if channel_id not in self.channels:
                members = (self.workspace.bot_user_id, user_id)
                self.channels[channel_id] = Channel(
                    channel_id, user_id, is_im=True, user=user_id, members=members
                )
                self.channel_messages[channel_id] = []
                self.emit("channel.opened", {"channel": channel_id, "user": user_id})
            return self.channels[channel_id]

    def open_mpim(self, user_ids: list[str]) -> Channel:
        with self.lock:
            for user_id in user_ids:
                self.user(user_id)
            members = tuple(sorted({self.workspace.bot_user_id, *user_ids}))
            for channel in self.channels.values():
                if channel.is_mpim and channel.members == members:
                    return channel
            channel = Channel(self.new_id("G"), "mpdm-" + "--".join(members), is_mpim=True, members=members)
            self.channels[channel.id] = channel
            self.channel_messages[channel.id] = []
            self.emit("channel.opened", {"channel": channel.id, "users": list(members)})
            return channel

    def resolve_channel(self, ref: str | None) -> Channel:
        """Channel ids, `#names` and user ids (Slack posts to a user's DM) all name a channel."""
        if not ref:
            raise SlackMethodError("channel_not_found")
        with self.lock:
            if ref in self.channels:
                return self.channels[ref]
            if ref.startswith(("U", "W")) and ref in self.users:
                return self.open_im(ref)
            name = ref.removeprefix("#")
            for channel in self.channels.values():
                if not channel.is_im and channel.name == name:
                    return channel
        raise SlackMethodError("channel_not_found")

    # -- messages -------------------------------------------------------------------------------

    def find(self, channel_id: str, ts: str) -> Message | None:
        with self.lock:
            return next((m for m in self.channel_messages.get(channel_id, []) if m.ts == ts), None)

    def add_message(self, message: Message) -> Message:
        with self.lock:
            parent = self._thread_parent(message) if message.thread_ts is not None else None
            if parent is not None:
                parent.thread_ts = parent.ts
                message.thread_ts = parent.ts
            self.channel_messages.setdefault(message.channel, []).append(message)
            self.emit("message.posted", {"channel": message.channel} | self.message_json(message))
            if parent is not None:
                # The parent's reply summary changed; a UI showing it needs to know.
                self.emit("message.updated", {"channel": parent.channel} | self.message_json(parent))
            return message

    def _thread_parent(self, reply: Message) -> Message:
        parent = self.find(reply.channel, reply.thread_ts or "")
        if parent is None:
            # Stricter than Slack, which files a reply under a ts it never saw: a reply to a
            # message that does not exist is a bug in the bot, so say so.
            raise SlackMethodError("thread_not_found")
        if parent.is_reply:
            # Slack threads are one level deep: replying to a reply joins the parent's thread.
            parent = self.find(reply.channel, parent.thread_ts or "") or parent
        return parent

    def edit_message(
        self, message: Message, *, text: str | None, blocks: list[dict[str, Any]] | None
    ) -> None:
        with self.lock:
            edited_ts = self.next_ts()
            message.edits.append(Edit(message.text, message.blocks, edited_ts))
            if text is not None:
                message.text = text
            if blocks is not None:
                message.blocks = blocks
            message.edited_ts = edited_ts
            self.emit("message.updated", {"channel": message.channel} | self.message_json(message))

    def delete_message(self, message: Message) -> None:
        with self.lock:
            self.channel_messages[message.channel].remove(message)
            message.deleted = True
            self.deleted.append(message)
            self.emit("message.deleted", {"channel": message.channel, "ts": message.ts})

    def add_ephemeral(self, ephemeral: Ephemeral) -> Ephemeral:
        with self.lock:
            self.ephemeral_log.append(ephemeral)
            self.emit(
                "ephemeral.posted",
                {"channel": ephemeral.channel, "user": ephemeral.user} | ephemeral_json(ephemeral),
            )
            return ephemeral

    def replies(self, message: Message) -> list[Message]:
        with self.lock:
            return [
                m
                for m in self.channel_messages.get(message.channel, [])
                if m.is_reply and m.thread_ts == message.ts
            ]

    def message_json(self, message: Message) -> dict[str, Any]:
        """The message as Slack shows it, with the reply summary Slack adds to thread parents."""
        with self.lock:
            files = [self.file_store[f] for f in message.files if f in self.file_store]
            data = message_json(self.workspace, message, files, self.root_url)
            if message.thread_ts == message.ts:
                replies = self.replies(message)
                data["reply_count"] = len(replies)
                data["reply_users"] = sorted({r.user for r in replies})
                data["reply_users_count"] = len(data["reply_users"])
                data["latest_reply"] = replies[-1].ts if replies else message.ts
            return data

    # -- triggers and response URLs -------------------------------------------------------------

    def mint_trigger(self, user_id: str) -> str:
        with self.lock:
            now = self.clock()
            trigger = Trigger(f"{next(self._ids)}.{int(now)}.{secrets.token_hex(16)}", user_id, now)
            self.triggers[trigger.id] = trigger
            return trigger.id

    def use_trigger(self, trigger_id: str | None) -> Trigger:
        with self.lock:
            trigger = self.triggers.get(trigger_id or "")
            if trigger is None or self.clock() - trigger.created > TRIGGER_TTL:
                raise SlackMethodError("expired_trigger_id")
            if trigger.used:
                raise SlackMethodError("exchanged_trigger_id")
            trigger.used = True
            return trigger

    def mint_response_url(
        self,
        channel: str,
        user: str,
        *,
        message_ts: str | None = None,
        ephemeral: bool = False,
    ) -> str:
        with self.lock:
            token = secrets.token_urlsafe(18)
            url = f"{self.root_url}/response/{token}"
            self.response_urls[token] = ResponseUrl(
                token, url, channel, user, self.clock(), message_ts, ephemeral
            )
            return url

    # -- views ----------------------------------------------------------------------------------

    def stack(self, user_id: str) -> list[View]:
        with self.lock:
            return [self.views[v] for v in self.stacks.get(user_id, [])]

    def new_view(self, user_id: str, body: dict[str, Any], *, root: View | None = None) -> View:
        with self.lock:
            view_id = self.new_id("V")
            view = View(
                view_id,
                user_id,
                body,
                secrets.token_hex(8),
                root.root_view_id if root else view_id,
                previous_view_id=root.id if root else None,
                external_id=body.get("external_id") or None,
            )
            self.views[view_id] = view
            return view

    def open_modal(self, user_id: str, body: dict[str, Any]) -> View:
        with self.lock:
            for old in self.stack(user_id):
                old.closed = True
            view = self.new_view(user_id, body)
            self.stacks[user_id] = [view.id]
            self.emit("view.opened", {"user": user_id} | self.view_json(view))
            return view

    def push_modal(self, user_id: str, body: dict[str, Any]) -> View:
        with self.lock:
            stack = self.stack(user_id)
            if not stack:
                raise SlackMethodError("not_found")
            if len(stack) >= MAX_VIEW_STACK:
                raise SlackMethodError("push_limit_reached")
            view = self.new_view(user_id, body, root=stack[-1])
            self.stacks[user_id].append(view.id)
            self.emit("view.pushed", {"user": user_id} | self.view_json(view))
            return view

    def replace_view(self, view: View, body: dict[str, Any]) -> View:
        with self.lock:
            view.body = body
            view.hash = secrets.token_hex(8)
            view.errors = None
            view.external_id = body.get("external_id") or view.external_id
            self.emit("view.updated", {"user": view.user} | self.view_json(view))
            return view

    def close_view(self, view: View) -> None:
        """Slack closing a modal: the view and everything pushed above it leave the stack."""
        with self.lock:
            stack = self.stacks.get(view.user, [])
            if view.id in stack:
                for view_id in stack[stack.index(view.id) :]:
                    self.views[view_id].closed = True
                del stack[stack.index(view.id) :]
            view.closed = True
            self.emit("view.closed", {"user": view.user, "id": view.id})

    def clear_views(self, user_id: str) -> None:
        with self.lock:
            for view in self.stack(user_id):
                view.closed = True
            self.stacks[user_id] = []
            self.emit("view.cleared", {"user": user_id})

    def publish_home(self, user_id: str, body: dict[str, Any]) -> View:
        with self.lock:
            existing = self.views.get(self.homes.get(user_id, ""))
            if existing is not None:
                existing.body = body
                existing.hash = secrets.token_hex(8)
                view = existing
            else:
                view = self.new_view(user_id, body)
                self.homes[user_id] = view.id
            self.emit("home.published", {"user": user_id} | self.view_json(view))
            return view

    def find_view(self, view_id: str | None, external_id: str | None) -> View:
        with self.lock:
            if view_id and view_id in self.views:
                return self.views[view_id]
            if external_id:
                for view in self.views.values():
                    if view.external_id == external_id and not view.closed:
                        return view
        raise SlackMethodError("not_found")

    def view_json(self, view: View) -> dict[str, Any]:
        return view_json(self.workspace, view)

    # -- requests -------------------------------------------------------------------------------

    def record(self, **fields: Any) -> RecordedRequest:
        with self.lock:
            request = RecordedRequest(seq=len(self.request_log) + 1, time=self.clock(), **fields)
            self.request_log.append(request)
        self.emit("request", {"method": request.method, "status": request.status, "seq": request.seq})
        return request
