"""The activity every step workflow runs: the same step function the in-process executor runs
(the workflow's plan or apply), on a thread, with a heartbeat while it runs. A worker that dies
stops heartbeating; Temporal then gives the step to another worker after the heartbeat timeout.
"""

from __future__ import annotations

import asyncio
import logging
import time
from concurrent.futures import ThreadPoolExecutor

from temporalio import activity
from temporalio.exceptions import ApplicationError

from bot.temporal.executor import TemporalExecutor
from bot.temporal.workflows import ACTIVITY, NOT_RETRIED, StepJob
from bot.workflow.applier import StackStillLeased
from bot.workflow.model import Step

log = logging.getLogger(__name__)


class StepActivities:
    def __init__(self, executor: TemporalExecutor, threads: ThreadPoolExecutor) -> None:
        self._executor = executor
        self._threads = threads

    @activity.defn(name=ACTIVITY)
    async def run_step(self, job: StepJob) -> None:
        step = Step(job.step)
        info = activity.info()
        if info.attempt > 1:
            log.warning(
                "%s of %s: attempt %d (an earlier one stopped or failed)", step, job.request_id, info.attempt
            )
        loop = asyncio.get_running_loop()
        # A dead worker's lease outlives its heartbeat by up to a lease: wait that out here.
        patience = 3 * job.heartbeat_timeout_seconds
        task = loop.run_in_executor(self._threads, self._call, step, job.request_id, patience)
        # A third of the timeout: two heartbeats may be late before Temporal gives up on this worker.
        every = max(job.heartbeat_timeout_seconds / 3, 0.2)
        while True:
            done, _ = await asyncio.wait({task}, timeout=every)
            if done:
                break
            activity.heartbeat()
        task.result()

    def _call(self, step: Step, request_id: str, patience: float) -> None:
        """Run the step; an apply whose stack is still leased by the attempt that stopped (on a
        worker Temporal gave up on) is asked again until that lease expired and it resumes here."""
        deadline = time.monotonic() + patience
        while True:
            try:
                self._executor.run_step(step, request_id)
                return
            except StackStillLeased:
                if time.monotonic() > deadline:
                    # Retryable: Temporal asks again later; the lease expires if its holder is dead.
                    raise ApplicationError(f"{step} of {request_id}: stack still leased") from None
                time.sleep(1.0)
            except Exception as exc:
                log.exception("step %s of %s failed", step, request_id)
                # Only the type goes to Temporal's history: the message may hold anything.
                raise ApplicationError(
                    f"{step} of {request_id} raised {type(exc).__name__}",
                    type=NOT_RETRIED[0],
                    non_retryable=True,
                ) from None
