from __future__ import annotations

import logging
import os
import subprocess
import sys
import threading

import pytest

from bot.workflow import Step, ThreadExecutor, ThreadPool


def test_drain_waits_for_work_that_work_submitted() -> None:
    worker = ThreadPool(max_workers=2)
    done: list[str] = []

    def apply() -> None:
        done.append("apply")

    def plan() -> None:
        done.append("plan")
        worker.submit(apply)

    try:
        worker.submit(plan)
        worker.drain(10)
        assert done == ["plan", "apply"] and worker.pending == 0
    finally:
        worker.shutdown()


def test_an_exception_in_the_background_is_logged_and_kept(caplog: pytest.LogCaptureFixture) -> None:
    worker = ThreadPool(max_workers=1)

    def boom() -> None:
        raise RuntimeError("engine on fire")

    try:
        with caplog.at_level(logging.ERROR, logger="bot.workflow.threads"):
            future = worker.submit(boom)
            worker.drain(10)
        assert isinstance(future.exception(), RuntimeError)
        assert [str(e) for e in worker.failures] == ["engine on fire"]
        assert "background task" in caplog.text and "engine on fire" in caplog.text
    finally:
        worker.shutdown()


def test_drain_gives_up_after_its_timeout() -> None:
    worker = ThreadPool(max_workers=1)
    release = threading.Event()
    try:
        worker.submit(release.wait, 10)
        with pytest.raises(TimeoutError):
            worker.drain(0.05)
    finally:
        release.set()
        worker.shutdown()


def test_an_executor_nobody_bound_refuses_steps_instead_of_dropping_them() -> None:
    pool = ThreadPool(max_workers=1)
    try:
        with pytest.raises(RuntimeError, match="before bind"):
            ThreadExecutor(pool).submit(Step.PLAN, "PB-1")
        assert pool.pending == 0
    finally:
        pool.shutdown()


def test_work_submitted_after_shutdown_is_refused_with_one_log_line_instead_of_raising(
    caplog: pytest.LogCaptureFixture,
) -> None:
    pool = ThreadPool(max_workers=1)
    pool.shutdown(wait=True)
    ran: list[str] = []

    with caplog.at_level(logging.DEBUG, logger="bot.workflow.threads"):
        future = pool.submit(ran.append, "PB-7")

    assert future.cancelled() and ran == [] and pool.pending == 0
    lines = [r for r in caplog.records if r.name == "bot.workflow.threads"]
    assert [r.getMessage() for r in lines] == [
        "not started list.append(PB-7): the worker pool is shut down; start-up recovery takes it up"
    ]
    assert lines[0].exc_info is None
    pool.drain(1)  # nothing is left pending for a drain to wait on


def test_a_step_handed_to_the_executor_during_shutdown_is_left_for_recovery_without_a_traceback(
    caplog: pytest.LogCaptureFixture,
) -> None:
    pool = ThreadPool(max_workers=1)
    executor = ThreadExecutor(pool)
    ran: list[tuple[Step, str]] = []
    executor.bind(lambda step, request_id: ran.append((step, request_id)))
    pool.shutdown(wait=False)

    with caplog.at_level(logging.DEBUG, logger="bot.workflow.threads"):
        executor.submit(Step.APPLY, "PB-8")

    assert ran == []
    assert [r.exc_info for r in caplog.records] == [None]
    assert "PB-8" in caplog.text and "shut down" in caplog.text


def test_queued_work_that_shutdown_cancels_is_no_longer_pending() -> None:
    pool = ThreadPool(max_workers=1)
    release = threading.Event()
    ran: list[str] = []
    pool.submit(release.wait, 10)
    queued = pool.submit(ran.append, "PB-9")

    pool.shutdown(wait=False)
    release.set()

    pool.drain(5)
    assert queued.cancelled() and ran == [] and pool.pending == 0


@pytest.mark.skipif(not hasattr(os, "setpriority"), reason="per-thread nice values are a Linux feature")
def test_background_work_and_the_processes_it_starts_run_below_the_front_door() -> None:
    worker = ThreadPool(max_workers=1, niceness=5)
    front_door = os.getpriority(os.PRIO_PROCESS, threading.get_native_id())
    try:
        in_thread = worker.submit(lambda: os.getpriority(os.PRIO_PROCESS, threading.get_native_id()))
        # What the Pulumi CLI would inherit: a process started from a worker thread.
        child = worker.submit(
            lambda: subprocess.run(
                [sys.executable, "-c", "import os; print(os.getpriority(os.PRIO_PROCESS, 0))"],
                capture_output=True,
                text=True,
                check=True,
            ).stdout.strip()
        )
        assert in_thread.result(10) == front_door + 5
        assert int(child.result(30)) == front_door + 5
        # The caller's own thread (a listener's) keeps its priority.
        assert os.getpriority(os.PRIO_PROCESS, threading.get_native_id()) == front_door
    finally:
        worker.shutdown()
