"""The one line of text an estimate shows in the thread and in the approval ask.

`Est. +EUR 45/month; team payments: EUR 310 -> EUR 355 of EUR 500`. Unknown cost is never
printed as 0: a golden path without prices says "no estimate", unpriced resources are named.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from bot.cost.budgets import BudgetUse
from bot.cost.estimate import Estimate


def money(amount: Decimal, currency: str) -> str:
    """EUR 45, EUR 12.50: whole amounts without cents, others to the cent."""
    cents = amount.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    shown = f"{cents:,.0f}" if cents == cents.to_integral_value() else f"{cents:,.2f}"
    return f"{currency} {shown}"


def cost_line(estimate: Estimate, budget: BudgetUse | None = None) -> str:
    if not estimate.priced:
        return f"No estimate: the price book has no prices for {estimate.path}."
    delta = estimate.monthly_delta
    sign = "+" if delta > 0 else ("-" if delta < 0 else "±")
    text = f"Est. {sign}{money(abs(delta), estimate.currency)}/month"
    if delta < 0:
        text += " (saving)"
    if budget is not None:
        after = budget.after(delta)
        text += (
            f"; team {budget.team}: {money(budget.committed, budget.currency)}"
            f" -> {money(after.committed, budget.currency)}"
        )
        if budget.monthly_limit is not None:
            text += f" of {money(budget.monthly_limit, budget.currency)}"
    if estimate.unpriced:
        text += f"; not priced: {', '.join(estimate.unpriced)}"
    return text


def percent(share: Decimal | None) -> str:
    return "–" if share is None else f"{(100 * share).quantize(Decimal(1), rounding=ROUND_HALF_UP)}%"


def versus(estimate: Decimal | None, actual: Decimal, currency: str) -> str:
    """`EUR 130 billed, est. EUR 125 (+EUR 5)`: the estimate is never shown as 0 when there is none."""
    text = f"{money(actual, currency)} billed"
    if estimate is None:
        return text + ", no estimate"
    difference = actual - estimate
    sign = "+" if difference > 0 else ("-" if difference < 0 else "±")
    return text + f", est. {money(estimate, currency)} ({sign}{money(abs(difference), currency)})"
