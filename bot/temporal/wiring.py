"""Which Executor the application gets: `executor: inprocess` (the default: this process's
threads, no server needed) or `executor: temporal` (steps go to Temporal workers)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from bot.config import AppConfig
from bot.drift.ports import DriftRunner
from bot.temporal.connection import TemporalConnection
from bot.temporal.drift import TemporalDriftRunner
from bot.temporal.executor import StepOptions, TemporalExecutor
from bot.workflow import Executor, ThreadExecutor, ThreadPool
from intents.intent import Intent


class DriftEngine(DriftRunner, Protocol):
    """What checks drift in the process that runs the check (the provisioners' Runner)."""

    def stack_name(self, intent: Intent) -> str: ...


@dataclass
class Execution:
    executor: Executor
    # Set with `executor: temporal`; `platformbot worker` runs a StepWorker on them (steps and
    # drift checks: `drift_runner`).
    temporal: TemporalExecutor | None = None
    connection: TemporalConnection | None = None

    def drift_runner(self, runner: DriftEngine) -> DriftRunner:
        """What the drift sweep checks stacks with: the engine here (in-process), or a worker.

        With Temporal, `runner` is also bound as this process's worker's drift check: a replica
        only sends checks, a `platformbot worker` built from the same app runs them."""
        if self.temporal is None or self.connection is None:
            return runner
        self.temporal.bind_drift(runner.drift)
        options = self.temporal.options
        return TemporalDriftRunner(
            self.connection,
            options.task_queue,
            stack_name=runner.stack_name,
            heartbeat_timeout_seconds=options.heartbeat_timeout_seconds,
            max_attempts=options.max_attempts,
        )

    def close(self) -> None:
        if self.connection is not None:
            self.connection.close()


def build_execution(config: AppConfig, pool: ThreadPool) -> Execution:
    if config.executor == "inprocess":
        return Execution(ThreadExecutor(pool))
    settings = config.temporal
    connection = TemporalConnection(settings.address, settings.namespace)
    options = StepOptions(
        task_queue=settings.task_queue,
        heartbeat_timeout_seconds=settings.heartbeat_timeout_seconds,
        max_attempts=settings.max_attempts,
        lease_ttl_seconds=config.leases.ttl_seconds,
        lease_renew_seconds=config.leases.renew_seconds,
    )
    executor = TemporalExecutor(connection, options)
    return Execution(executor, executor, connection)
