"""The run-rate at any past moment, and its weekly trend, from what the store already keeps.

Pure. Every succeeded apply stored the stack's monthly run-rate once applied (`cost_monthly`) and
when it finished; every destroy marked those applies with when it happened. Replaying those
changes in time order gives each stack's state at any moment, so the trend needs no snapshots
and no job of its own: a week's point is the run-rate of what was live at the week's end.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from bot.cost.showback import NO_TEAM, LiveCost
from bot.metrics.window import Window

ZERO = Decimal(0)


@dataclass(frozen=True)
class StackChange:
    """One stack's state from `at` on: live at `monthly` (None: no estimate), or gone."""

    stack_name: str
    at: datetime
    live: bool
    monthly: Decimal | None
    path: str
    team: str | None
    request_id: int


def live_at(changes: Iterable[StackChange], at: datetime) -> list[LiveCost]:
    """The stacks live at `at` (a change at `at` has happened), each at its last run-rate."""
    last: dict[str, StackChange] = {}
    # A destroy and an apply at the same instant: the apply (a re-create) is the later state.
    for change in sorted(changes, key=lambda c: (c.at, c.live, c.request_id)):
        if change.at > at:
            break
        last[change.stack_name] = change
    return [
        LiveCost(
            stack_name=c.stack_name, path=c.path, team=c.team, monthly=c.monthly, request_id=c.request_id
        )
        for c in sorted(last.values(), key=lambda c: c.stack_name)
        if c.live
    ]


@dataclass(frozen=True)
class RatePoint:
    """What was live at the end of `week`: monthly run-rate by team and by golden path."""

    week: Window
    by_team: dict[str, Decimal] = field(default_factory=dict)
    by_path: dict[str, Decimal] = field(default_factory=dict)
    resources: int = 0
    unestimated: int = 0

    @property
    def total(self) -> Decimal:
        return sum(self.by_team.values(), ZERO)


def weekly_trend(
    changes: Sequence[StackChange], window: Window, *, team: str | None = None, path: str | None = None
) -> list[RatePoint]:
    """One point per ISO week overlapping `window` (the last one ends at the window's end), of the
    resources of `team` and/or `path` only when given."""
    points = []
    for week in window.weeks():
        live = [
            c
            for c in live_at(changes, week.until)
            if (team is None or (c.team or NO_TEAM) == team) and (path is None or c.path == path)
        ]
        by_team: dict[str, Decimal] = {}
        by_path: dict[str, Decimal] = {}
        for cost in live:
            amount = cost.monthly or ZERO
            by_team[cost.team or NO_TEAM] = by_team.get(cost.team or NO_TEAM, ZERO) + amount
            by_path[cost.path] = by_path.get(cost.path, ZERO) + amount
        points.append(
            RatePoint(
                week=week,
                by_team=dict(sorted(by_team.items())),
                by_path=dict(sorted(by_path.items())),
                resources=len(live),
                unestimated=sum(1 for c in live if c.monthly is None),
            )
        )
    return points
