"""The weekly digest's cost line: what live resources commit a month, per team against its budget."""

from __future__ import annotations

from collections.abc import Sequence

from bot.cost.present import money, percent
from bot.cost.showback import TeamSpend, total

# The digest is a summary: the dearest few teams, the rest counted.
TEAMS_IN_DIGEST = 5


def team_share(spend: TeamSpend, currency: str) -> str:
    use = spend.budget
    shown = use.currency if use is not None else currency
    text = f"{spend.team} {money(spend.committed.monthly, shown)}"
    if use is not None and use.monthly_limit is not None:
        share = None if use.monthly_limit == 0 else use.committed / use.monthly_limit
        text += f" of {money(use.monthly_limit, shown)} ({percent(share)})"
        if use.over_limit():
            text += " over budget"
    return text


def cost_figure(spends: Sequence[TeamSpend], currency: str) -> tuple[str, str, str]:
    """(label, value, detail) for the digest's figures: the run-rate now, each team's budget use."""
    shown = [s for s in spends if s.committed.resources or (s.budget and s.budget.monthly_limit)]
    detail = " · ".join(team_share(s, currency) for s in shown[:TEAMS_IN_DIGEST])
    if len(shown) > TEAMS_IN_DIGEST:
        detail += f" · {len(shown) - TEAMS_IN_DIGEST} more teams (/platform costs)"
    unestimated = sum(s.committed.unestimated for s in spends)
    if unestimated:
        detail += f" · {unestimated} live without an estimate"
    return "Cost run-rate", f"{money(total(spends), currency)}/month", detail or "nothing live"
