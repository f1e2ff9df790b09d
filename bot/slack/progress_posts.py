"""The progress message of a running apply: one message in the thread, edited at most once per
`min_update_interval` (chat.update is rate limited; Pulumi reports many events a second)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from bot.slack.render import Trusted, render_blocks
from bot.slack.thread_posts import PROGRESS, ThreadPosts
from bot.workflow import Request
from provisioners.plan import Progress

MAX_PROGRESS_LINES = 15


@dataclass
class _Progress:
    last_sent: float = 0.0
    lines: dict[str, str] = field(default_factory=dict)
    dirty: bool = False


class ProgressPosts:
    def __init__(
        self,
        posts: ThreadPosts,
        *,
        min_update_interval: float,
        monotonic: Callable[[], float],
        on_first: Callable[[Request], None],
    ) -> None:
        """`on_first`: called when the first progress message is posted (the root says applying)."""
        self._posts = posts
        self._interval = min_update_interval
        self._monotonic = monotonic
        self._on_first = on_first
        # Only the lines of a running apply live here; the message ref is in the store.
        self._progress: dict[str, _Progress] = {}
        self._lock = threading.Lock()

    def report(self, request: Request, progress: Any) -> None:
        if not isinstance(progress, Progress):
            return
        with self._lock:
            state = self._progress.setdefault(request.id, _Progress())
            verb = {"started": "…", "finished": "done", "failed": "failed"}[progress.status]
            state.lines[progress.urn] = f"{progress.op} {progress.type.split(':')[-1]} {progress.name} {verb}"
            state.dirty = True
            due = self._monotonic() - state.last_sent >= self._interval
        if due:
            self._flush(request, ":hourglass_flowing_sand:", "Applying")

    def finish(self, request: Request, icon: str, title: str) -> None:
        if self._posts.refs.get(request.number, PROGRESS) is not None:
            self._flush(request, icon, title)
        with self._lock:
            self._progress.pop(request.id, None)

    def _flush(self, request: Request, icon: str, title: str) -> None:
        with self._lock:
            state = self._progress.setdefault(request.id, _Progress())
            lines = list(state.lines.values())[-MAX_PROGRESS_LINES:]
            state.dirty = False
            state.last_sent = self._monotonic()
        blocks = render_blocks("progress", icon=Trusted(icon), title=title, lines=lines, footer=request.id)
        ref = self._posts.refs.get(request.number, PROGRESS)
        if ref is None:
            ts = self._posts.reply(request, blocks, title)
            self._posts.refs.save(request.number, PROGRESS, request.channel, ts)
            self._on_first(request)
        else:
            self._posts.client.chat_update(channel=ref.channel, ts=ref.ts, blocks=blocks, text=title)
