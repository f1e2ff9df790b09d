"""A team's budget use: what its live resources commit a month, its limit, and what a request adds.

Pure: the run-rates are handed in (the store keeps each live resource's on the request that last
changed it). A live resource without an estimate is counted apart, never as 0.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Protocol

from pydantic import BaseModel, ConfigDict

ZERO = Decimal(0)


class TeamLimits(Protocol):
    """A team's entry of the config's `budgets:` (bot.config.TeamBudget fits)."""

    @property
    def cost_centre(self) -> str | None: ...

    @property
    def monthly_budget(self) -> Decimal | None: ...

    @property
    def currency(self) -> str: ...


class BudgetUse(BaseModel):
    model_config = ConfigDict(frozen=True)

    team: str
    currency: str
    committed: Decimal
    monthly_limit: Decimal | None = None
    cost_centre: str | None = None

    @property
    def remaining(self) -> Decimal | None:
        return None if self.monthly_limit is None else self.monthly_limit - self.committed

    def after(self, delta: Decimal) -> BudgetUse:
        """The use once a request's monthly delta is committed (a saving never goes below 0)."""
        return self.model_copy(update={"committed": max(self.committed + delta, ZERO)})

    def over_limit(self) -> bool:
        return self.monthly_limit is not None and self.committed > self.monthly_limit


class Committed(BaseModel):
    """What a team's live resources cost a month: the sum of the known run-rates, and how many of
    its live resources have none (built before the price book, or on a path without prices)."""

    model_config = ConfigDict(frozen=True)

    monthly: Decimal = ZERO
    resources: int = 0
    unestimated: int = 0


def committed_spend(run_rates: Iterable[Decimal | None]) -> Committed:
    """Sum the monthly run-rates of a team's live resources, one per live resource."""
    rates = list(run_rates)
    return Committed(
        monthly=sum((r for r in rates if r is not None), ZERO),
        resources=len(rates),
        unestimated=sum(1 for r in rates if r is None),
    )


def budget_use(
    team: str | None, committed: Committed, budgets: Mapping[str, TeamLimits], currency: str
) -> BudgetUse | None:
    """The team's use of its budget before a request; None for a request that belongs to no team.
    A team without an entry in `budgets` has no limit and is shown in `currency` (the price book's)."""
    if team is None:
        return None
    limits = budgets.get(team)
    if limits is None:
        return BudgetUse(team=team, currency=currency, committed=committed.monthly)
    return BudgetUse(
        team=team,
        currency=limits.currency,
        committed=committed.monthly,
        monthly_limit=limits.monthly_budget,
        cost_centre=limits.cost_centre,
    )
