"""Errors of the scheduled work (scheduler, drift findings and their buttons).

They extend the core's WorkflowError, so `.message` is safe to show a Slack user and the Slack
listeners' `user_errors` shows it as it is.

    WorkflowError (bot.errors)
    └── ScheduleError              base of this package
        ├── InvalidSchedule        a cron expression in the config cannot be read (raised at start)
        ├── UnknownJob             a job name with no cron in the config and none given
        └── DriftError             a drift action cannot be done
            ├── FindingNotFound    the button names a finding that does not exist
            └── FindingClosed      the drift was resolved or accepted meanwhile
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


class DriftError(ScheduleError):
    pass


class FindingNotFound(DriftError):
    def __init__(self, finding_id: int | str) -> None:
        super().__init__(f"There is no drift finding {finding_id}.")


class FindingClosed(DriftError):
    def __init__(self, finding_id: int, state: str) -> None:
        super().__init__(f"Drift finding {finding_id} is already {state}; nothing to do.")
        self.state = state
