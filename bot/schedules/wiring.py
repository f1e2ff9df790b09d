"""Builds the scheduled work into a PlatformBot: the scheduler, drift check-ins (job, buttons,
`/platform drift`), approval reminders and expiry. Called once by the app factory.

Other parts hand in their jobs by name (the cron comes from `config.schedules.<name>`), here or
later on the bot:
    install_schedules(bot, jobs={"feedback": send_polls, "digest": post_digest})
    bot.schedules.register("feedback", send_polls)
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from typing import TYPE_CHECKING

from bot.clock import ManualClock
from bot.drift import slack as slack_drift
from bot.drift.actions import DriftActions
from bot.drift.checker import DriftChecker
from bot.schedules.reminders import Reminders
from bot.schedules.scheduler import JobFn, Schedules

if TYPE_CHECKING:
    from bot.app import PlatformBot

TICK_SECONDS = 30.0


def install_schedules(
    bot: PlatformBot, jobs: Mapping[str, JobFn] | None = None
) -> tuple[Schedules, DriftChecker]:
    config = bot.config
    schedules = Schedules(
        bot.store,
        bot.clock,
        config.schedules.model_dump(),
        timezone=config.timezone,
        # A ManualClock moves only when a test moves it; that test calls run_due itself.
        tick_seconds=None if isinstance(bot.clock, ManualClock) else TICK_SECONDS,
    )
    notifier = slack_drift.SlackDriftNotifier(bot.client, config)
    checker = DriftChecker(
        store=bot.store,
        runner=bot.runner,
        notifier=notifier,
        clock=bot.clock,
        concurrency=config.drift_concurrency,
    )
    actions = DriftActions(
        findings=checker.findings,
        workflow=bot.workflow,
        catalog=bot.catalog,
        notifier=notifier,
        clock=bot.clock,
        actor_of=bot.services.actor,
        channel=config.channels.requests,
        admins=config.admins,
    )
    reminders = Reminders(
        store=bot.store,
        workflow=bot.workflow,
        remind=bot.notifier.approval_reminder,
        every=timedelta(hours=config.reminder_every_hours),
        approval_ttl=config.approval_ttl,
    )
    schedules.register("drift", checker.run)
    schedules.register("reminders", reminders.run)
    schedules.register("expiry", bot.workflow.expire_due)
    for job_id, fn in (jobs or {}).items():
        schedules.register(job_id, fn)
    slack_drift.register(bot.bolt, actions)
    bot.services.extra_commands["drift"] = slack_drift.drift_command(checker, bot.worker)
    return schedules, checker
