"""Errors of the scheduler (drift's errors are in bot/drift/errors.py).

They extend the core's WorkflowError, so `.message` is safe to show a Slack user and the Slack
listeners' `user_errors` shows it as it is.

    WorkflowError (bot.errors)
    └── ScheduleError              base of this package
        ├── InvalidSchedule        a cron expression in the config cannot be read (raised at start)
        └── UnknownJob             a job name with no cron in the config and none given
"""

from __future__ import annotations

from bot.errors import WorkflowError


class ScheduleError(WorkflowError):
    pass


class InvalidSchedule(ScheduleError):
    def __init__(self, job_id: str, cron: str, reason: str) -> None:
        super().__init__(f"schedules.{job_id}: `{cron}` is not a usable cron expression ({reason}).")
        self.job_id = job_id


class UnknownJob(ScheduleError):
    def __init__(self, job_id: str) -> None:
        super().__init__(f"There is no schedule for job `{job_id}`: add one under `schedules` in the config.")
        self.job_id = job_id
