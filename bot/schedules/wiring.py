"""Builds the scheduled work: the scheduler, approval reminders and expiry, and the jobs other
parts hand in by name (the cron comes from `config.schedules.<name>`). Called once by the app
factory, with the parts it needs rather than the whole bot:

    install_schedules(store=store, clock=clock, config=config, workflow=workflow,
                      remind=notifier.approval_reminder, jobs={"drift": drift.checker.run},
                      environments=expiry.run)
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime, timedelta

from bot.clock import Clock, ManualClock
from bot.config import AppConfig
from bot.schedules.cron import longest_gap
from bot.schedules.reminders import Reminders
from bot.schedules.scheduler import JobFn, Schedules
from bot.store import Store
from bot.workflow import Request, Workflow

TICK_SECONDS = 30.0


def install_schedules(
    *,
    store: Store,
    clock: Clock,
    config: AppConfig,
    workflow: Workflow,
    remind: Callable[[Request, str, int], None],
    jobs: Mapping[str, JobFn] | None = None,
    environments: JobFn | None = None,
) -> Schedules:
    """`environments`: the expiry of environments (ttl=, bot.workflow.expiry), run in the `expiry`
    job after the approval windows' expiry, on the same cron."""
    schedules = Schedules(
        store,
        clock,
        config.schedules.model_dump(),
        timezone=config.timezone,
        # A ManualClock moves only when a test moves it; that test calls run_due itself.
        tick_seconds=None if isinstance(clock, ManualClock) else TICK_SECONDS,
    )
    reminders = Reminders(
        store=store,
        workflow=workflow,
        remind=remind,
        every=timedelta(hours=config.reminder_every_hours),
        approval_ttl=config.approval_ttl,
    )
    schedules.register("reminders", reminders.run)
    schedules.register("expiry", _expiry_job(workflow, environments))
    for job_id, fn in (jobs or {}).items():
        schedules.register(job_id, fn)
    return schedules


def job_every(config: AppConfig, job_id: str, clock: Clock) -> timedelta | None:
    """How late a job may run after its moment: the longest gap of its cron, plus the tick that
    finds the slot due (None: switched off). What messages promise ("within 2 minutes")."""
    gap = longest_gap(str(getattr(config.schedules, job_id)), config.timezone, clock.now())
    if gap is None:
        return None
    return gap if isinstance(clock, ManualClock) else gap + timedelta(seconds=TICK_SECONDS)


def _expiry_job(workflow: Workflow, environments: JobFn | None) -> JobFn:
    if environments is None:
        return workflow.expire_due

    def expire(now: datetime) -> object:
        # Two kinds of expiry, one slot: an approval window that closed, an environment whose ttl ran out.
        return {"requests": workflow.expire_due(now), "environments": environments(now)}

    return expire
