"""The Executor port on Temporal: `submit` starts (or signals) the step's workflow; any worker on
the task queue runs it. See workflows.py for why a duplicate submit cannot start a second run.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from temporalio.client import WorkflowExecutionStatus
from temporalio.common import WorkflowIDReusePolicy
from temporalio.service import RPCError

from bot.temporal.connection import TemporalConnection
from bot.temporal.workflows import AGAIN, StepJob, StepWorkflow, workflow_id
from bot.workflow.model import Step
from bot.workflow.ports import StepRunner

log = logging.getLogger(__name__)

if TYPE_CHECKING:
    from intents.intent import Intent
    from provisioners.plan import DriftReport

DriftCheck = Callable[["Intent"], "DriftReport"]


@dataclass(frozen=True)
class StepOptions:
    task_queue: str = "platformbot"
    heartbeat_timeout_seconds: float = 30.0
    max_attempts: int = 5
    # The stack lease (bot.workflow.locks.LeaseTimes): a retried step waits out a dead worker's.
    lease_ttl_seconds: float = 30.0
    lease_renew_seconds: float = 10.0


class TemporalExecutor:
    """Steps as Temporal workflows. `bind` matters only in a process that runs a `StepWorker`:
    the worker's activity calls the bound step runner (the workflow's own step functions)."""

    def __init__(self, connection: TemporalConnection, options: StepOptions | None = None) -> None:
        self._connection = connection
        self.options = options or StepOptions()
        self._run: StepRunner | None = None
        # The engine's drift check, for this process's worker (bot/temporal/drift.py).
        self._drift: DriftCheck | None = None
        # Workflows started from here and not yet seen closed; drain asks the server about each.
        self._started: set[str] = set()
        self._lock = threading.Lock()

    def bind(self, run: StepRunner) -> None:
        self._run = run

    def bind_drift(self, check: DriftCheck) -> None:
        """What a drift check means on this process's worker (the real engine's `drift`)."""
        self._drift = check

    @property
    def drift_check(self) -> DriftCheck | None:
        return self._drift

    def run_step(self, step: Step, request_id: str) -> object:
        if self._run is None:
            raise RuntimeError("TemporalExecutor has no step runner: build the Workflow with it first")
        return self._run(step, request_id)

    def submit(self, step: Step, request_id: str) -> None:
        job = StepJob(
            step=step.value,
            request_id=request_id,
            heartbeat_timeout_seconds=self.options.heartbeat_timeout_seconds,
            max_attempts=self.options.max_attempts,
        )
        wid = workflow_id(self.options.task_queue, step.value, request_id)
        self._connection.call(self._start(job, wid))
        with self._lock:
            self._started.add(wid)

    async def _start(self, job: StepJob, wid: str) -> None:
        await self._connection.client.start_workflow(
            StepWorkflow.run,
            job,
            id=wid,
            task_queue=self.options.task_queue,
            # Signal-with-start: start it, or tell the running one to run once more.
            start_signal=AGAIN,
            # A step may run again after its workflow closed (a later approval, a freed stack).
            id_reuse_policy=WorkflowIDReusePolicy.ALLOW_DUPLICATE,
        )

    def drain(self, timeout: float = 30.0) -> None:
        """Wait until no step workflow on the task queue is open. Steps submitted by steps may be
        started by another process (a worker), so the server's list is asked too; its visibility
        store lags a little, hence two quiet looks in a row."""
        deadline = time.monotonic() + timeout
        quiet = 0
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError(f"step workflows still open on {self.options.task_queue} after {timeout}s")
            busy = self._connection.call(self._open_count(), timeout=max(left, 1.0))
            quiet = quiet + 1 if busy == 0 else 0
            if quiet >= 2:
                return
            if time.monotonic() >= deadline:
                raise TimeoutError(
                    f"{busy} step workflow(s) still open on {self.options.task_queue} after {timeout}s"
                )
            time.sleep(min(0.1, max(deadline - time.monotonic(), 0)))

    async def _open_count(self) -> int:
        client = self._connection.client
        with self._lock:
            mine = sorted(self._started)
        open_mine = 0
        for wid in mine:
            try:
                status = (await client.get_workflow_handle(wid).describe()).status
            except RPCError:
                status = None
            if status == WorkflowExecutionStatus.RUNNING:
                open_mine += 1
            else:
                with self._lock:
                    self._started.discard(wid)
        query = f'TaskQueue = "{self.options.task_queue}" AND ExecutionStatus = "Running"'
        listed = (await client.count_workflows(query)).count
        return open_mine + listed


if TYPE_CHECKING:
    from bot.workflow.ports import Executor

    def _fits(executor: TemporalExecutor) -> Executor:
        return executor
