"""A Temporal client for synchronous callers: Bolt's listener threads and the workflow's steps
call `submit` from plain threads, while the SDK is asyncio. The client lives on an event loop in
a thread of its own; the worker (when this process runs one) shares that loop.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Coroutine
from concurrent.futures import Future
from typing import Any, TypeVar

from temporalio.client import Client

T = TypeVar("T")


class TemporalUnavailable(Exception):
    """The Temporal server could not be reached (or answered too late)."""


class TemporalConnection:
    def __init__(self, address: str, namespace: str = "default", *, connect_timeout: float = 30.0) -> None:
        self.address = address
        self.namespace = namespace
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="temporal-client", daemon=True)
        self._thread.start()
        try:
            self.client: Client = self.call(Client.connect(address, namespace=namespace), connect_timeout)
        except RuntimeError as exc:
            # The SDK raises RuntimeError("Failed client connect: ...") when nothing listens.
            self.close()
            raise TemporalUnavailable(f"cannot reach Temporal at {address}") from exc
        except BaseException:
            self.close()
            raise

    def call(self, coro: Coroutine[Any, Any, T], timeout: float = 30.0) -> T:
        """Run `coro` on the client's loop and wait for it; never call this from that loop."""
        future = asyncio.run_coroutine_threadsafe(coro, self._loop)
        try:
            return future.result(timeout)
        except TimeoutError as exc:
            future.cancel()
            raise TemporalUnavailable(f"Temporal at {self.address} did not answer in {timeout}s") from exc

    def spawn(self, coro: Coroutine[Any, Any, T]) -> Future[T]:
        """Start `coro` on the client's loop without waiting (a worker's run loop)."""
        return asyncio.run_coroutine_threadsafe(coro, self._loop)

    def close(self) -> None:
        if self._loop.is_closed():
            return
        if self._thread.is_alive():
            try:
                self.call(_cancel_the_rest(), timeout=10)
            except (TemporalUnavailable, RuntimeError):
                pass  # closing anyway
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)
        if not self._thread.is_alive():
            self._loop.close()


async def _cancel_the_rest() -> None:
    """Tasks still on the loop (a worker that was not stopped) end here, not at garbage collection."""
    current = asyncio.current_task()
    rest = [task for task in asyncio.all_tasks() if task is not current]
    for task in rest:
        task.cancel()
    await asyncio.gather(*rest, return_exceptions=True)
