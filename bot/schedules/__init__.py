"""Scheduled work: the scheduler (APScheduler, one run per slot across processes), cron parsing,
approval reminders and alerts. Drift check-ins are a package of their own (bot/drift) whose sweep
is one of the jobs.

schedules = Schedules(store, clock, config.schedules.model_dump(), timezone=config.timezone)
schedules.register("feedback", send_polls)   # fn(now); the cron comes from config.schedules
schedules.run_due(now)                       # run what is due at `now` (ticks do this; so do tests)
"""

from __future__ import annotations

from bot.schedules.errors import InvalidSchedule, ScheduleError, UnknownJob
from bot.schedules.scheduler import JobFn, JobRun, Schedules

__all__ = [
    "InvalidSchedule",
    "JobFn",
    "JobRun",
    "ScheduleError",
    "Schedules",
    "UnknownJob",
]
