"""A throwaway redis-server for tests (Debian's `redis-server`), on a free port, deleted after.

The default user gets a password so the tests can tell admin access from a cache user's, and
nothing is persisted: the server lives in a temp dir and dies with the test session.
"""

from __future__ import annotations

import secrets
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import redis


class RedisUnavailable(RuntimeError):
    """redis-server is not installed or did not start."""


@dataclass(frozen=True)
class RedisServer:
    port: int
    password: str
    host: str = "127.0.0.1"

    def admin_url(self) -> str:
        return f"redis://:{self.password}@{self.host}:{self.port}/0"

    def admin(self) -> redis.Redis:
        return redis.Redis(host=self.host, port=self.port, password=self.password, decode_responses=True)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def running_redis() -> Iterator[RedisServer]:
    binary = shutil.which("redis-server")
    if binary is None:
        raise RedisUnavailable(
            "redis-server is missing; install it with `make setup` (Debian's redis-server)"
        )
    server = RedisServer(port=_free_port(), password=secrets.token_urlsafe(16))
    with tempfile.TemporaryDirectory(prefix="redis-") as work:
        args = [binary, "--port", str(server.port), "--bind", server.host, "--dir", work]
        args += ["--requirepass", server.password, "--save", "", "--appendonly", "no"]
        process = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            _wait_until_up(server, process)
            yield server
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _wait_until_up(server: RedisServer, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RedisUnavailable(f"redis-server exited with {process.returncode} on port {server.port}")
        try:
            with server.admin() as client:
                if client.ping():
                    return
        except redis.ConnectionError:
            time.sleep(0.05)
    raise RedisUnavailable(f"redis-server did not answer on port {server.port} within 15 s")
