"""`/platform costs [team|path] [30d|90d]`: the monthly run-rate of live resources per team (against
its budget) and per golden path, the newest imported bill against the estimates, and the weekly
trend as a PNG chart.

Answered ephemerally to whoever asks (budgets are not for the channel); the chart, which an
ephemeral message cannot carry, goes to the asker's DM with the bot, so it stays theirs too.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from slack_bolt import App, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.cost.bill_present import bill_lines
from bot.cost.budgets import TeamLimits
from bot.cost.chart import render_cost_chart
from bot.cost.imports import latest_import
from bot.cost.present import money
from bot.cost.reading import live_costs, stack_changes
from bot.cost.showback import PathSpend, TeamSpend, total
from bot.cost.view import CostsView, Scope, build_view, known_teams, unknown_in
from bot.slack.conversations import dm_channel
from bot.slack.render import render_blocks
from bot.slack.services import SlackServices
from bot.store import Store
from intents import Command, CostsCommand

log = logging.getLogger(__name__)

# What one message holds comfortably (Block Kit: 50 blocks; we keep the JSON under 12 kB): the
# overview names each team's few dearest resources, one team's answer more of them.
MAX_TEAMS_SHOWN = 12
MAX_PATHS_SHOWN = 8
TOP_IN_OVERVIEW = 3
TEAMS_PER_PATH = 5
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


def path_line(spend: PathSpend, currency: str) -> str:
    count = spend.committed.resources
    text = f"{spend.path}: {money(spend.committed.monthly, currency)}/month, {count} live"
    if spend.committed.unestimated:
        text += f" ({spend.committed.unestimated} without an estimate)"
    teams = ", ".join(spend.teams[:TEAMS_PER_PATH])
    if len(spend.teams) > TEAMS_PER_PATH:
        teams += f" and {len(spend.teams) - TEAMS_PER_PATH} more"
    return text + f"; teams {teams}"


def title_of(view: CostsView) -> str:
    return TITLE if view.scope == Scope(days=view.scope.days) else f"{TITLE}: {view.scope.describe()}"


def costs_blocks(
    view: CostsView, *, bill: list[str] | None = None, note: str | None = None
) -> list[dict[str, Any]]:
    currency = view.currency
    spends = list(view.teams)
    teams = [team_view(s, currency) for s in spends[:MAX_TEAMS_SHOWN]]
    footer = f"{view.scope.describe().capitalize()}: {money(total(spends), currency)}/month."
    if len(spends) > MAX_TEAMS_SHOWN:
        footer += f" {len(spends) - MAX_TEAMS_SHOWN} more teams: ask for one with `/platform costs <team>`."
    footer += " Estimates from the price book, one per live resource; budgets from the bot's config."
    return render_blocks(
        "costs",
        title=title_of(view),
        teams=teams,
        paths=[path_line(p, currency) for p in view.paths[:MAX_PATHS_SHOWN]],
        bill=bill or [],
        note=note or "",
        footer=footer,
    )


def chart_title(view: CostsView) -> str:
    return f"{title_of(view)}, weekly over the last {view.scope.days} days"


def chart_filename(view: CostsView) -> str:
    scope = view.scope.team or view.scope.path or "all"
    return f"platform-costs-{scope}-{view.scope.days}d-{view.window.until:%Y%m%d}.png"


@dataclass
class CostsFeature:
    store: Store
    budgets: Mapping[str, TeamLimits]
    currency: str
    # Set by `register` from the Bolt app and the workflow (create_app builds this feature first).
    client: WebClient | None = None
    now: Callable[[], datetime] | None = None
    teams: Iterable[str] = field(default_factory=tuple)
    paths: Iterable[str] = field(default_factory=tuple)

    def view(self, scope: Scope, now: datetime) -> CostsView:
        top = TOP_IN_OVERVIEW if scope.team is None else TOP_FOR_ONE_TEAM
        return build_view(
            live_costs(self.store),
            stack_changes(self.store),
            self.budgets,
            self.currency,
            scope,
            now,
            top=top,
        )

    def register(self, app: App, services: SlackServices) -> None:
        self.client = self.client or app.client
        self.now = self.now or services.workflow.clock.now
        self.teams = tuple(self.teams) or (*services.config.teams, *self.budgets)
        self.paths = tuple(self.paths) or tuple(services.catalog.names)
        summary = "what live resources cost a month per team and golden path, the trend and the bill"
        services.commands.after_ack("costs", "costs [team|path] [30d|90d]", summary, self.command)

    def problem(self, scope: Scope) -> str | None:
        """Why `scope` names nothing known (answered privately, listing what is accepted)."""
        if unknown_in(scope, self.teams, self.paths) is None:
            return None
        # Not a configured team: perhaps one that owns (or owned) a resource all the same.
        teams = known_teams(self.teams, live_costs(self.store), stack_changes(self.store))
        return unknown_in(scope, teams, self.paths)

    def command(self, cmd: Command, user: str, respond: Respond, command: dict[str, Any]) -> None:
        assert isinstance(cmd, CostsCommand)
        scope = Scope(team=cmd.team, path=cmd.path, days=cmd.days)
        problem = self.problem(scope)
        if problem is not None:
            respond(text=problem, response_type="ephemeral")
            return
        view = self.view(scope, self.now() if self.now else datetime.now(UTC))
        summary = latest_import(self.store)
        bill = None if summary is None else bill_lines(summary, team=scope.team, path=scope.path)
        note = self.send_chart(view, user)
        respond(
            blocks=costs_blocks(view, bill=bill, note=note), text=title_of(view), response_type="ephemeral"
        )

    def send_chart(self, view: CostsView, user: str) -> str:
        """Upload the trend chart to `user`'s DM with the bot; the line saying where it went."""
        if self.client is None:
            return ""
        png = render_cost_chart(view.trend, chart_title(view), view.currency, view.budget)
        try:
            self.client.files_upload_v2(
                channel=dm_channel(self.client, user),
                content=png,
                filename=chart_filename(view),
                title=chart_title(view),
                alt_txt="Stacked bars of the monthly run-rate of live resources per team, one per week",
            )
        except SlackApiError as exc:
            log.info("costs: cannot send the chart to %s (%s)", user, exc.response.get("error"))
            return "The weekly trend chart could not be sent to you."
        return f"The weekly trend ({view.scope.days} days) is in your DM with the bot, as a chart."
