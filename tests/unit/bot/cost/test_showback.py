"""Showback: each team's live run-rate against its budget, dearest resources first, unknown never 0."""

from __future__ import annotations

from decimal import Decimal

from bot.config import TeamBudget
from bot.cost.showback import NO_TEAM, LiveCost, spend_by_team, total

BUDGETS = {
    "payments": TeamBudget(cost_centre="CC-4711", monthly_budget=Decimal(500)),
    "platform": TeamBudget(monthly_budget=Decimal(2000)),
}


def live(stack: str, team: str | None, monthly: str | None, number: int = 1) -> LiveCost:
    return LiveCost(
        stack_name=stack,
        path="service",
        team=team,
        monthly=None if monthly is None else Decimal(monthly),
        request_id=number,
    )


LIVE = [
    live("service-ledger-prod", "payments", "16"),
    live("postgres-database-billing-prod", "payments", "125"),
    live("service-old-prod", "payments", None),
    live("service-search-prod", "search", "16"),
    live("service-orphan-dev", None, "4"),
]


def test_each_team_is_shown_with_its_committed_spend_and_budget_dearest_team_first() -> None:
    spends = spend_by_team(LIVE, BUDGETS, "EUR")

    assert [(s.team, s.committed.monthly) for s in spends] == [
        ("payments", Decimal(141)),
        ("search", Decimal(16)),
        (NO_TEAM, Decimal(4)),
        ("platform", Decimal(0)),  # a budget and nothing live yet
    ]
    payments = spends[0]
    assert payments.committed.unestimated == 1
    assert payments.budget is not None and payments.budget.remaining == Decimal(359)
    assert spends[2].budget is None  # resources of no team have no budget to use
    assert total(spends) == Decimal(161)


def test_the_dearest_resources_come_first_and_unestimated_ones_last() -> None:
    (payments,) = spend_by_team(LIVE, BUDGETS, "EUR", team="payments", top=3)

    assert [r.stack_name for r in payments.top] == [
        "postgres-database-billing-prod",
        "service-ledger-prod",
        "service-old-prod",
    ]


def test_a_team_with_nothing_live_and_no_budget_shows_zero_and_no_limit() -> None:
    (spend,) = spend_by_team(LIVE, BUDGETS, "EUR", team="identity")

    assert spend.committed.monthly == 0 and spend.top == ()
    assert spend.budget is not None and spend.budget.monthly_limit is None
