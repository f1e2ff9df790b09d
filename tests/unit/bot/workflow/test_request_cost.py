"""A request's estimate belongs to one plan: a snapshot shows it only while that plan is current."""

from __future__ import annotations

from decimal import Decimal

from bot.store import RequestRow
from bot.workflow.model import RequestCost
from tests.support.store_rows import request_row

ESTIMATE = {"plan_hash": "a" * 64, "path": "service", "currency": "EUR", "resources": [], "unpriced": []}
BUDGET = {"team": "payments", "currency": "EUR", "committed": "16", "monthly_limit": "500"}


def _row(plan_hash: str | None, cost_plan_hash: str | None) -> RequestRow:
    return request_row(
        plan_hash=plan_hash,
        cost_plan_hash=cost_plan_hash,
        cost_monthly=Decimal(16),
        cost_currency="EUR",
        cost={"estimate": {**ESTIMATE, "plan_hash": cost_plan_hash}, "budget": BUDGET},
    )


def test_the_estimate_of_the_current_plan_is_shown_with_its_budget_use() -> None:
    cost = RequestCost.from_row(_row("a" * 64, "a" * 64))

    assert cost is not None and cost.monthly == 16
    assert cost.budget is not None and cost.budget.remaining == Decimal(484)


def test_an_estimate_of_an_earlier_plan_is_not_shown() -> None:
    assert RequestCost.from_row(_row("b" * 64, "a" * 64)) is None
    assert RequestCost.from_row(_row(None, None)) is None
