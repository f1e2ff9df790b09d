"""Where plans and applies run in this process: off Bolt's listener threads, which must ack within
3 seconds. `ThreadPool` runs any callable (the drift command uses it too); `ThreadExecutor` is the
workflow's `Executor` port on such a pool, the embedded default.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TYPE_CHECKING, Any

from bot.workflow.model import Step
from bot.workflow.ports import StepRunner

log = logging.getLogger(__name__)

# How much lower than the front door background work runs (Linux nice, per thread). Plans and
# applies spawn the Pulumi CLI, its language host and provider processes, which inherit it: on a
# small machine they then yield the CPU to the threads that must ack Slack within 3 seconds.
BACKGROUND_NICENESS = 10


class ThreadPool:
    """A thread pool that never lets an exception vanish: each is logged and kept in `failures`.

    `drain()` waits until nothing is queued or running, including work that running work
    submitted (a plan that goes on to apply), which is what tests and shutdown need.
    """

    def __init__(
        self, max_workers: int = 4, name: str = "platformbot-worker", niceness: int = BACKGROUND_NICENESS
    ) -> None:
        self._executor = ThreadPoolExecutor(
            max_workers=max_workers,
            thread_name_prefix=name,
            initializer=_lower_priority,
            initargs=(niceness,),
        )
        self._idle = threading.Condition()
        self._pending = 0
        self._closed = False
        self.failures: list[BaseException] = []

    def submit(self, fn: Callable[..., Any], /, *args: Any) -> Future[Any]:
        """Run `fn(*args)` in the background. After `shutdown` it is refused, not raised: a
        listener or a finishing step that submits during a SIGTERM gets a cancelled future and
        one log line, and what the work was for stays in the database for start-up recovery."""
        with self._idle:
            if self._closed:
                return _refused(fn, args)
            self._pending += 1
        try:
            future = self._executor.submit(self._run, fn, args)
        except RuntimeError:
            # Shut down between the check and here (or the interpreter is exiting): the same refusal.
            self._done()
            return _refused(fn, args)
        except BaseException:
            self._done()
            raise
        # Queued work that `shutdown(wait=False)` cancels never runs `_run`: count it done here.
        future.add_done_callback(self._cancelled)
        return future

    def _cancelled(self, future: Future[Any]) -> None:
        if future.cancelled():
            self._done()

    def _run(self, fn: Callable[..., Any], args: tuple[Any, ...]) -> Any:
        try:
            return fn(*args)
        except BaseException as exc:
            log.exception("background task %s failed", _describe(fn, args))
            with self._idle:
                self.failures.append(exc)
            raise
        finally:
            self._done()

    def _done(self) -> None:
        with self._idle:
            self._pending -= 1
            if self._pending == 0:
                self._idle.notify_all()

    @property
    def pending(self) -> int:
        with self._idle:
            return self._pending

    def drain(self, timeout: float = 30.0) -> None:
        """Block until idle; TimeoutError if work is still going after `timeout` seconds."""
        deadline = time.monotonic() + timeout
        with self._idle:
            while self._pending:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError(f"{self._pending} background task(s) still running after {timeout}s")
                self._idle.wait(left)

    def shutdown(self, wait: bool = True) -> None:
        with self._idle:
            self._closed = True
        self._executor.shutdown(wait=wait, cancel_futures=not wait)


def _lower_priority(niceness: int) -> None:
    """Raise this thread's nice value by `niceness` (Linux keeps one per thread, and processes
    started from the thread inherit it). Elsewhere, or when refused, the work runs as it is."""
    if niceness <= 0 or not hasattr(os, "setpriority"):
        return
    thread = threading.get_native_id()
    try:
        os.setpriority(os.PRIO_PROCESS, thread, os.getpriority(os.PRIO_PROCESS, thread) + niceness)
    except OSError as exc:
        log.debug("background threads keep their priority: %s", exc)


def _describe(fn: Callable[..., Any], args: tuple[Any, ...]) -> str:
    return f"{getattr(fn, '__qualname__', fn)}({', '.join(map(str, args))})"


def _refused(fn: Callable[..., Any], args: tuple[Any, ...]) -> Future[Any]:
    log.warning(
        "not started %s: the worker pool is shut down; start-up recovery takes it up", _describe(fn, args)
    )
    future: Future[Any] = Future()
    future.cancel()
    return future


class ThreadExecutor:
    """Steps on a ThreadPool of this process. No deduplication: a step submitted twice runs twice
    (the second finds nothing to do), so a retry submitted while its step still runs is never lost."""

    def __init__(self, pool: ThreadPool) -> None:
        self._pool = pool
        self._run: StepRunner | None = None

    def bind(self, run: StepRunner) -> None:
        self._run = run

    def submit(self, step: Step, request_id: str) -> None:
        if self._run is None:
            raise RuntimeError("ThreadExecutor.submit before bind: build the Workflow with it first")
        self._pool.submit(self._run, step, request_id)

    def drain(self, timeout: float = 30.0) -> None:
        self._pool.drain(timeout)


if TYPE_CHECKING:
    from bot.workflow.ports import Executor

    def _fits(executor: ThreadExecutor) -> Executor:
        return executor
