"""`/platform stats [7d|30d|90d]` and the weekly digest: figures as blocks, the trend as a PNG.

The figures go where they were asked for (the channel, or the thread when Slack names one) and
the chart goes up as a file in that message's thread. Where the bot cannot post (a DM between two
people, a private channel it is not in) the figures come back ephemerally, without the chart.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from slack_bolt import App, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.metrics import present
from bot.metrics.chart import render_chart
from bot.metrics.report import Report, report_for
from bot.slack.render import render_blocks
from bot.slack.services import SlackServices
from bot.store import Store
from intents import Command, StatsCommand

log = logging.getLogger(__name__)

DIGEST_DAYS = 7
MAX_TEAMS_SHOWN = 15
COMMENT_CHARS = 300


def title(report: Report) -> str:
    return f"Platform outcomes, last {report.days} days"


def stats_blocks(report: Report, extra: Sequence[present.Figure] = ()) -> list[dict[str, Any]]:
    """The figures; `extra` (the digest's cost line) follows the outcome figures."""
    teams = present.first_provision(report)
    if len(teams) > MAX_TEAMS_SHOWN:
        more = len(teams) - MAX_TEAMS_SHOWN
        teams = teams[:MAX_TEAMS_SHOWN] + [present.Figure(f"… and {more} more teams", "", "")]
    window = report.window
    return render_blocks(
        "stats",
        title=title(report),
        figures=[*present.figures(report), *extra],
        paths=present.requests_per_path(report),
        teams=teams,
        comments=[" ".join(c.split())[:COMMENT_CHARS] for c in report.comments],
        footer=f"{window.since:%Y-%m-%d %H:%M} – {window.until:%Y-%m-%d %H:%M} UTC. "
        "Definitions: README, Outcome metrics.",
    )


def chart_filename(report: Report) -> str:
    return f"platform-outcomes-{report.days}d-{report.window.until:%Y%m%d}.png"


@dataclass
class StatsPoster:
    client: WebClient
    store: Store
    now: Callable[[], datetime]
    known_teams: Iterable[str] = field(default_factory=tuple)
    # The digest's cost line (bot.cost.digest): (label, value, detail), or None without cost data.
    cost_figure: Callable[[], tuple[str, str, str] | None] | None = None
    # Figures other features add to every report, for its window (expired environments,
    # bot.metrics.expiry): fn(since, until) -> (label, value, detail), or None when there is nothing.
    figures: list[Callable[[datetime, datetime], tuple[str, str, str] | None]] = field(default_factory=list)

    def report(self, days: int, now: datetime | None = None) -> Report:
        return report_for(self.store, days, now or self.now(), self.known_teams)

    def post(
        self,
        report: Report,
        channel: str,
        thread_ts: str | None = None,
        extra: Sequence[present.Figure] = (),
    ) -> str:
        """Post the figures, then the chart in their thread; returns the figures' ts."""
        response = self.client.chat_postMessage(
            channel=channel, thread_ts=thread_ts, blocks=stats_blocks(report, extra), text=title(report)
        )
        ts = str(response["ts"])
        self.client.files_upload_v2(
            channel=channel,
            thread_ts=thread_ts or ts,
            content=render_chart(report.trend, f"{title(report)}: weekly lead time and NPS", report.window),
            filename=chart_filename(report),
            title=f"{title(report)}: weekly trend",
            alt_txt="Bar chart of the weekly median lead time in hours and a line of the weekly NPS",
        )
        return ts

    def register(self, app: App, services: SlackServices) -> None:
        """`/platform stats` (no listeners of its own: the chart is a file, the figures blocks)."""
        services.commands.after_ack(
            "stats", "stats [7d|30d|90d]", "the platform's outcome metrics", self.command
        )

    def command(self, cmd: Command, user: str, respond: Respond, command: dict[str, Any]) -> None:
        """`/platform stats`: the ack has gone; computing and drawing take a moment."""
        assert isinstance(cmd, StatsCommand)
        report = self.report(int(cmd.days))
        extra = self.features_extra(report)
        channel = str(command["channel_id"])
        try:
            self.post(report, channel, command.get("thread_ts") or None, extra)
        except SlackApiError as exc:
            error = exc.response.get("error")
            log.info("stats: cannot post in %s (%s); answering ephemerally", channel, error)
            respond(blocks=stats_blocks(report, extra), text=title(report), response_type="ephemeral")

    def digest(self, channel: str | None, now: datetime) -> str | None:
        """The weekly digest job: the last seven days' figures in the platform channel."""
        if not channel:
            log.info("digest: no platform channel configured (channels.platform); nothing posted")
            return None
        report = self.report(DIGEST_DAYS, now)
        return self.post(report, channel, extra=[*self.features_extra(report), *self.digest_extra()])

    def features_extra(self, report: Report) -> list[present.Figure]:
        """The features' figures for the report's window; one that fails is left out, never the report."""
        shown = []
        for figure in self.figures:
            try:
                found = figure(report.window.since, report.window.until)
            except Exception:
                log.exception("stats: a feature's figure failed; shown without it")
                continue
            if found is not None:
                shown.append(present.Figure(*found))
        return shown

    def digest_extra(self) -> list[present.Figure]:
        """The digest's cost line; a failure to read costs leaves it out, never the digest."""
        if self.cost_figure is None:
            return []
        try:
            found = self.cost_figure()
        except Exception:
            log.exception("digest: cannot read the cost run-rate; posted without it")
            return []
        return [] if found is None else [present.Figure(*found)]
