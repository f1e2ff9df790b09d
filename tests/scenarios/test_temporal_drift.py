"""Drift checks as a Temporal activity (`executor: temporal`): the sweep, on the replica that won
its slot, hands each stack's check to the task queue; a worker runs the engine's refresh preview;
the finding is posted in the request's thread as with in-process checks. Real parts: a Temporal
dev server, the Pulumi engine, PostgreSQL (a hand-set connection limit is the drift), the emulator.

The replica and the worker are two `Execution`s on two Temporal connections, as two processes
have them (bot/temporal/wiring.py: `drift_runner` sends from one, the worker of the other runs);
the replica's sweep is the drift feature as the app builds it, handed its Execution.
"""

from __future__ import annotations

import html
import threading
from collections.abc import Iterator
from dataclasses import dataclass

import psycopg
import pytest

from bot.drift.feature import Drift
from bot.temporal import StepWorker, TemporalConnection, TemporalExecutor
from bot.temporal.executor import StepOptions
from bot.temporal.wiring import Execution
from bot.temporal.workflows import DRIFT_WORKFLOW
from bot.workflow import RequestState, ThreadExecutor
from intents import Intent
from provisioners import DriftReport, ProvisionerError, Runner
from tests.support.postgres import PostgresServer
from tests.support.scenario import Scenario
from tests.support.temporal import dev_server, unique_task_queue

pytestmark = [pytest.mark.engine, pytest.mark.postgres]


class CountingChecks:
    """The worker's drift check: the real engine's, counting the stacks it checked."""

    def __init__(self, runner: Runner) -> None:
        self._runner = runner
        self.stacks: list[str] = []
        self._lock = threading.Lock()

    def __call__(self, intent: Intent) -> DriftReport:
        report = self._runner.drift(intent)
        with self._lock:
            self.stacks.append(report.stack)
        return report


@dataclass
class TwoSides:
    replica: Execution
    worker_checks: CountingChecks
    task_queue: str


def _execution(address: str, task_queue: str) -> Execution:
    connection = TemporalConnection(address)
    executor = TemporalExecutor(connection, StepOptions(task_queue=task_queue, heartbeat_timeout_seconds=5))
    return Execution(executor, executor, connection)


@pytest.fixture
def sides(scenario: Scenario) -> Iterator[TwoSides]:
    server = dev_server()
    task_queue = unique_task_queue("drift")
    replica = _execution(server.address, task_queue)
    worker_side = _execution(server.address, task_queue)
    checks = CountingChecks(scenario.bot.runner)
    assert worker_side.temporal is not None and worker_side.connection is not None
    # What `platformbot worker` has: its own app's runner bound as the worker's drift check.
    worker_side.drift_runner(scenario.bot.runner)
    worker_side.temporal.bind_drift(checks)
    worker = StepWorker(worker_side.connection, worker_side.temporal, concurrency=2).start()
    try:
        yield TwoSides(replica, checks, task_queue)
    finally:
        worker.stop()
        worker_side.close()
        replica.close()


def _admin(server: PostgresServer, sql: str) -> None:
    with psycopg.connect(server.dsn(), autocommit=True) as conn:
        conn.execute(sql)


def _drift_workflows(execution: Execution, task_queue: str) -> int:
    assert execution.connection is not None
    client = execution.connection.client
    query = (
        f'TaskQueue = "{task_queue}" AND WorkflowType = "{DRIFT_WORKFLOW}" AND ExecutionStatus = "Completed"'
    )
    return execution.connection.call(client.count_workflows(query)).count


def test_a_drift_found_by_a_worker_is_posted_in_the_thread_as_in_process(
    scenario: Scenario, sides: TwoSides, postgres_server: PostgresServer
) -> None:
    scenario.driver.slash_command("request postgres-database twdrift env=dev size=small", user="U0REQ")
    request = scenario.settled_request()
    assert request.state is RequestState.SUCCEEDED, request.error
    bot = scenario.bot
    # What create_app builds with `executor: temporal` (its Execution handed to the drift feature).
    checker = Drift.build(
        store=bot.store,
        runner=bot.runner,
        client=bot.client,
        config=bot.config,
        workflow=bot.workflow,
        catalog=bot.catalog,
        clock=scenario.clock,
        actor_of=bot.services.actor,
        execution=sides.replica,
    ).checker

    quiet = checker.sweep()
    assert quiet.checked == (request.stack_name,) and quiet.posted == ()
    _admin(postgres_server, "ALTER ROLE twdrift_dev_owner CONNECTION LIMIT 37")
    found = checker.sweep()

    assert found.checked == (request.stack_name,) and len(found.posted) == 1
    assert sides.worker_checks.stacks == [request.stack_name, request.stack_name]
    assert _drift_workflows(sides.replica, sides.task_queue) == 2
    posted = scenario.wait_for(
        lambda: next((m for m in scenario.thread_of(request.id) if m.find_element("drift_accept")), None)
    )
    assert "connection_limit: 10 => 37" in html.unescape(posted.all_text)
    assert all(posted.find_element(a) for a in ("drift_reconcile", "drift_accept", "drift_snooze"))
    # Found again by the next sweep's worker: the same finding is not posted twice.
    assert checker.sweep().posted == ()


def test_a_check_the_engine_refuses_comes_back_as_its_own_user_safe_error(
    scenario: Scenario, sides: TwoSides
) -> None:
    runner = sides.replica.drift_runner(scenario.bot.runner)
    never_built = Intent(path="postgres-database", name="twnever", env="dev", params={"size": "small"})

    with pytest.raises(ProvisionerError) as refused:
        runner.drift(never_built)

    with pytest.raises(ProvisionerError) as expected:
        scenario.bot.runner.drift(never_built)
    assert refused.value.message == expected.value.message
    assert sides.worker_checks.stacks == []  # the engine refused before any report


def test_in_process_the_sweep_checks_with_the_engine_itself(scenario: Scenario) -> None:
    inprocess = Execution(ThreadExecutor(scenario.bot.worker))
    assert inprocess.drift_runner(scenario.bot.runner) is scenario.bot.runner
