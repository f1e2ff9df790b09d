"""Posting in a request's thread and to people directly: the plumbing every notice goes through.

The messages a request owns (root, asks, status, progress) are kept in the store (`MessageRefs`),
not in this process, so a restarted bot (or another process) edits the same messages.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.slack import request_views as views
from bot.slack.conversations import dm_channel, permalink
from bot.slack.render import Trusted, render_blocks, render_text
from bot.store.messages import MemoryRefs, MessageRefs
from bot.workflow import Request

log = logging.getLogger(__name__)

ROOT, ASK, STATUS, PROGRESS = "root", "ask", "status", "progress"
# What chat.postMessage answers for a thread_ts whose parent no longer exists.
LOST_THREAD = frozenset({"thread_not_found", "message_not_found"})


class ThreadPosts:
    """One request's thread (root, replies, notices) and direct messages about it."""

    def __init__(
        self, client: WebClient, refs: MessageRefs | MemoryRefs, secret_client: WebClient | None = None
    ) -> None:
        self.client = client
        # Credentials go through a client that never logs bodies (see slack.app.secret_safe_logger).
        self.secret_client = secret_client or client
        self.refs = refs

    def open_thread(self, request: Request) -> str:
        response = self.client.chat_postMessage(
            channel=request.channel, blocks=views.root_blocks(request), text=views.root_text(request)
        )
        ts = str(response["ts"])
        self.refs.save(request.number, ROOT, request.channel, ts)
        return ts

    def refresh_root(self, request: Request) -> None:
        """The thread's first message shows the stored state; render it again from the snapshot."""
        ref = self.refs.get(request.number, ROOT)
        channel, ts = (ref.channel, ref.ts) if ref else (request.channel, request.thread_ts)
        if not ts:
            return
        self.update(channel, ts, views.root_blocks(request), views.root_text(request))

    def thread_of(self, request: Request) -> str | None:
        """The ts of the request's thread: the stored root (which a lost thread's re-post replaces)."""
        root = self.refs.get(request.number, ROOT)
        return root.ts if root is not None and root.channel == request.channel else request.thread_ts

    def reply(self, request: Request, blocks: list[dict[str, Any]], text: str) -> str:
        thread_ts = self.thread_of(request)
        try:
            response = self.client.chat_postMessage(
                channel=request.channel, thread_ts=thread_ts, blocks=blocks, text=text
            )
        except SlackApiError as exc:
            if exc.response.get("error") not in LOST_THREAD:
                raise
            # The root is gone (deleted in Slack, or a sandbox emulator that restarted): start the
            # thread again from the stored state rather than lose this and every later notice.
            log.warning("thread of %s is gone (%s): new root", request.id, exc.response.get("error"))
            thread_ts = self.open_thread(request)
            response = self.client.chat_postMessage(
                channel=request.channel, thread_ts=thread_ts, blocks=blocks, text=text
            )
        return str(response["ts"])

    def notice(self, target: Request, icon: str, kind: str, /, **context: Any) -> None:
        """A notice in the request's thread; templates see the request as `request`."""
        text = render_text(f"notices/{kind}", request=views.request_view(target), **context)
        blocks = render_blocks("notice", icon=Trusted(icon), text=Trusted(text), context=None)
        self.reply(target, blocks, text)

    def dm(self, user: str, target: Request, icon: str, kind: str, /, **context: Any) -> None:
        text = render_text(f"notices/{kind}", request=views.request_view(target), **context)
        blocks = render_blocks("notice", icon=Trusted(icon), text=Trusted(text), context=None)
        self.client.chat_postMessage(channel=self.dm_channel(user), blocks=blocks, text=text)

    def secret_dm(self, user: str, blocks: list[dict[str, Any]], text: str) -> None:
        self.secret_client.chat_postMessage(channel=self.dm_channel(user), blocks=blocks, text=text)

    def update(self, channel: str, ts: str, blocks: list[dict[str, Any]], text: str) -> None:
        # A stale message is cosmetic: never let it stop the notice that follows.
        try:
            self.client.chat_update(channel=channel, ts=ts, blocks=blocks, text=text)
        except SlackApiError as exc:
            log.warning("chat.update of %s failed: %s", ts, exc.response.get("error"))

    def dm_channel(self, user: str) -> str:
        return dm_channel(self.client, user)

    def permalink(self, request: Request) -> str | None:
        return permalink(self.client, request.channel, request.thread_ts) if request.thread_ts else None
