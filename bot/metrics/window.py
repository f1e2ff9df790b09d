"""The time window a figure is computed over, and the summary of a set of durations.

Every metric takes a `Window` rather than "the last N days" so a test (or the weekly trend) can
ask for any stretch of history and get the same answer twice.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.clock import as_utc


@dataclass(frozen=True)
class Window:
    """The half-open interval [since, until): an event at `until` belongs to the next window."""

    since: datetime
    until: datetime

    def __post_init__(self) -> None:
        object.__setattr__(self, "since", as_utc(self.since))
        object.__setattr__(self, "until", as_utc(self.until))
        if self.until < self.since:
            raise ValueError("a window cannot end before it starts")

    @classmethod
    def last(cls, days: int, now: datetime) -> Window:
        return cls(now - timedelta(days=days), now)

    def __contains__(self, moment: object) -> bool:
        if not isinstance(moment, datetime):
            return False
        return self.since <= as_utc(moment) < self.until

    @property
    def days(self) -> float:
        return (self.until - self.since) / timedelta(days=1)

    def weeks(self) -> Iterator[Window]:
        """ISO weeks (Monday 00:00 UTC) that overlap the window, clipped to it, oldest first."""
        start = self.since.replace(hour=0, minute=0, second=0, microsecond=0)
        start -= timedelta(days=start.weekday())
        while start < self.until:
            end = start + timedelta(days=7)
            yield Window(max(start, self.since), min(end, self.until))
            start = end


@dataclass(frozen=True)
class Durations:
    """`count` durations summarised: median (mean of the two middle values when the count is even)
    and p90 by the nearest-rank method (the ⌈0.9·n⌉-th smallest value). None when there are none."""

    count: int
    median: timedelta | None
    p90: timedelta | None

    @classmethod
    def of(cls, values: Iterable[timedelta]) -> Durations:
        ordered = sorted(values)
        if not ordered:
            return cls(0, None, None)
        seconds = [v.total_seconds() for v in ordered]
        return cls(
            len(ordered),
            timedelta(seconds=statistics.median(seconds)),
            nearest_rank(ordered, 90),
        )


def nearest_rank(ordered: list[timedelta], percent: float) -> timedelta:
    """The smallest value with at least `percent` % of the values at or below it (`ordered` sorted)."""
    rank = max(1, math.ceil(percent / 100 * len(ordered)))
    return ordered[rank - 1]
