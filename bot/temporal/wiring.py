"""Which Executor the application gets: `executor: inprocess` (the default: this process's
threads, no server needed) or `executor: temporal` (steps go to Temporal workers)."""

from __future__ import annotations

from dataclasses import dataclass

from bot.config import AppConfig
from bot.temporal.connection import TemporalConnection
from bot.temporal.executor import StepOptions, TemporalExecutor
from bot.workflow import Executor, ThreadExecutor, ThreadPool


@dataclass
class Execution:
    executor: Executor
    # Set with `executor: temporal`; `platformbot worker` runs a StepWorker on them.
    temporal: TemporalExecutor | None = None
    connection: TemporalConnection | None = None

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
