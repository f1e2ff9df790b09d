"""The Executor port's contract, run against every implementation: the in-process threads and
Temporal (a real dev server and worker).

What the workflow relies on: every submitted step runs, on another thread than the caller's;
drain waits for steps that steps submitted; a failing step is logged and stops nothing; and a
step submitted again while it runs is run again, not dropped (the workflow's stack lock and
compare-and-set make the second run harmless, and a retry must never be lost).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator

import pytest

from bot.workflow import Executor, Step, ThreadExecutor, ThreadPool


def _threads() -> tuple[Executor, Callable[[], None]]:
    pool = ThreadPool(max_workers=2)
    return ThreadExecutor(pool), pool.shutdown


def _temporal() -> tuple[Executor, Callable[[], None]]:
    # A real dev server (tests/support/temporal.py) and a worker in this process.
    from tests.support.temporal import temporal_executor_with_worker

    return temporal_executor_with_worker()


IMPLEMENTATIONS = {"threads": _threads, "temporal": _temporal}


@pytest.fixture(params=sorted(IMPLEMENTATIONS))
def executor(request: pytest.FixtureRequest) -> Iterator[Executor]:
    built, close = IMPLEMENTATIONS[request.param]()
    try:
        yield built
    finally:
        close()


class Steps:
    """A step runner that records what ran, and can be told to fail or to wait."""

    def __init__(self) -> None:
        self.ran: list[tuple[Step, str]] = []
        self.threads: set[int] = set()
        self.fail: set[str] = set()
        self.then: dict[tuple[Step, str], tuple[Step, str]] = {}
        self.gate: threading.Event | None = None
        self.started = threading.Event()
        self.executor: Executor | None = None
        self._lock = threading.Lock()

    def __call__(self, step: Step, request_id: str) -> None:
        self.started.set()
        if self.gate is not None:
            assert self.gate.wait(10)
        with self._lock:
            self.ran.append((step, request_id))
            self.threads.add(threading.get_ident())
        if request_id in self.fail:
            raise RuntimeError(f"{step} of {request_id} blew up")
        follow_up = self.then.get((step, request_id))
        if follow_up is not None and self.executor is not None:
            self.executor.submit(*follow_up)


@pytest.fixture
def steps(executor: Executor) -> Steps:
    runner = Steps()
    runner.executor = executor
    executor.bind(runner)
    return runner


def test_submitted_steps_run_off_the_callers_thread(executor: Executor, steps: Steps) -> None:
    executor.submit(Step.PLAN, "PB-1")
    executor.submit(Step.APPLY, "PB-2")
    executor.drain(10)
    assert sorted(steps.ran) == [(Step.APPLY, "PB-2"), (Step.PLAN, "PB-1")]
    assert threading.get_ident() not in steps.threads


def test_drain_waits_for_steps_that_steps_submitted(executor: Executor, steps: Steps) -> None:
    steps.then[(Step.PLAN, "PB-1")] = (Step.APPLY, "PB-1")  # a plan that goes on to apply
    executor.submit(Step.PLAN, "PB-1")
    executor.drain(10)
    assert steps.ran == [(Step.PLAN, "PB-1"), (Step.APPLY, "PB-1")]


def test_drain_gives_up_after_its_timeout(executor: Executor, steps: Steps) -> None:
    steps.gate = threading.Event()
    executor.submit(Step.APPLY, "PB-1")
    try:
        with pytest.raises(TimeoutError):
            executor.drain(0.05)
    finally:
        steps.gate.set()
    executor.drain(10)
    assert steps.ran == [(Step.APPLY, "PB-1")]


def test_a_failing_step_is_logged_and_the_others_still_run(
    executor: Executor, steps: Steps, caplog: pytest.LogCaptureFixture
) -> None:
    steps.fail = {"PB-1"}
    with caplog.at_level(logging.ERROR):
        executor.submit(Step.APPLY, "PB-1")
        executor.submit(Step.PLAN, "PB-2")
        executor.drain(10)
        executor.submit(Step.PLAN, "PB-3")
        executor.drain(10)
    assert sorted(r for _, r in steps.ran) == ["PB-1", "PB-2", "PB-3"]
    assert "apply of PB-1 blew up" in caplog.text and "PB-1" in caplog.text


def test_a_step_submitted_again_while_it_runs_runs_again(executor: Executor, steps: Steps) -> None:
    steps.gate = threading.Event()
    executor.submit(Step.PLAN, "PB-1")
    assert steps.started.wait(10)
    executor.submit(Step.PLAN, "PB-1")  # e.g. the stack was let go of while the first looked
    steps.gate.set()
    executor.drain(10)
    assert steps.ran == [(Step.PLAN, "PB-1"), (Step.PLAN, "PB-1")]
