"""The activity every step workflow runs: the same step function the in-process executor runs
(the workflow's plan or apply), on a thread, with a heartbeat while it runs. A worker that dies
stops heartbeating; Temporal then gives the step to another worker after the heartbeat timeout.

A retried step goes on from where the database says the request is, not from where the step
began: an allowed request is applied inside its plan step (under the plan's lease, no second
preview), so a plan step whose worker died mid-apply finds the request `applying`, and only the
apply step resumes that. The retry waits out the dead worker's lease meanwhile.
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
from bot.workflow.locks import LeasedElsewhere
from bot.workflow.model import Request, RequestState, Step

log = logging.getLogger(__name__)
# How often a step that found its stack leased by a stopped attempt asks again.
_ASK_EVERY_SECONDS = 1.0


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
        task = loop.run_in_executor(self._threads, self._call, step, job.request_id, self._patience())
        # A third of the timeout: two heartbeats may be late before Temporal gives up on this worker.
        every = max(job.heartbeat_timeout_seconds / 3, 0.2)
        while True:
            done, _ = await asyncio.wait({task}, timeout=every)
            if done:
                break
            activity.heartbeat()
        task.result()

    def _patience(self) -> float:
        """How long one attempt waits for a stopped attempt's lease: a whole lease (it was renewed
        just before its worker died) and one renewal more (its last renewal may be in flight). A
        holder still alive after that is not dead: Temporal asks again after its backoff."""
        options = self._executor.options
        return options.lease_ttl_seconds + options.lease_renew_seconds

    def _call(self, step: Step, request_id: str, patience: float) -> None:
        deadline = time.monotonic() + patience
        done = self._until_unleased(step, request_id, deadline)
        if step is Step.PLAN and isinstance(done, Request) and done.state is RequestState.APPLYING:
            log.warning("%s: left applying by a stopped plan step; resuming its apply", request_id)
            self._until_unleased(Step.APPLY, request_id, deadline)

    def _until_unleased(self, step: Step, request_id: str, deadline: float) -> object:
        """Run the step; a step whose stack is still leased by the attempt that stopped (on a
        worker Temporal gave up on) is asked again until that lease expired and it goes on here."""
        while True:
            try:
                return self._executor.run_step(step, request_id)
            except (StackStillLeased, LeasedElsewhere):
                if time.monotonic() > deadline:
                    # Retryable: Temporal asks again later; the lease expires if its holder is dead.
                    raise ApplicationError(f"{step} of {request_id}: stack still leased") from None
                time.sleep(_ASK_EVERY_SECONDS)
            except Exception as exc:
                log.exception("step %s of %s failed", step, request_id)
                # Only the type goes to Temporal's history: the message may hold anything.
                raise ApplicationError(
                    f"{step} of {request_id} raised {type(exc).__name__}",
                    type=NOT_RETRIED[0],
                    non_retryable=True,
                ) from None
