"""A local redis-server for the sandbox (kept in a directory, reused across runs) and for tests
(throwaway): a loopback port and a password on the default user, the admin the redis-cache golden
path provisions with.

The sandbox's server keeps an append-only file in its directory and its first port and password,
so the cache users its Pulumi state says it created are still there after a restart.
"""

from __future__ import annotations

import logging
import secrets
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from bot.devtools.sandbox.errors import RedisUnavailable
from bot.devtools.sandbox.postgres import free_port, port_is_free

log = logging.getLogger(__name__)

START_TIMEOUT_SECONDS = 15


@dataclass(frozen=True)
class RedisServer:
    port: int
    password: str
    host: str = "127.0.0.1"

    def admin_url(self) -> str:
        return f"redis://:{self.password}@{self.host}:{self.port}/0"


class LocalRedis:
    """A redis-server living in `root` (appendonly file, port, admin-password), a child of this
    process: started by start(), stopped by stop()."""

    def __init__(self, root: Path, *, persist: bool = True) -> None:
        binary = shutil.which("redis-server")
        if binary is None:
            raise RedisUnavailable(
                "redis-server is missing: run `make setup` or `apt-get install redis-server`"
            )
        self.root = root
        self.persist = persist
        self._binary = binary
        self._process: subprocess.Popen[bytes] | None = None

    def start(self) -> RedisServer:
        self.root.mkdir(parents=True, exist_ok=True)
        server = RedisServer(port=self._choose_port(), password=self._password())
        args = [self._binary, "--port", str(server.port), "--bind", server.host, "--dir", str(self.root)]
        args += ["--save", ""]
        if self.persist:
            # Keys in the append-only file; ACL users (the cache users) in an ACL file, which the
            # provider writes with ACL SAVE; Redis keeps neither across a restart otherwise. With
            # an ACL file, the admin's password is the default user's line in it, not requirepass.
            acl_file = self.root / "users.acl"
            if not acl_file.exists():
                acl_file.write_text(f"user default on >{server.password} ~* &* +@all\n")
                acl_file.chmod(0o600)
            args += ["--appendonly", "yes", "--aclfile", str(acl_file)]
        else:
            args += ["--requirepass", server.password, "--appendonly", "no"]
        log_file = (self.root / "log").open("ab")
        self._process = subprocess.Popen(args, stdout=log_file, stderr=subprocess.STDOUT)
        log_file.close()
        try:
            _wait_until_up(server, self._process)
        except RedisUnavailable:
            self.stop()
            raise
        return server

    def stop(self) -> None:
        process, self._process = self._process, None
        if process is None:
            return
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()

    def _password(self) -> str:
        file = self.root / "admin-password"
        if not file.exists():
            file.write_text(secrets.token_urlsafe(16))
            file.chmod(0o600)
        return file.read_text().strip()

    def _choose_port(self) -> int:
        """The port of the first start when it is free: the Pulumi state names the server by it."""
        file = self.root / "port"
        remembered = int(file.read_text()) if file.exists() else 0
        if remembered and port_is_free(remembered):
            return remembered
        port = free_port()
        if remembered:
            log.warning("port %d of the redis-server in %s is taken; using %d", remembered, self.root, port)
        file.write_text(str(port))
        return port


def _answers(server: RedisServer) -> bool:
    """AUTH then PING over RESP, so this needs no Redis client library."""
    try:
        with socket.create_connection((server.host, server.port), timeout=1) as conn:
            conn.sendall(f"AUTH {server.password}\r\nPING\r\n".encode())
            reply = b""
            while reply.count(b"\r\n") < 2:
                chunk = conn.recv(256)
                if not chunk:
                    return False
                reply += chunk
    except OSError:
        return False
    return reply.startswith(b"+OK\r\n+PONG")


def _wait_until_up(server: RedisServer, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RedisUnavailable(f"redis-server exited with {process.returncode} on port {server.port}")
        if _answers(server):
            return
        time.sleep(0.05)
    raise RedisUnavailable(
        f"redis-server did not answer on port {server.port} within {START_TIMEOUT_SECONDS} s"
    )


@contextmanager
def running_redis() -> Iterator[RedisServer]:
    """A fresh throwaway server for tests: nothing persisted, its directory deleted after."""
    with tempfile.TemporaryDirectory(prefix="platformbot-redis-") as work:
        local = LocalRedis(Path(work), persist=False)
        try:
            yield local.start()
        finally:
            local.stop()
