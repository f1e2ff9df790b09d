"""A local rabbitmq-server (with its management plugin) as a child of this process: for the
rabbitmq-vhost golden path's tests (throwaway) and, kept in a directory, for a sandbox.

Everything the node needs lives in its own directory: the database (RABBITMQ_MNESIA_BASE), the
logs, the plugins file, the config (ports, an administrator with a generated password) and the
Erlang cookie (HOME). Its Erlang port mapper runs on a port of its own (ERL_EPMD_PORT), so a
node here never meets a system RabbitMQ or another test's node, and stop() ends that mapper too.

Started by the Debian package's scripts in /usr/lib/rabbitmq/bin, not /usr/sbin/rabbitmq-server:
that wrapper switches to the `rabbitmq` system user and its /var/lib directory.
"""

from __future__ import annotations

import base64
import json
import logging
import os
import secrets
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

from bot.devtools.sandbox.errors import RabbitMQUnavailable
from bot.devtools.sandbox.postgres import free_port

__all__ = ["LocalRabbitMQ", "RabbitMQServer", "RabbitMQUnavailable", "running_rabbitmq"]

log = logging.getLogger(__name__)

START_TIMEOUT_SECONDS = 60
STOP_TIMEOUT_SECONDS = 30
INSTALL_HINT = "run `make setup` or `apt-get install rabbitmq-server`"
# Where Debian's package keeps the scripts that start a node as the calling user.
DEBIAN_SCRIPTS = Path("/usr/lib/rabbitmq/bin")
ADMIN_USER = "platformbot-admin"
PORT_NAMES = ("amqp", "management", "dist", "epmd")


@dataclass(frozen=True)
class RabbitMQServer:
    amqp_port: int
    management_port: int
    password: str
    host: str = "127.0.0.1"
    user: str = ADMIN_USER

    def admin_url(self) -> str:
        """The management API with the administrator's credentials: the path's `admin_url`."""
        return f"http://{self.user}:{self.password}@{self.host}:{self.management_port}"

    def amqp_url(self) -> str:
        """Where clients connect, without credentials: the path's `amqp_url`."""
        return f"amqp://{self.host}:{self.amqp_port}"


def server_script() -> Path:
    debian = DEBIAN_SCRIPTS / "rabbitmq-server"
    if debian.is_file():
        return debian
    found = shutil.which("rabbitmq-server")
    if found is None:
        raise RabbitMQUnavailable(f"rabbitmq-server is missing: {INSTALL_HINT}")
    return Path(found)


class LocalRabbitMQ:
    """A node living in `root`; with persist, its ports, password and queues survive a restart."""

    def __init__(self, root: Path, *, persist: bool = True) -> None:
        self._script = server_script()
        self._epmd = shutil.which("epmd") or str(self._script.parent / "epmd")
        self.root = root
        self.persist = persist
        self._process: subprocess.Popen[bytes] | None = None
        self._server: RabbitMQServer | None = None
        self._ports: dict[str, int] = {}

    def start(self) -> RabbitMQServer:
        self.launch()
        return self.wait_until_up()

    def launch(self) -> RabbitMQServer:
        """Start the node without waiting for it: it takes seconds to answer, which the caller can
        spend starting other things before wait_until_up(). Its URLs are known from here on."""
        self.root.mkdir(parents=True, exist_ok=True)
        self._ports = self._choose_ports()
        server = RabbitMQServer(
            amqp_port=self._ports["amqp"],
            management_port=self._ports["management"],
            password=self._password(),
        )
        self._write_config(server)
        log_file = (self.root / "console.log").open("ab")
        # Its own session: the start script and the node it runs get one signal together.
        self._process = subprocess.Popen(
            [str(self._script)],
            cwd=self.root,
            env=self._env(),
            stdout=log_file,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
        log_file.close()
        self._server = server
        return server

    def wait_until_up(self) -> RabbitMQServer:
        """The launched node, once it answers; a node that exits or stays silent is stopped."""
        if self._process is None or self._server is None:
            raise RuntimeError("wait_until_up() before launch()")
        try:
            _wait_until_up(self._server, self._process, self.root)
        except RabbitMQUnavailable:
            self.stop()
            raise
        return self._server

    def stop(self) -> None:
        process, self._process = self._process, None
        if process is not None:
            if self.persist:
                # A clean shutdown, so the node's database is whole at the next start.
                _signal_group(process, signal.SIGTERM)
                try:
                    process.wait(timeout=STOP_TIMEOUT_SECONDS)
                except subprocess.TimeoutExpired:
                    _signal_group(process, signal.SIGKILL)
            else:
                # A throwaway node's data goes with its directory: no need to wait for a shutdown.
                _signal_group(process, signal.SIGKILL)
            process.wait()
            self._wait_for_node_exit()
        if "epmd" in self._ports:
            self._stop_port_mapper(self._ports["epmd"])

    def _stop_port_mapper(self, port: int) -> None:
        """The node started this port mapper as a daemon; it outlives the node otherwise. It
        refuses `-kill` while it still lists the node, which it drops only once it sees the
        node's connection close: ask again until it has gone."""
        deadline = time.monotonic() + STOP_TIMEOUT_SECONDS
        while time.monotonic() < deadline:
            done = subprocess.run(
                [self._epmd, "-port", str(port), "-kill"],
                env=self._env(),
                capture_output=True,
                text=True,
                check=False,
                timeout=10,
            )
            if "Killed" in done.stdout or not _accepts(port):
                return
            time.sleep(0.2)
        log.warning("the Erlang port mapper on port %d of %s would not stop", port, self.root)

    def _wait_for_node_exit(self) -> None:
        pid_file = self.root / "node.pid"
        with suppress(OSError, ValueError):
            pid = int(pid_file.read_text().strip())
            deadline = time.monotonic() + STOP_TIMEOUT_SECONDS
            while time.monotonic() < deadline:
                if not alive(pid):
                    return
                time.sleep(0.1)
            os.kill(pid, signal.SIGKILL)

    def _env(self) -> dict[str, str]:
        root = self.root
        env = {k: v for k, v in os.environ.items() if not k.startswith(("RABBITMQ_", "ERL_"))}
        env.update(
            {
                # The Erlang cookie is $HOME/.erlang.cookie: this node's own, not the user's.
                "HOME": str(root),
                # One node per directory: its database is RABBITMQ_MNESIA_BASE/<node name>.
                "RABBITMQ_NODENAME": "platformbot@localhost",
                "RABBITMQ_NODE_IP_ADDRESS": "127.0.0.1",
                "RABBITMQ_NODE_PORT": str(self._ports["amqp"]),
                "RABBITMQ_DIST_PORT": str(self._ports["dist"]),
                "ERL_EPMD_PORT": str(self._ports["epmd"]),
                "ERL_EPMD_ADDRESS": "127.0.0.1",
                "RABBITMQ_MNESIA_BASE": str(root / "mnesia"),
                "RABBITMQ_LOG_BASE": str(root / "log"),
                "RABBITMQ_ENABLED_PLUGINS_FILE": str(root / "enabled_plugins"),
                "RABBITMQ_PLUGINS_EXPAND_DIR": str(root / "plugins-expand"),
                "RABBITMQ_CONFIG_FILE": str(root / "rabbitmq.conf"),
                "RABBITMQ_ADVANCED_CONFIG_FILE": str(root / "advanced.config"),
                # Keep the system's /etc/rabbitmq/rabbitmq-env.conf out of this node.
                "RABBITMQ_CONF_ENV_FILE": str(root / "rabbitmq-env.conf"),
                "RABBITMQ_PID_FILE": str(root / "node.pid"),
                "RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS": "-kernel inet_dist_use_interface {127,0,0,1}",
            }
        )
        return env

    def _write_config(self, server: RabbitMQServer) -> None:
        cookie = self.root / ".erlang.cookie"
        if not cookie.exists():
            cookie.write_text(secrets.token_hex(20))
            cookie.chmod(0o400)
        (self.root / "enabled_plugins").write_text("[rabbitmq_management].\n")
        (self.root / "rabbitmq-env.conf").write_text("")
        config = self.root / "rabbitmq.conf"
        config.write_text(
            "\n".join(
                [
                    f"listeners.tcp.default = 127.0.0.1:{server.amqp_port}",
                    f"management.tcp.ip = {server.host}",
                    f"management.tcp.port = {server.management_port}",
                    # The administrator the golden path provisions with; no guest user.
                    f"default_user = {server.user}",
                    f"default_pass = {server.password}",
                    "default_user_tags.administrator = true",
                    "log.console = true",
                    "log.console.level = warning",
                    "log.file = false",
                    "",
                ]
            )
        )
        config.chmod(0o600)

    def _password(self) -> str:
        file = self.root / "admin-password"
        if not file.exists():
            file.write_text(secrets.token_urlsafe(18))
            file.chmod(0o600)
        return file.read_text().strip()

    def _choose_ports(self) -> dict[str, int]:
        """The ports of the first start when they are free: the Pulumi state names the server by
        its management port, and the node's database by its name (which holds the AMQP port)."""
        file = self.root / "ports.json"
        remembered: dict[str, int] = json.loads(file.read_text()) if file.exists() else {}
        if set(remembered) == set(PORT_NAMES) and all(_port_is_free(p) for p in remembered.values()):
            return remembered
        ports: dict[str, int] = {}
        while len(set(ports.values())) < len(PORT_NAMES):
            ports = {name: free_port() for name in PORT_NAMES}
        if remembered:
            log.warning(
                "ports %s of the rabbitmq-server in %s are taken; using %s", remembered, self.root, ports
            )
        file.write_text(json.dumps(ports))
        return ports


def alive(pid: int) -> bool:
    """Running, not a zombie: the node is the start script's child, so once that script is gone an
    ended node waits for init to reap it, and signal 0 alone would still find it."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return True
    return state not in ("Z", "X")


def _accepts(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return True
    except OSError:
        return False


def _port_is_free(port: int) -> bool:
    """Free to a server, which binds with SO_REUSEADDR as the node does: a port the last run left
    in TIME_WAIT counts as free, so a restart keeps its ports."""
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def _signal_group(process: subprocess.Popen[bytes], sig: signal.Signals) -> None:
    with suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, sig)


def answers(server: RabbitMQServer) -> bool:
    """The management API answers the administrator and the AMQP port accepts connections."""
    token = base64.b64encode(f"{server.user}:{server.password}".encode()).decode()
    request = urllib.request.Request(
        f"http://{server.host}:{server.management_port}/api/overview",
        headers={"Authorization": f"Basic {token}"},
    )
    try:
        with urllib.request.urlopen(request, timeout=2) as response:
            if response.status != 200:
                return False
        with socket.create_connection((server.host, server.amqp_port), timeout=1):
            return True
    except (OSError, urllib.error.URLError):
        return False


def _wait_until_up(server: RabbitMQServer, process: subprocess.Popen[bytes], root: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            tail = (root / "console.log").read_text(errors="replace")[-600:]
            raise RabbitMQUnavailable(f"rabbitmq-server exited with {process.returncode}: {tail}")
        if answers(server):
            return
        time.sleep(0.2)
    raise RabbitMQUnavailable(
        f"rabbitmq-server did not answer on ports {server.amqp_port}/{server.management_port} "
        f"within {START_TIMEOUT_SECONDS} s"
    )


@contextmanager
def running_rabbitmq() -> Iterator[RabbitMQServer]:
    """A fresh throwaway node for tests: nothing persisted, its directory deleted after."""
    with tempfile.TemporaryDirectory(prefix="platformbot-rabbitmq-") as work:
        local = LocalRabbitMQ(Path(work), persist=False)
        try:
            yield local.start()
        finally:
            local.stop()
