"""Steps on Temporal: the `Executor` port for a fleet (`executor: temporal` in the config).

    TemporalConnection  a Temporal client on an event loop of its own, for sync callers (connection.py)
    TemporalExecutor    submit/drain: one Temporal workflow per (request, step)        (executor.py)
    StepWorkflow        the workflow: run the step activity, again if re-submitted     (workflows.py)
    StepActivities      the activity: the workflow's own step function, heartbeating   (activities.py)
    StepWorker          a Temporal worker polling the task queue (`platformbot worker`) (worker.py)

The request state machine stays in the database (compare-and-set transitions); Temporal only
decides where and when a step runs, retries it, and notices a dead worker by its missing heartbeats.
"""

from __future__ import annotations

from bot.temporal.connection import TemporalConnection
from bot.temporal.executor import TemporalExecutor
from bot.temporal.worker import StepWorker

__all__ = ["StepWorker", "TemporalConnection", "TemporalExecutor"]
