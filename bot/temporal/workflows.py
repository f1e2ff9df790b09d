"""The Temporal workflow that runs one step of one request. It runs inside Temporal's
deterministic sandbox, so it imports nothing of the bot: the activity is named, not imported.

Its id is bound to the request and the step (`workflow_id`), and the executor starts it with
signal-with-start: a submit while the step is queued or running does not start a second
workflow; it marks the running one to run the step once more when the current run ends. That
keeps both promises of the Executor port: duplicates coalesce, and a re-submit (the stack was let
go of while this step looked at it) is never lost.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError

WORKFLOW = "platformbot.step"
ACTIVITY = "platformbot.run_step"
AGAIN = "again"
# A step's failures are the workflow's own business (it marks the request failed and says why);
# what escapes it is a bug, so it is not retried. Timeouts (a dead worker) always are.
NOT_RETRIED = ["StepFailed"]


@dataclass(frozen=True)
class StepJob:
    step: str
    request_id: str
    heartbeat_timeout_seconds: float = 30.0
    max_attempts: int = 5


def workflow_id(task_queue: str, step: str, request_id: str) -> str:
    """Workflow ids are unique per namespace, request ids only per installation (its database):
    the task queue names the installation, so two bots sharing a namespace never signal each
    other's steps (a step of theirs with no worker would swallow ours)."""
    return f"{task_queue}/{request_id}/{step}"


@workflow.defn(name=WORKFLOW)
class StepWorkflow:
    def __init__(self) -> None:
        self._again = False

    @workflow.signal(name=AGAIN)
    def again(self) -> None:
        self._again = True

    @workflow.run
    async def run(self, job: StepJob) -> int:
        """Run the step until no submit came in during the last run; returns how many runs."""
        runs = 0
        while True:
            self._again = False
            try:
                await workflow.execute_activity(
                    ACTIVITY,
                    job,
                    # Applies can be long; a dead worker is noticed by the heartbeat timeout instead.
                    start_to_close_timeout=timedelta(hours=6),
                    heartbeat_timeout=timedelta(seconds=job.heartbeat_timeout_seconds),
                    retry_policy=RetryPolicy(
                        initial_interval=timedelta(seconds=1),
                        maximum_interval=timedelta(seconds=30),
                        maximum_attempts=job.max_attempts,
                        non_retryable_error_types=NOT_RETRIED,
                    ),
                )
            except ActivityError:
                # Logged by the activity where it failed; a re-submit meanwhile still runs.
                workflow.logger.warning("%s of %s ended with an error", job.step, job.request_id)
            runs += 1
            if not self._again:
                return runs


DRIFT_WORKFLOW = "platformbot.drift_check"
DRIFT_ACTIVITY = "platformbot.check_drift"
# What a drift check's activity raises for the engine's own refusals (bot/temporal/drift.py):
# the sweep reports them; running the check again would not change the answer.
DRIFT_BUSY, DRIFT_REFUSED, DRIFT_UNEXPECTED = "StackBusy", "ProvisionerError", "DriftCheckFailed"
DRIFT_NOT_RETRIED = [DRIFT_BUSY, DRIFT_REFUSED, DRIFT_UNEXPECTED]


@dataclass(frozen=True)
class DriftJob:
    intent: dict[str, Any]
    stack: str
    heartbeat_timeout_seconds: float = 30.0
    max_attempts: int = 5


def drift_workflow_id(task_queue: str, stack: str) -> str:
    """One check per stack at a time across the fleet (see workflow_id for the task queue)."""
    return f"{task_queue}/drift/{stack}"


@workflow.defn(name=DRIFT_WORKFLOW)
class DriftCheckWorkflow:
    """One stack's drift check on a worker; its answer is the DriftReport, as JSON."""

    @workflow.run
    async def run(self, job: DriftJob) -> dict[str, Any]:
        answer: dict[str, Any] = await workflow.execute_activity(
            DRIFT_ACTIVITY,
            job,
            # A refresh preview of a big stack can take minutes; a dead worker shows by its heartbeats.
            start_to_close_timeout=timedelta(hours=1),
            heartbeat_timeout=timedelta(seconds=job.heartbeat_timeout_seconds),
            retry_policy=RetryPolicy(
                initial_interval=timedelta(seconds=1),
                maximum_interval=timedelta(seconds=10),
                maximum_attempts=job.max_attempts,
                non_retryable_error_types=DRIFT_NOT_RETRIED,
            ),
        )
        return answer
