"""Wires feedback polls, `/platform stats`, the digest and Prometheus into a PlatformBot.

`create_app` calls `instrument_notifier` before it builds the workflow (the workflow must be
handed the counting notifier), `build_outcomes` after, and registers `Outcomes.features` on the
Bolt app. The scheduled jobs are plain functions of `now` (`Outcomes.jobs`), so tests call them
without a scheduler.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from prometheus_client import CollectorRegistry
from slack_sdk import WebClient

from bot.clock import Clock
from bot.config import AppConfig
from bot.cost.digest import cost_figure
from bot.cost.reading import live_costs
from bot.cost.showback import spend_by_team
from bot.feedback import FeedbackService, PollPolicy, PollSender
from bot.feedback.slack import Feedback
from bot.metrics.cost_gauges import CostCollector
from bot.metrics.instrument import InstrumentedNotifier, instrument
from bot.metrics.slack import StatsPoster
from bot.slack.services import Feature
from bot.store import Store
from bot.workflow import Notifier

Job = Callable[[datetime], Any]


@dataclass
class Outcomes:
    feedback: FeedbackService
    feedback_slack: Feedback
    polls: PollSender
    stats: StatsPoster
    digest_channel: str | None

    def feedback_job(self, now: datetime) -> list[int]:
        return self.polls.send_due(now)

    def digest_job(self, now: datetime) -> str | None:
        return self.stats.digest(self.digest_channel, now)

    @property
    def features(self) -> tuple[Feature, ...]:
        """What registers listeners and commands on the Bolt app, in the order `help` lists them."""
        return (self.feedback_slack, self.stats)

    @property
    def jobs(self) -> dict[str, Job]:
        """Scheduled jobs by the names in `config.schedules`."""
        return {"feedback": self.feedback_job, "digest": self.digest_job}


def instrument_notifier(
    notifier: Notifier, registry: CollectorRegistry, store: Store, approval_ttl: timedelta
) -> InstrumentedNotifier:
    return instrument(notifier, registry, store, approval_ttl=approval_ttl)


def build_outcomes(
    *,
    client: WebClient,
    store: Store,
    config: AppConfig,
    clock: Clock,
    paths: Sequence[str],
    registry: CollectorRegistry | None = None,
    currency: str = "EUR",
) -> Outcomes:
    """`registry`: where the per-team cost gauges are served (the bot's /metrics); `currency`: the
    price book's, for teams without a budget of their own."""
    service = FeedbackService(store, PollPolicy.from_config(config.feedback))
    if registry is not None:
        registry.register(CostCollector(store, config.budgets, currency))

    def cost_line() -> tuple[str, str, str]:
        return cost_figure(spend_by_team(live_costs(store), config.budgets, currency), currency)

    return Outcomes(
        feedback=service,
        feedback_slack=Feedback(client, service, clock, tuple(paths)),
        polls=PollSender(client, service, config.feedback.fatigue_days),
        stats=StatsPoster(client, store, clock.now, tuple(config.teams), cost_figure=cost_line),
        digest_channel=config.channels.platform,
    )
