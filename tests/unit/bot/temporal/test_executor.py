"""The Temporal executor against a real dev server (tests/support/temporal.py): what it adds to
the Executor contract (tests/unit/bot/workflow/test_executor_contract.py runs that for it too)."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.devtools.sandbox.postgres import free_port
from bot.temporal import StepWorker, TemporalConnection, TemporalExecutor
from bot.temporal.connection import TemporalUnavailable
from bot.temporal.executor import StepOptions
from bot.temporal.workflows import workflow_id
from bot.workflow import Step
from tests.support.temporal import dev_server, unique_task_queue

REPO = Path(__file__).resolve().parents[4]


class Recorder:
    def __init__(self, name: str, gate: threading.Event | None = None) -> None:
        self.name = name
        self.gate = gate
        self.ran: list[tuple[Step, str]] = []
        self.started = threading.Event()

    def __call__(self, step: Step, request_id: str) -> None:
        self.started.set()
        if self.gate is not None:
            assert self.gate.wait(60)
        self.ran.append((step, request_id))


@pytest.fixture
def options() -> StepOptions:
    return StepOptions(task_queue=unique_task_queue(), heartbeat_timeout_seconds=2.0)


@pytest.fixture
def connection() -> Iterator[TemporalConnection]:
    opened = TemporalConnection(dev_server().address)
    try:
        yield opened
    finally:
        opened.close()


def test_workflow_ids_are_bound_to_the_installation_the_request_and_the_step() -> None:
    assert workflow_id("q", "plan", "PB-7") == workflow_id("q", "plan", "PB-7")
    ids = {
        workflow_id("q", "plan", "PB-7"),
        workflow_id("q", "apply", "PB-7"),
        workflow_id("q", "plan", "PB-8"),
        workflow_id("other", "plan", "PB-7"),
    }
    assert len(ids) == 4


def test_another_installations_waiting_step_with_the_same_request_id_does_not_swallow_ours(
    connection: TemporalConnection, options: StepOptions
) -> None:
    # Another bot on the same namespace submits PB-1's plan; nothing polls its task queue.
    theirs = TemporalExecutor(connection, StepOptions(task_queue=unique_task_queue("theirs")))
    theirs.submit(Step.PLAN, "PB-1")
    ours = TemporalExecutor(connection, options)
    steps = Recorder("ours")
    ours.bind(steps)
    worker = StepWorker(connection, ours, concurrency=1).start()
    try:
        ours.submit(Step.PLAN, "PB-1")
        assert steps.started.wait(30), "our step was handed to the other installation's workflow"
        ours.drain(30)
    finally:
        worker.stop()
    assert steps.ran == [(Step.PLAN, "PB-1")]


def test_submits_made_before_any_worker_polls_coalesce_into_one_run(
    connection: TemporalConnection, options: StepOptions
) -> None:
    executor = TemporalExecutor(connection, options)
    steps = Recorder("only")
    executor.bind(steps)
    for _ in range(3):
        executor.submit(Step.PLAN, "PB-1")  # a Slack retry, a double click, a restart's resume
    worker = StepWorker(connection, executor, concurrency=1).start()
    try:
        executor.drain(30)
    finally:
        worker.stop()
    assert steps.ran == [(Step.PLAN, "PB-1")]


def test_a_step_submitted_after_its_workflow_closed_runs_again(
    connection: TemporalConnection, options: StepOptions
) -> None:
    executor = TemporalExecutor(connection, options)
    steps = Recorder("only")
    executor.bind(steps)
    worker = StepWorker(connection, executor, concurrency=1).start()
    try:
        executor.submit(Step.APPLY, "PB-2")
        executor.drain(30)
        executor.submit(Step.APPLY, "PB-2")  # e.g. the stack it waited for was let go of
        executor.drain(30)
    finally:
        worker.stop()
    assert steps.ran == [(Step.APPLY, "PB-2"), (Step.APPLY, "PB-2")]


# A worker in a process of its own whose step never ends: it says so, then waits to be killed.
STUCK_WORKER = textwrap.dedent(
    """
    import sys, threading
    from bot.temporal import StepWorker, TemporalConnection, TemporalExecutor
    from bot.temporal.executor import StepOptions

    address, queue = sys.argv[1:3]
    connection = TemporalConnection(address)
    executor = TemporalExecutor(connection, StepOptions(task_queue=queue, heartbeat_timeout_seconds=2.0))

    def stuck(step, request_id):
        print("started", step, request_id, flush=True)
        threading.Event().wait()

    executor.bind(stuck)
    StepWorker(connection, executor, concurrency=1).start().wait()
    """
)


def test_a_step_whose_worker_is_killed_runs_on_another_worker(
    connection: TemporalConnection, options: StepOptions
) -> None:
    child = subprocess.Popen(
        [sys.executable, "-c", STUCK_WORKER, dev_server().address, options.task_queue],
        cwd=REPO,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        executor = TemporalExecutor(connection, options)
        executor.submit(Step.APPLY, "PB-3")
        assert child.stdout is not None
        assert child.stdout.readline().split() == ["started", "apply", "PB-3"]
        child.kill()  # SIGKILL: no goodbye to the server, the heartbeats just stop
        child.wait(10)
        survivor = Recorder("second")
        executor.bind(survivor)
        worker = StepWorker(connection, executor, concurrency=1).start()
        try:
            executor.drain(60)
        finally:
            worker.stop()
        assert survivor.ran == [(Step.APPLY, "PB-3")]
    finally:
        if child.poll() is None:
            child.kill()
            child.wait(10)


def test_an_unreachable_server_is_reported_as_unavailable() -> None:
    with pytest.raises(TemporalUnavailable, match="cannot reach Temporal"):
        TemporalConnection(f"127.0.0.1:{free_port()}", connect_timeout=20)
