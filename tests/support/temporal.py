"""A real Temporal dev server for tests: the CLI's `temporal server start-dev` on free ports with
a SQLite file in a temp dir, stopped when the tests are done. A missing CLI is a skip that says
how to get it (a failure in CI), like the Pulumi CLI (tests/support/pulumi.py).

One server serves the whole test process (it takes a few seconds to start); tests keep apart by
using task queues of their own (`unique_task_queue`).
"""

from __future__ import annotations

import atexit
import os
import shutil
import socket
import subprocess
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import pytest

from bot.devtools.sandbox.postgres import free_port
from bot.temporal import StepWorker, TemporalConnection, TemporalExecutor
from bot.temporal.executor import StepOptions
from bot.workflow import Executor

TEMPORAL_VERSION = "v1.5.1"
INSTALL_HINT = "install it with `make setup` (it runs scripts/install-temporal.sh)"


def temporal_cache_bin_dir() -> Path:
    """Where scripts/install-temporal.sh builds the CLI."""
    cache = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(cache) / "platformbot" / "temporal" / TEMPORAL_VERSION / "bin"


def _version_of(binary: Path) -> str | None:
    try:
        out = subprocess.run([binary, "--version"], capture_output=True, text=True, timeout=30).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    words = out.split()  # "temporal version 1.5.1 (Server ...)"
    return f"v{words[2]}" if len(words) >= 3 else None


def discover_temporal() -> Path | None:
    """A `temporal` of the pinned version: on PATH first, then the project cache."""
    on_path = shutil.which("temporal")
    for candidate in (Path(on_path) if on_path else None, temporal_cache_bin_dir() / "temporal"):
        if (
            candidate is not None
            and os.access(candidate, os.X_OK)
            and _version_of(candidate) == TEMPORAL_VERSION
        ):
            return candidate
    return None


def require_temporal_cli() -> Path:
    found = discover_temporal()
    if found is None:
        problem = (
            f"the Temporal CLI {TEMPORAL_VERSION} is missing "
            f"(not on PATH, not in {temporal_cache_bin_dir()}); {INSTALL_HINT}"
        )
        if os.environ.get("CI"):
            pytest.fail(problem)
        pytest.skip(problem)
    return found


class DevServer:
    """`temporal server start-dev`, headless (no UI), its state in a SQLite file of its own."""

    def __init__(self, binary: Path) -> None:
        self._dir = Path(tempfile.mkdtemp(prefix="platformbot-temporal-"))
        self.port = free_port()
        self.address = f"127.0.0.1:{self.port}"
        self.log_path = self._dir / "server.log"
        args = [
            str(binary),
            "server",
            "start-dev",
            "--headless",
            "--ip",
            "127.0.0.1",
            "--port",
            str(self.port),
            "--http-port",
            str(free_port()),
            "--metrics-port",
            str(free_port()),
            "--db-filename",
            str(self._dir / "temporal.db"),
            "--log-level",
            "warn",
        ]
        with self.log_path.open("wb") as log:
            self._process = subprocess.Popen(
                args, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )
        self._wait_until_ready()

    def _wait_until_ready(self, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise RuntimeError(
                    f"temporal start-dev exited with {self._process.returncode}: {self.logs()}"
                )
            try:
                # The gRPC port answers before the default namespace exists; a client call proves both.
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    pass
                TemporalConnection(self.address, connect_timeout=5).close()
                return
            except Exception:
                time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"temporal start-dev did not come up in {timeout}s: {self.logs()}")

    def logs(self) -> str:
        return self.log_path.read_text(errors="replace")[-4000:]

    def stop(self) -> None:
        if self._process.poll() is None:
            self._process.terminate()
            try:
                self._process.wait(20)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait(10)
        shutil.rmtree(self._dir, ignore_errors=True)


_server: DevServer | None = None
_server_lock = threading.Lock()


def dev_server() -> DevServer:
    """The test process's one dev server, started on first use and stopped at exit."""
    global _server
    binary = require_temporal_cli()
    with _server_lock:
        if _server is None:
            _server = DevServer(binary)
            atexit.register(_server.stop)
        return _server


def unique_task_queue(prefix: str = "test") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


def temporal_executor_with_worker(
    *, heartbeat_timeout_seconds: float = 5.0
) -> tuple[Executor, Callable[[], None]]:
    """A TemporalExecutor on a fresh task queue of the dev server, with a worker in this process
    running its steps; and what closes both."""
    server = dev_server()
    connection = TemporalConnection(server.address)
    options = StepOptions(task_queue=unique_task_queue(), heartbeat_timeout_seconds=heartbeat_timeout_seconds)
    executor = TemporalExecutor(connection, options)
    worker = StepWorker(connection, executor, concurrency=2).start()

    def close() -> None:
        worker.stop()
        connection.close()

    return executor, close
