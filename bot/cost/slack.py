"""`/platform costs [team]`: each team's monthly run-rate of live resources against its budget,
with its dearest resources. Answered ephemerally to whoever asks (budgets are not for the channel).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from slack_bolt import App, Respond

from bot.cost.budgets import TeamLimits
from bot.cost.present import money
from bot.cost.reading import live_costs
from bot.cost.showback import TeamSpend, spend_by_team, total
from bot.slack.render import render_blocks
from bot.slack.services import SlackServices
from bot.store import Store
from intents import Command, CostsCommand

# What one message holds comfortably (Block Kit: 50 blocks; we keep the JSON under 12 kB): the
# overview names each team's few dearest resources, one team's answer more of them.
MAX_TEAMS_SHOWN = 15
TOP_IN_OVERVIEW = 3
TOP_FOR_ONE_TEAM = 10
TITLE = "Monthly cost of live resources"


def team_view(spend: TeamSpend, currency: str) -> dict[str, Any]:
    budget = spend.budget
    shown = budget.currency if budget is not None else currency
    line = money(spend.committed.monthly, shown) + "/month"
    if budget is not None and budget.monthly_limit is not None:
        line += f" of {money(budget.monthly_limit, shown)}"
        remaining = budget.remaining
        if remaining is not None and remaining < 0:
            line += f" (over by {money(-remaining, shown)})"
        elif remaining is not None:
            line += f" ({money(remaining, shown)} left)"
    counts = f"{spend.committed.resources} live resource{'s' if spend.committed.resources != 1 else ''}"
    if spend.committed.unestimated:
        counts += f", {spend.committed.unestimated} without an estimate (not counted)"
    top = [
        {
            "stack": r.stack_name,
            "path": r.path,
            "monthly": "no estimate" if r.monthly is None else money(r.monthly, shown) + "/month",
        }
        for r in spend.top
    ]
    return {"name": spend.team, "spend": line, "detail": counts, "top": top}


def costs_blocks(spends: list[TeamSpend], currency: str) -> list[dict[str, Any]]:
    teams = [team_view(s, currency) for s in spends[:MAX_TEAMS_SHOWN]]
    footer = f"All teams: {money(total(spends), currency)}/month."
    if len(spends) > MAX_TEAMS_SHOWN:
        footer += f" {len(spends) - MAX_TEAMS_SHOWN} more teams: ask for one with `/platform costs <team>`."
    footer += " Estimates from the price book, one per live resource; budgets from the bot's config."
    return render_blocks("costs", title=TITLE, teams=teams, footer=footer)


@dataclass
class CostsFeature:
    store: Store
    budgets: Mapping[str, TeamLimits]
    currency: str

    def spends(self, team: str | None = None) -> list[TeamSpend]:
        top = TOP_IN_OVERVIEW if team is None else TOP_FOR_ONE_TEAM
        live = live_costs(self.store, team=team)
        return spend_by_team(live, self.budgets, self.currency, team=team, top=top)

    def register(self, app: App, services: SlackServices) -> None:
        summary = "what live resources cost a month, against each team's budget"
        services.commands.after_ack("costs", "costs [team]", summary, self.command)

    def command(self, cmd: Command, user: str, respond: Respond, command: dict[str, Any]) -> None:
        assert isinstance(cmd, CostsCommand)
        blocks = costs_blocks(self.spends(cmd.team), self.currency)
        respond(blocks=blocks, text=TITLE, response_type="ephemeral")
