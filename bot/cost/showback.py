"""Showback: what each team's live resources cost a month against its budget, and the dearest ones.

Pure: the live resources (one per stack, with the run-rate of the request that last changed it)
are handed in by bot.cost.reading. A resource without an estimate is counted, never priced as 0.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal

from pydantic import BaseModel, ConfigDict

from bot.cost.budgets import BudgetUse, Committed, TeamLimits, budget_use, committed_spend

# Resources without an owner team are shown under this name (created before teams were recorded).
NO_TEAM = "(no team)"
TOP_RESOURCES = 5


class LiveCost(BaseModel):
    """One live resource and what it costs a month (None: no estimate)."""

    model_config = ConfigDict(frozen=True)

    stack_name: str
    path: str
    team: str | None
    monthly: Decimal | None
    request_id: int


class TeamSpend(BaseModel):
    model_config = ConfigDict(frozen=True)

    team: str
    committed: Committed
    budget: BudgetUse | None
    # The dearest live resources first (those without an estimate last).
    top: tuple[LiveCost, ...] = ()


def spend_by_team(
    live: Iterable[LiveCost],
    budgets: Mapping[str, TeamLimits],
    currency: str,
    *,
    team: str | None = None,
    top: int = TOP_RESOURCES,
) -> list[TeamSpend]:
    """Every team with live resources or a budget (or just `team`), the dearest first."""
    by_team: dict[str, list[LiveCost]] = {name: [] for name in budgets}
    for resource in live:
        by_team.setdefault(resource.team or NO_TEAM, []).append(resource)
    if team is not None:
        by_team = {team: by_team.get(team, [])}
    spends = []
    for name, resources in by_team.items():
        ranked = sorted(resources, key=lambda r: (r.monthly is None, -(r.monthly or 0), r.stack_name))
        committed = committed_spend(r.monthly for r in resources)
        use = None if name == NO_TEAM else budget_use(name, committed, budgets, currency)
        spends.append(TeamSpend(team=name, committed=committed, budget=use, top=tuple(ranked[:top])))
    return sorted(spends, key=lambda s: (-s.committed.monthly, s.team))


def total(spends: Iterable[TeamSpend]) -> Decimal:
    return sum((s.committed.monthly for s in spends), Decimal(0))


class PathSpend(BaseModel):
    model_config = ConfigDict(frozen=True)

    path: str
    committed: Committed
    teams: tuple[str, ...] = ()


def spend_by_path(live: Iterable[LiveCost]) -> list[PathSpend]:
    """Each golden path with live resources: its run-rate and the teams using it, the dearest first."""
    by_path: dict[str, list[LiveCost]] = {}
    for resource in live:
        by_path.setdefault(resource.path, []).append(resource)
    spends = [
        PathSpend(
            path=path,
            committed=committed_spend(r.monthly for r in resources),
            teams=tuple(sorted({r.team or NO_TEAM for r in resources})),
        )
        for path, resources in by_path.items()
    ]
    return sorted(spends, key=lambda s: (-s.committed.monthly, s.path))


def of_scope(live: Iterable[LiveCost], *, team: str | None = None, path: str | None = None) -> list[LiveCost]:
    """The live resources of `team` and/or golden path `path` (all when neither is given)."""
    return [
        r for r in live if (team is None or (r.team or NO_TEAM) == team) and (path is None or r.path == path)
    ]
