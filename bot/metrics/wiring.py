"""Wires feedback polls, `/platform stats`, the digest and Prometheus into a PlatformBot.

`create_app` calls `instrument_notifier` before it builds the workflow (the workflow must be
handed the counting notifier) and `attach_outcomes` once the Bolt app exists. The scheduled jobs
are plain functions of `now` (`Outcomes.jobs`), so tests call them without a scheduler.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from prometheus_client import CollectorRegistry
from slack_bolt import App
from slack_sdk import WebClient

from bot.clock import Clock
from bot.config import AppConfig
from bot.feedback import FeedbackService, PollPolicy, PollSender
from bot.feedback.slack import register as register_feedback
from bot.metrics.instrument import InstrumentedNotifier, instrument
from bot.metrics.slack import StatsPoster
from bot.store import Store
from bot.workflow import Notifier

Job = Callable[[datetime], Any]


@dataclass
class Outcomes:
    feedback: FeedbackService
    polls: PollSender
    stats: StatsPoster
    digest_channel: str | None

    def feedback_job(self, now: datetime) -> list[int]:
        return self.polls.send_due(now)

    def digest_job(self, now: datetime) -> str | None:
        return self.stats.digest(self.digest_channel, now)

    @property
    def jobs(self) -> dict[str, Job]:
        """Scheduled jobs by the names in `config.schedules`."""
        return {"feedback": self.feedback_job, "digest": self.digest_job}


def instrument_notifier(
    notifier: Notifier, registry: CollectorRegistry, store: Store, approval_ttl: timedelta
) -> InstrumentedNotifier:
    return instrument(notifier, registry, store, approval_ttl=approval_ttl)


def attach_outcomes(
    *,
    bolt: App,
    client: WebClient,
    store: Store,
    config: AppConfig,
    clock: Clock,
    paths: Sequence[str],
    extra_commands: dict[str, Any],
) -> Outcomes:
    service = FeedbackService(store, PollPolicy.from_config(config.feedback))
    feedback_command = register_feedback(bolt, client, service, clock, paths)
    stats = StatsPoster(client, store, clock.now, tuple(config.teams))
    extra_commands["feedback"] = feedback_command
    extra_commands["stats"] = stats.stats_command
    return Outcomes(
        feedback=service,
        polls=PollSender(client, service, config.feedback.fatigue_days),
        stats=stats,
        digest_channel=config.channels.platform,
    )
