"""`SlackEmulator`: a local Slack on loopback for tests and the sandbox.

    with SlackEmulator() as slack:
        client = WebClient(base_url=slack.base_url, token=slack.workspace.bot_token)
        client.chat_postMessage(channel="C0REQUESTS", text="hello")
        assert slack.find_message(text_contains="hello")

The server runs in a background thread; the bot talks to it over real HTTP with the real
slack_sdk, so request encoding, retries and error handling are exercised as in production.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path
from types import TracebackType
from typing import TypeVar

from bot.devtools.slack_emulator import snapshot
from bot.devtools.slack_emulator.clock import Clock, system_clock
from bot.devtools.slack_emulator.errors import EmulatorError
from bot.devtools.slack_emulator.faults import Fault, FaultBook, FaultKind
from bot.devtools.slack_emulator.httpd import EmulatorHTTPServer
from bot.devtools.slack_emulator.models import Ephemeral, Event, File, Message, RecordedRequest, View
from bot.devtools.slack_emulator.socket_mode import SocketModeServer
from bot.devtools.slack_emulator.state import EmulatorState, Subscriber
from bot.devtools.slack_emulator.workspace import Workspace, default_workspace, im_channel_id

T = TypeVar("T")


class SlackEmulator:
    def __init__(
        self,
        workspace: Workspace | None = None,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        clock: Clock | None = None,
        persist_to: Path | None = None,
    ) -> None:
        self.workspace = workspace or default_workspace()
        self.state = EmulatorState(self.workspace, clock or system_clock)
        # Where the conversations are kept between runs (the sandbox's data dir), or nowhere.
        self._persist_to = persist_to
        if persist_to is not None:
            snapshot.load(self.state, persist_to)
        self.faults = FaultBook()
        self._address = (host, port)
        # Socket Mode's WebSocket endpoint; apps.connections.open hands out its URLs.
        self.socket_mode = SocketModeServer(self.workspace.app_id, host=host)
        self._server: EmulatorHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle ------------------------------------------------------------------------------

    def start(self) -> SlackEmulator:
        if self._server is not None:
            return self
        server = EmulatorHTTPServer(self._address, self.state, self.faults)
        host, port = server.server_address[:2]
        self.state.root_url = f"http://{host!s}:{port}"
        self._server = server
        self.socket_mode.start()
        self.state.socket_link = self.socket_mode.mint_url
        self._thread = threading.Thread(
            # A short poll interval keeps stop() (and so every test teardown) fast.
            target=server.serve_forever,
            args=(0.05,),
            name="slack-emulator",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._persist_to is not None and self._server is not None:
            snapshot.save(self.state, self._persist_to)
        server, thread = self._server, self._thread
        self._server = self._thread = None
        self.state.socket_link = None
        self.socket_mode.stop()
        if server is not None:
            server.shutdown()
            server.server_close()
        if thread is not None:
            thread.join(timeout=5)

    def __enter__(self) -> SlackEmulator:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    @property
    def url(self) -> str:
        """Root URL, e.g. http://127.0.0.1:51234 (no trailing slash)."""
        if self._server is None:
            raise EmulatorError("the emulator is not running; call start() first")
        return self.state.root_url

    @property
    def base_url(self) -> str:
        """What `WebClient(base_url=...)` and SLACK_API_URL take."""
        return self.url + "/api/"

    @property
    def port(self) -> int:
        return int(self.url.rsplit(":", 1)[1])

    # -- things only Slack can make -------------------------------------------------------------

    def mint_trigger(self, user: str) -> str:
        """A trigger_id views.open will accept for 3 s (emulator clock), once."""
        return self.state.mint_trigger(user)

    def mint_response_url(
        self, channel: str, user: str, *, message_ts: str | None = None, ephemeral: bool = False
    ) -> str:
        """A response URL for an interaction; `message_ts` is the message replace/delete_original act on."""
        return self.state.mint_response_url(channel, user, message_ts=message_ts, ephemeral=ephemeral)

    def inject(
        self,
        method: str,
        kind: FaultKind,
        *,
        times: int = 1,
        retry_after: int = 1,
        delay: float = 0.0,
        error: str = "internal_error",
    ) -> Fault:
        """Make the next `times` calls of `method` fail; `method` may be `upload`, `response_url` or `*`."""
        return self.faults.inject(
            method, kind, times=times, retry_after=retry_after, delay=delay, error=error
        )

    def post_as(self, user: str, channel: str, text: str, *, thread_ts: str | None = None) -> Message:
        """A person posts (no bot involved), e.g. a human reply in a request thread. The bot is not
        told; deliver a `message` event with the driver if it should be."""
        state = self.state
        with state.lock:
            state.user(user)
            channel_id = state.resolve_channel(channel).id
            message = Message(
                channel=channel_id, ts=state.next_ts(), text=text, user=user, thread_ts=thread_ts
            )
            return state.add_message(message)

    # -- what happened --------------------------------------------------------------------------

    @property
    def requests(self) -> list[RecordedRequest]:
        with self.state.lock:
            return list(self.state.request_log)

    def requests_for(self, method: str) -> list[RecordedRequest]:
        return [r for r in self.requests if r.method == method]

    def requests_containing(self, needle: str) -> list[RecordedRequest]:
        """Recorded requests whose params, body or headers contain `needle` (a leaked secret, say)."""
        return [r for r in self.requests if needle in r.dump()]

    @property
    def unknown_methods(self) -> list[str]:
        return [
            r.method
            for r in self.requests
            if isinstance(r.response, dict) and r.response.get("error") == "unknown_method"
        ]

    @property
    def internal_errors(self) -> list[str]:
        return list(self._server.internal_errors) if self._server is not None else []

    def messages(self, channel: str) -> list[Message]:
        """Top-level messages of a channel (id or #name), oldest first, as the channel shows them."""
        with self.state.lock:
            channel_id = self.state.resolve_channel(channel).id
            return [m for m in self.state.channel_messages[channel_id] if not m.is_reply or m.reply_broadcast]

    def thread(self, channel: str, ts: str) -> list[Message]:
        """The thread parent followed by its replies, oldest first; empty if there is no such message."""
        with self.state.lock:
            parent = self.state.find(self.state.resolve_channel(channel).id, ts)
            return [] if parent is None else [parent, *self.state.replies(parent)]

    def all_messages(self) -> list[Message]:
        with self.state.lock:
            return [m for msgs in self.state.channel_messages.values() for m in msgs]

    @property
    def deleted_messages(self) -> list[Message]:
        with self.state.lock:
            return list(self.state.deleted)

    def ephemerals(self, user: str, *, include_removed: bool = False) -> list[Ephemeral]:
        """Ephemerals shown to `user`; replaced or deleted ones only with include_removed."""
        with self.state.lock:
            return [
                e
                for e in self.state.ephemeral_log
                if e.user == user and (include_removed or not (e.replaced or e.deleted))
            ]

    def dms(self, user: str) -> list[Message]:
        """Every message (replies included) in the bot's DM with `user`, oldest first."""
        with self.state.lock:
            return list(self.state.channel_messages.get(im_channel_id(user), []))

    def find_messages(self, text_contains: str | None = None, *, channel: str | None = None) -> list[Message]:
        """Messages (replies included) whose text or block text contains the phrase, oldest first."""
        with self.state.lock:
            channel_id = self.state.resolve_channel(channel).id if channel else None
            return [
                m
                for m in self.all_messages()
                if (channel_id is None or m.channel == channel_id)
                and (text_contains is None or text_contains in m.all_text)
            ]

    def find_message(self, text_contains: str | None = None, *, channel: str | None = None) -> Message | None:
        """The newest message matching, or None."""
        found = self.find_messages(text_contains, channel=channel)
        return max(found, key=lambda m: float(m.ts)) if found else None

    def views_for(self, user: str) -> list[View]:
        """The user's open modal stack, bottom first (empty when no modal is open)."""
        return self.state.stack(user)

    def view(self, view_id: str) -> View:
        with self.state.lock:
            if view_id not in self.state.views:
                raise EmulatorError(f"no view {view_id}")
            return self.state.views[view_id]

    def home(self, user: str) -> View | None:
        with self.state.lock:
            return self.state.views.get(self.state.homes.get(user, ""))

    @property
    def files(self) -> list[File]:
        """Files shared into a channel or thread (upload completed), in upload order."""
        with self.state.lock:
            return [f for f in self.state.file_store.values() if f.completed]

    # -- change notifications (for a web page) --------------------------------------------------

    @property
    def last_seq(self) -> int:
        with self.state.lock:
            return len(self.state.event_log)

    def events_since(self, seq: int) -> list[Event]:
        return self.state.events_since(seq)

    def wait_for_events(self, seq: int, timeout: float = 25.0) -> list[Event]:
        return self.state.wait_for_events(seq, timeout)

    def subscribe(self, callback: Subscriber) -> Callable[[], None]:
        """Call `callback(event)` on every change; returns a function that unsubscribes.

        The callback runs on the thread that made the change, usually with the emulator's lock
        held: keep it short and never wait in it for another thread that talks to the emulator
        (a web page should rather long-poll with `wait_for_events`)."""
        return self.state.subscribe(callback)

    def wait_for(self, predicate: Callable[[], T | None], timeout: float = 5.0) -> T:
        """Wait until `predicate()` is truthy and return its value. Re-checked on every change, and
        every 50 ms too, so predicates over things outside the emulator (a test's own list) work."""
        deadline = time.monotonic() + timeout
        with self.state.changed:
            while True:
                result = predicate()
                if result:
                    return result
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise EmulatorError(f"condition not met within {timeout} s")
                self.state.changed.wait(min(remaining, 0.05))
