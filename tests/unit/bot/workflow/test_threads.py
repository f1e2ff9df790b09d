from __future__ import annotations

import logging
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
