"""The cost of a request's plan, as the planner stores it and the rulebook sees it (issue 14),
and the attribution labels its resources carry.

`Costing` prices the plan (bot.cost.estimate_plan) and reads the budget use of the team the
resource belongs to (its owner team, for a new one the team it will belong to). A request's stored
run-rate is the stack's monthly cost once it is applied: the live run-rate plus the plan's delta,
so a resize adds only its difference and a destroy brings the stack to 0. Without a pricing source
(a workflow built without a price book) nothing is estimated and the plan shows no cost line.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from bot.cost import Estimate, Pricing, estimate_plan
from bot.cost.budgets import BudgetUse, TeamLimits, budget_use, committed_spend
from bot.store import RequestRow, ResourceRow, Store, repository
from bot.workflow import ownership
from bot.workflow.model import format_request_id
from intents.intent import Intent
from provisioners.labels import Labels
from provisioners.plan import Plan
from rulebook import BudgetFacts, CostFacts, ResourceFacts


@dataclass(frozen=True)
class Costed:
    """One plan's estimate, and the budget use of its team before it."""

    estimate: Estimate
    budget: BudgetUse | None
    # The stack's monthly cost once applied; None when the live part of it has no estimate.
    run_rate: Decimal | None

    def cost_facts(self) -> CostFacts:
        """The rulebook's `cost`; a golden path without prices is `priced: false`, not 0."""
        estimate = self.estimate
        if not estimate.priced:
            return CostFacts(currency=estimate.currency)
        return CostFacts(
            priced=True,
            monthly=None if self.run_rate is None else float(self.run_rate),
            delta=float(estimate.monthly_delta),
            currency=estimate.currency,
            unpriced=estimate.unpriced,
        )

    def budget_facts(self) -> BudgetFacts:
        """The rulebook's `budget`: of the team the resource belongs to, before this request."""
        budget = self.budget
        if budget is None:
            return BudgetFacts()
        return BudgetFacts(
            team=budget.team,
            limit=None if budget.monthly_limit is None else float(budget.monthly_limit),
            committed=float(budget.committed),
            cost_centre=budget.cost_centre,
        )

    def values(self) -> dict[str, Any]:
        """The request columns (bot.store.models.RequestRow.cost_*), written with the plan."""
        return {
            "cost_monthly": self.run_rate if self.estimate.priced else None,
            "cost_currency": self.estimate.currency,
            "cost_plan_hash": self.estimate.plan_hash,
            "cost": {
                "estimate": self.estimate.model_dump(mode="json"),
                "budget": None if self.budget is None else self.budget.model_dump(mode="json"),
            },
        }


# A plan left without an estimate writes these: an earlier plan's estimate must not stay behind.
NO_COST_VALUES: dict[str, Any] = {
    "cost_monthly": None,
    "cost_currency": None,
    "cost_plan_hash": None,
    "cost": None,
}


class Costing:
    def __init__(
        self, *, store: Store, pricing: Pricing | None = None, budgets: Mapping[str, TeamLimits] | None = None
    ) -> None:
        self._store = store
        self._pricing = pricing
        self._budgets = budgets or {}

    def labels(self, row: RequestRow, intent: Intent, live: ResourceRow | None) -> Labels:
        """The labels the program puts on every resource of the request: the team the resource
        belongs to (the one its budget is read for), that team's cost centre from the config's
        `budgets` ("" without one), the request that created it and its owner (for a new one,
        this request and its requester). So a later change asked by anyone does not relabel it;
        a transfer does, with the next request on it."""
        assert row.id is not None
        team = ownership.facts_of(live, intent).owner_team or row.requester_team
        limits = self._budgets.get(team) if team else None
        return Labels.for_intent(
            intent,
            team=team,
            cost_centre=None if limits is None else limits.cost_centre,
            request_id=format_request_id(row.id if live is None else live.created_by),
            requester=row.requester if live is None else live.owner,
        )

    def estimate(self, row: RequestRow, plan: Plan, resource: ResourceFacts) -> Costed | None:
        if self._pricing is None:
            return None
        estimate = estimate_plan(plan, row.path, self._pricing)
        team = resource.owner_team or row.requester_team
        with self._store.read() as session:
            live, last = repository.live_change(session, row.stack_name)
            team_rates = (
                []
                if team is None
                else [q.cost_monthly for _r, q in repository.live_resources_with_cost(session, team=team)]
            )
        before = Decimal(0) if not live else (None if last is None else last.cost_monthly)
        run_rate = None if before is None else max(before + estimate.monthly_delta, Decimal(0))
        budget = budget_use(team, committed_spend(team_rates), self._budgets, self._pricing.currency)
        return Costed(estimate=estimate, budget=budget, run_rate=run_rate)


def cost_values(costed: Costed | None) -> dict[str, Any]:
    """The request columns for a new plan: its estimate, or nulls (never an older plan's)."""
    return NO_COST_VALUES if costed is None else costed.values()
