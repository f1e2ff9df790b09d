"""What `/platform costs` and `platformbot costs` show for one scope: pure, from handed-in rows.

A scope is everyone, one team or one golden path, over a 30- or 90-day trend. The figures now come
from the live resources (bot.cost.reading.live_costs); the trend from the stacks' history
(bot.cost.history), so both answers show the same numbers for the same database.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from bot.cost.budgets import TeamLimits
from bot.cost.history import RatePoint, StackChange, weekly_trend
from bot.cost.showback import NO_TEAM, LiveCost, PathSpend, TeamSpend, of_scope, spend_by_path, spend_by_team
from bot.metrics.window import Window

WINDOW_DAYS = (30, 90)
DEFAULT_DAYS = 30


@dataclass(frozen=True)
class Scope:
    team: str | None = None
    path: str | None = None
    days: int = DEFAULT_DAYS

    def describe(self) -> str:
        if self.team and self.path:
            return f"team {self.team}, {self.path}"
        if self.team:
            return f"team {self.team}"
        if self.path:
            return self.path
        return "all teams"


def accepted(teams: Iterable[str], paths: Iterable[str]) -> str:
    """The words `costs` takes, for an answer to a word it does not."""
    team_list = ", ".join(sorted(set(teams))) or "none configured"
    path_list = ", ".join(sorted(set(paths))) or "none"
    windows = " or ".join(f"{d}d" for d in WINDOW_DAYS)
    return f"a team ({team_list}), a golden path ({path_list}), and {windows} for the trend"


def unknown_in(scope: Scope, teams: Iterable[str], paths: Iterable[str]) -> str | None:
    """Why the scope names nothing this bot knows (a typo), or None when it is fine."""
    known_teams, known_paths = set(teams), set(paths)
    if scope.team is not None and scope.team not in known_teams:
        return f"No team `{scope.team}`. `costs` takes {accepted(known_teams, known_paths)}."
    if scope.path is not None and scope.path not in known_paths:
        return f"No golden path `{scope.path}`. `costs` takes {accepted(known_teams, known_paths)}."
    if scope.days not in WINDOW_DAYS:
        return f"No window of {scope.days} days. `costs` takes {accepted(known_teams, known_paths)}."
    return None


@dataclass(frozen=True)
class CostsView:
    scope: Scope
    currency: str
    window: Window
    teams: Sequence[TeamSpend]
    paths: Sequence[PathSpend]
    trend: Sequence[RatePoint]

    @property
    def budget(self) -> Decimal | None:
        """The one team's limit, drawn on its chart; None for several teams or a golden path."""
        if self.scope.team is None or self.scope.path is not None or len(self.teams) != 1:
            return None
        use = self.teams[0].budget
        return None if use is None else use.monthly_limit


def build_view(
    live: Iterable[LiveCost],
    changes: Sequence[StackChange],
    budgets: Mapping[str, TeamLimits],
    currency: str,
    scope: Scope,
    now: datetime,
    *,
    top: int = 3,
) -> CostsView:
    resources = of_scope(live, team=scope.team, path=scope.path)
    # A golden path's figures are not a team's whole spend: its budget is not compared with them.
    limits = budgets if scope.path is None else {}
    teams = spend_by_team(resources, limits, currency, team=scope.team, top=top)
    if scope.path is not None:
        teams = [t for t in teams if t.committed.resources]
    window = Window.last(scope.days, now)
    return CostsView(
        scope=scope,
        currency=currency,
        window=window,
        teams=teams,
        paths=spend_by_path(resources),
        trend=weekly_trend(changes, window, team=scope.team, path=scope.path),
    )


def known_teams(
    configured: Iterable[str], live: Iterable[LiveCost], changes: Iterable[StackChange]
) -> set[str]:
    """Teams `costs` answers for: configured ones and any that owns or owned a resource."""
    found = set(configured)
    found.update(r.team or NO_TEAM for r in live)
    found.update(c.team or NO_TEAM for c in changes)
    return found
