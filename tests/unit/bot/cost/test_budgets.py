"""A team's committed spend and budget use: live run-rates summed, unknown ones counted apart."""

from __future__ import annotations

from decimal import Decimal

from bot.config import TeamBudget
from bot.cost.budgets import Committed, budget_use, committed_spend

BUDGETS = {"payments": TeamBudget(cost_centre="CC-4711", monthly_budget=Decimal(500), currency="EUR")}


def test_committed_spend_sums_known_run_rates_and_counts_the_unestimated_apart() -> None:
    spend = committed_spend([Decimal(16), None, Decimal("4.50")])

    assert spend == Committed(monthly=Decimal("20.50"), resources=3, unestimated=1)


def test_a_team_without_live_resources_commits_nothing() -> None:
    assert committed_spend([]) == Committed(monthly=Decimal(0), resources=0, unestimated=0)


def test_budget_use_carries_the_teams_limit_and_cost_centre() -> None:
    use = budget_use("payments", committed_spend([Decimal(310)]), BUDGETS, "EUR")

    assert use is not None
    assert (use.committed, use.monthly_limit, use.remaining, use.cost_centre) == (
        Decimal(310),
        Decimal(500),
        Decimal(190),
        "CC-4711",
    )
    assert use.after(Decimal(200)).over_limit() and not use.over_limit()


def test_a_team_without_a_budget_entry_has_no_limit_and_the_price_books_currency() -> None:
    use = budget_use("search", committed_spend([Decimal(16)]), BUDGETS, "EUR")

    assert use is not None and use.monthly_limit is None and use.remaining is None
    assert use.currency == "EUR" and not use.after(Decimal(10_000)).over_limit()


def test_a_request_of_no_team_has_no_budget_use() -> None:
    assert budget_use(None, committed_spend([]), BUDGETS, "EUR") is None
