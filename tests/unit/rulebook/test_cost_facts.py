"""Cost facts in the rule context: `cost` and `budget` come with the plan, never at the intent stage."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from rulebook import BudgetFacts, CostFacts, PlanFacts, Rulebook, RulebookLoadError, Verdict
from tests.support.rules import REQUESTER, TUESDAY_10, postgres, rule, rulebook_text

Build = Callable[..., Rulebook]
PRICED = PlanFacts(
    cost=CostFacts(priced=True, monthly=45.0, delta=30.0, currency="EUR", unpriced=("GitRepository repo",)),
    budget=BudgetFacts(team="payments", limit=500.0, committed=310.0, cost_centre="CC-4711"),
)


@pytest.mark.parametrize("name", ["cost", "budget"])
def test_an_intent_stage_rule_may_not_mention_cost_or_budget(book_from: Build, name: str) -> None:
    with pytest.raises(RulebookLoadError) as raised:
        book_from(rulebook_text(rule(f"{name} != null")))
    assert f"`{name}` is only known at the plan stage" in str(raised.value)


def test_plan_stage_rules_see_the_estimate_and_the_budget(book_from: Build) -> None:
    condition = (
        'cost.priced && cost.delta == 30.0 && cost.monthly == 45.0 && cost.currency == "EUR"'
        ' && cost.unpriced == ["GitRepository repo"] && budget.team == "payments"'
        ' && budget.remaining == 190.0 && budget.cost_centre == "CC-4711"'
    )
    text = rulebook_text(
        rule(condition, stage="plan", message="{{ budget.committed + cost.delta }} of {{ budget.limit }}")
    )
    decision = book_from(text).evaluate(postgres(), REQUESTER, TUESDAY_10, plan=PRICED)

    assert decision.verdict is Verdict.DENY
    assert decision.matches[0].message == "340 of 500"


def test_a_plan_without_an_estimate_says_nothing_is_priced_and_there_is_no_limit(book_from: Build) -> None:
    condition = "!cost.priced && cost.delta == 0.0 && budget.limit == null && budget.remaining == null"
    book = book_from(rulebook_text(rule(condition, stage="plan")))

    assert book.evaluate(postgres(), REQUESTER, TUESDAY_10, plan=PlanFacts()).verdict is Verdict.DENY


def test_the_default_budget_rule_asks_finance_only_for_an_overspend(default_book: Rulebook) -> None:
    over = PlanFacts(
        cost=CostFacts(priced=True, monthly=50.0, delta=50.0, currency="EUR"),
        budget=BudgetFacts(team="payments", limit=500.0, committed=480.0),
    )
    decision = default_book.evaluate(postgres(), REQUESTER, TUESDAY_10, plan=over)

    assert {need.group: need.count for need in decision.approvals} == {"finance": 1}
    assert decision.matches[0].message == (
        "This adds EUR 50/month and takes team payments to EUR 530 of its EUR 500 monthly budget."
    )
