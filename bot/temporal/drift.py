"""Drift checks as a Temporal activity: with `executor: temporal` the sweep (on whichever replica
won the schedule slot) hands each stack's check to the task queue, and a `platformbot worker`
runs the engine's refresh preview. The sweep itself (what is a target, findings, what is posted)
stays in bot.drift, unchanged: only the `DriftRunner` port it calls is swapped.

    TemporalDriftRunner   the DriftRunner the sweep calls; one check = one short workflow
    DriftActivities       the activity a worker runs: the real `Runner.drift`, heartbeating

A check's workflow id is the stack's, so two sweeps (or a sweep and `/platform drift`) checking
one stack at once share one run on a worker rather than racing for its Pulumi lock.

A check's failure comes back as the engine's own user-safe error (StackBusy, or a
ProvisionerError with its message), so the sweep reports it as it does in-process.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from typing import Any

from temporalio import activity
from temporalio.client import WorkflowFailureError
from temporalio.common import WorkflowIDConflictPolicy, WorkflowIDReusePolicy
from temporalio.exceptions import ApplicationError
from temporalio.service import RPCError

from bot.temporal.connection import TemporalConnection, TemporalUnavailable
from bot.temporal.executor import DriftCheck
from bot.temporal.workflows import (
    DRIFT_ACTIVITY,
    DRIFT_BUSY,
    DRIFT_REFUSED,
    DRIFT_UNEXPECTED,
    DriftCheckWorkflow,
    DriftJob,
    drift_workflow_id,
)
from intents.intent import Intent
from provisioners.errors import ProvisionerError, StackBusy
from provisioners.plan import DriftReport

log = logging.getLogger(__name__)

# The error types an activity's failure carries back to the sweep (ApplicationError.type).
BUSY, REFUSED, UNEXPECTED = DRIFT_BUSY, DRIFT_REFUSED, DRIFT_UNEXPECTED
UNREACHABLE = "the drift check could not be run on a worker (Temporal did not answer); it is tried next sweep"


class TemporalDriftRunner:
    """`drift(intent)` on a worker: the sweep's threads each wait for one check's workflow."""

    def __init__(
        self,
        connection: TemporalConnection,
        task_queue: str,
        *,
        stack_name: Callable[[Intent], str],
        heartbeat_timeout_seconds: float = 30.0,
        max_attempts: int = 5,
        timeout_seconds: float = 600.0,
    ) -> None:
        self._connection = connection
        self._task_queue = task_queue
        self._stack_name = stack_name
        self._heartbeat = heartbeat_timeout_seconds
        self._attempts = max_attempts
        self._timeout = timeout_seconds

    def drift(self, intent: Intent) -> DriftReport:
        stack = self._stack_name(intent)
        job = DriftJob(
            intent=intent.model_dump(mode="json"),
            stack=stack,
            heartbeat_timeout_seconds=self._heartbeat,
            max_attempts=self._attempts,
        )
        try:
            answer = self._connection.call(self._execute(job), timeout=self._timeout)
        except WorkflowFailureError as exc:
            raise _translated(stack, exc) from exc
        except (TemporalUnavailable, RPCError) as exc:
            log.warning("drift check of %s did not reach a worker: %s", stack, exc)
            raise ProvisionerError(UNREACHABLE) from exc
        return DriftReport.model_validate(answer)

    async def _execute(self, job: DriftJob) -> dict[str, Any]:
        return await self._connection.client.execute_workflow(
            DriftCheckWorkflow.run,
            job,
            id=drift_workflow_id(self._task_queue, job.stack),
            task_queue=self._task_queue,
            # A check of this stack already running (another sweep's): wait for its answer.
            id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
            id_reuse_policy=WorkflowIDReusePolicy.ALLOW_DUPLICATE,
            # Bounded even when no worker polls: the sweep must end, the next one tries again.
            execution_timeout=timedelta(seconds=self._timeout),
        )


def _translated(stack: str, exc: WorkflowFailureError) -> Exception:
    """The activity's ApplicationError back into the engine's error (its message is user-safe:
    the activity only ever puts a ProvisionerError's message there); an unexpected failure stays
    unexpected, so the sweep reports it in its generic words, as in-process."""
    cause: BaseException | None = exc.cause
    while cause is not None and not isinstance(cause, ApplicationError):
        cause = cause.__cause__ or getattr(cause, "cause", None)
    if isinstance(cause, ApplicationError) and cause.type == BUSY:
        return StackBusy(stack)
    if isinstance(cause, ApplicationError) and cause.type == REFUSED:
        return ProvisionerError(cause.message)
    if isinstance(cause, ApplicationError) and cause.type == UNEXPECTED:
        return RuntimeError(f"drift check of {stack} {cause.message} on a worker")
    log.warning("drift check of %s failed on the worker side: %s", stack, exc)
    return ProvisionerError(
        f"The drift check of `{stack}` did not finish on a worker; the next sweep tries again."
    )


class DriftActivities:
    """What a worker does for a check: the engine's drift check on a thread, heartbeating."""

    def __init__(self, check: Callable[[], DriftCheck | None], threads: ThreadPoolExecutor) -> None:
        # Looked up per call: the process binds its runner after the worker object is built.
        self._check = check
        self._threads = threads

    @activity.defn(name=DRIFT_ACTIVITY)
    async def check_drift(self, job: DriftJob) -> dict[str, Any]:
        check = self._check()
        if check is None:
            raise ApplicationError("no drift runner bound here", type=UNEXPECTED, non_retryable=True)
        intent = Intent.model_validate(job.intent)
        loop = asyncio.get_running_loop()
        task = loop.run_in_executor(self._threads, _checked, check, intent)
        every = max(job.heartbeat_timeout_seconds / 3, 0.2)
        while True:
            done, _ = await asyncio.wait({task}, timeout=every)
            if done:
                break
            activity.heartbeat()
        return task.result()


def _checked(check: DriftCheck, intent: Intent) -> dict[str, Any]:
    try:
        return check(intent).model_dump(mode="json")
    except StackBusy as exc:
        raise ApplicationError(exc.message, type=BUSY, non_retryable=True) from None
    except ProvisionerError as exc:
        raise ApplicationError(exc.message, type=REFUSED, non_retryable=True) from None
    except Exception as exc:
        log.exception("drift check of %s/%s failed", intent.path, intent.name)
        # Only the type goes to Temporal's history: the message may hold anything.
        raise ApplicationError(f"raised {type(exc).__name__}", type=UNEXPECTED, non_retryable=True) from None
