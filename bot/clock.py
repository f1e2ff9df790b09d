"""Time as a side effect handed in: the workflow never calls `datetime.now()` itself.

Every timestamp the workflow writes comes from one `Clock`, so tests can move time (approval
expiry, audit order) with a `ManualClock` instead of sleeping or patching. It is the one
ManualClock of the house: the Slack emulator's clock port (seconds since the epoch, Slack's unit)
takes its bound `timestamp`, so a test moves the bot's time and the emulator's with one object.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime:
        """The current time as an aware UTC datetime."""
        ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class ManualClock:
    """A clock that only moves when told to; safe to share between threads."""

    def __init__(self, start: datetime | None = None) -> None:
        start = start or datetime(2025, 1, 6, 9, 0, tzinfo=UTC)
        self._now = as_utc(start)
        self._lock = threading.Lock()

    def now(self) -> datetime:
        with self._lock:
            return self._now

    def timestamp(self) -> float:
        """Seconds since the epoch: what the Slack emulator's `Clock` port asks for."""
        return self.now().timestamp()

    def advance(self, delta: timedelta) -> datetime:
        with self._lock:
            self._now += delta
            return self._now

    def set(self, moment: datetime) -> None:
        with self._lock:
            self._now = as_utc(moment)


def format_utc(moment: datetime | None) -> str:
    """How every message shows a moment: `2026-11-23 09:00 UTC` (empty for none)."""
    return "" if moment is None else as_utc(moment).strftime("%Y-%m-%d %H:%M UTC")


def as_utc(moment: datetime) -> datetime:
    """Aware UTC; a naive value is taken to be UTC already (that is how SQLite hands them back)."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)
