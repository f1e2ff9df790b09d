"""A Temporal worker for the step workflows and drift checks: `platformbot worker` runs one; tests
run one in the test process. Its activities call the step runner and the drift check bound to the
given TemporalExecutor.
"""

from __future__ import annotations

from concurrent.futures import Future, ThreadPoolExecutor
from datetime import timedelta

from temporalio.worker import Worker
from temporalio.worker.workflow_sandbox import SandboxedWorkflowRunner, SandboxRestrictions

from bot.temporal.activities import StepActivities
from bot.temporal.connection import TemporalConnection
from bot.temporal.drift import DriftActivities
from bot.temporal.executor import TemporalExecutor
from bot.temporal.workflows import DriftCheckWorkflow, StepWorkflow


class StepWorker:
    def __init__(
        self, connection: TemporalConnection, executor: TemporalExecutor, *, concurrency: int = 4
    ) -> None:
        self._connection = connection
        self._threads = ThreadPoolExecutor(max_workers=concurrency, thread_name_prefix="platformbot-step")
        self._activities = StepActivities(executor, self._threads)
        # Drift checks share the step threads: `concurrency` bounds the engines this worker runs.
        self._drift = DriftActivities(lambda: executor.drift_check, self._threads)
        self._concurrency = concurrency
        self._task_queue = executor.options.task_queue
        self._worker: Worker | None = None
        self._running: Future[None] | None = None

    def start(self) -> StepWorker:
        self._worker = self._connection.call(self._build())
        self._running = self._connection.spawn(self._worker.run())
        return self

    async def _build(self) -> Worker:
        # Built on the client's loop: the SDK binds a worker to the loop it is created on.
        return Worker(
            self._connection.client,
            task_queue=self._task_queue,
            workflows=[StepWorkflow, DriftCheckWorkflow],
            # The workflow module imports only temporalio, but its package pulls in the bot (config
            # reads paths at import); those modules are shared as they are, not re-imported.
            workflow_runner=SandboxedWorkflowRunner(
                restrictions=SandboxRestrictions.default.with_passthrough_modules(
                    "bot", "intents", "rulebook", "provisioners"
                )
            ),
            activities=[self._activities.run_step, self._drift.check_drift],
            max_concurrent_activities=self._concurrency,
            # A step still running at shutdown is left to its heartbeat timeout and run elsewhere.
            graceful_shutdown_timeout=timedelta(seconds=5),
        )

    def done(self) -> bool:
        return self._running is not None and self._running.done()

    def wait(self, timeout: float | None = None) -> None:
        """Block until the worker stops (it raises here if it failed)."""
        assert self._running is not None, "start() first"
        self._running.result(timeout)

    def stop(self, timeout: float = 30.0) -> None:
        if self._worker is not None and self._running is not None and not self._running.done():
            self._connection.call(self._worker.shutdown(), timeout)
        self._threads.shutdown(wait=False, cancel_futures=True)
