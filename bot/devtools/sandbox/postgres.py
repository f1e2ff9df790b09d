"""A local PostgreSQL for the sandbox (kept in a directory, reused across runs) and for tests
(throwaway): initdb on first use, a loopback port, a password-protected superuser `admin`.

PostgreSQL refuses to run as root, and CI and containers often run as root, so then the cluster
is owned by and run as an unprivileged user (`postgres` where Debian's package created it, else
`nobody`), and its directory must be one that user can reach.
"""

from __future__ import annotations

import glob
import hashlib
import logging
import os
import pwd
import secrets
import shutil
import socket
import stat
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from bot.devtools.sandbox.errors import PostgresUnavailable

log = logging.getLogger(__name__)

ADMIN_USER = "admin"
# Speed over durability for throwaway clusters: nothing in them outlives the test session.
THROWAWAY_OPTIONS = ("-c", "fsync=off", "-c", "max_connections=200")


@dataclass(frozen=True)
class PostgresServer:
    host: str
    port: int
    user: str
    password: str

    def dsn(self, database: str = "postgres") -> str:
        return f"postgresql://{self.user}:{self.password}@{self.host}:{self.port}/{database}"

    def sqlalchemy_url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg://{self.user}:{self.password}@{self.host}:{self.port}/{database}"


def find_bin_dir() -> Path:
    """The newest installed server's bin dir (Debian keeps initdb off PATH), else PATH."""
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: int(p.split("/")[-2]))
    for candidate in reversed(candidates):
        if os.access(os.path.join(candidate, "initdb"), os.X_OK):
            return Path(candidate)
    found = shutil.which("initdb")
    if found:
        return Path(found).resolve().parent
    raise PostgresUnavailable(
        "PostgreSQL server binaries (initdb, pg_ctl) are missing: run `make setup` "
        "or `apt-get install postgresql`"
    )


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def port_is_free(port: int) -> bool:
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def _service_account() -> pwd.struct_passwd | None:
    """Who runs the server: None means the current user; as root, an unprivileged account."""
    if os.geteuid() != 0:
        return None
    for name in ("postgres", "nobody"):
        try:
            return pwd.getpwnam(name)
        except KeyError:
            continue
    raise PostgresUnavailable("running as root, and neither a `postgres` nor a `nobody` user exists")


def _reachable_by(path: Path, account: pwd.struct_passwd) -> bool:
    """Whether `account` may traverse every directory down to `path` (e.g. /root is 0700)."""
    groups = set(os.getgrouplist(account.pw_name, account.pw_gid))
    for directory in [path, *path.parents]:
        if not directory.exists():
            continue
        st = directory.stat()
        if st.st_uid == account.pw_uid:
            bit = stat.S_IXUSR
        elif st.st_gid in groups:
            bit = stat.S_IXGRP
        else:
            bit = stat.S_IXOTH
        if not st.st_mode & bit:
            return False
    return True


def cluster_root_for(data_dir: Path) -> Path:
    """Where the sandbox keeps its cluster: in the data dir, unless the server's account cannot
    reach it (root's home); then a directory under /var/tmp named after the data dir, so each
    data dir still gets its own cluster and it survives a reboot."""
    preferred = data_dir / "postgres"
    account = _service_account()
    if account is None or _reachable_by(data_dir, account):
        return preferred
    digest = hashlib.sha256(str(data_dir.resolve()).encode()).hexdigest()[:12]
    return Path("/var/tmp") / f"platformbot-postgres-{digest}"


class LocalCluster:
    """A cluster living in `root` (data/, sock/, log, admin-password, port): created on the first
    start, started again on later ones with the same port and password, so what the sandbox's
    Pulumi state says it created is still there."""

    def __init__(self, root: Path, *, extra_options: tuple[str, ...] = ()) -> None:
        self.root = root
        self.extra_options = extra_options
        self._bin = find_bin_dir()
        self._account = _service_account()
        self._run_as = ["runuser", "-u", self._account.pw_name, "--"] if self._account else []
        self._env = {**os.environ, "LC_ALL": "C.UTF-8"}

    @property
    def data(self) -> Path:
        return self.root / "data"

    def start(self) -> PostgresServer:
        self._prepare()
        password = (self.root / "admin-password").read_text().strip()
        if self._running():
            port = int((self.root / "port").read_text())
            log.info("reusing the PostgreSQL cluster already running in %s on port %d", self.root, port)
            return PostgresServer("127.0.0.1", port, ADMIN_USER, password)
        port = self._choose_port()
        options = " ".join(
            [f"-p {port}", f"-k {self.root / 'sock'}", "-c listen_addresses=127.0.0.1", *self.extra_options]
        )
        self._pg_ctl("-o", options, "-l", str(self.root / "log"), "-w", "-t", "60", "start")
        return PostgresServer("127.0.0.1", port, ADMIN_USER, password)

    def stop(self, *, immediate: bool = False) -> None:
        if not (self.data / "PG_VERSION").exists():
            return
        mode = "immediate" if immediate else "fast"
        subprocess.run(
            [*self._run_as, str(self._bin / "pg_ctl"), "-D", str(self.data), "-m", mode, "-w", "stop"],
            capture_output=True,
            env=self._env,
        )

    # -- internals ------------------------------------------------------------------------------

    def _prepare(self) -> None:
        """initdb once; later starts find PG_VERSION and skip it."""
        if (self.data / "PG_VERSION").exists():
            return
        self.root.mkdir(parents=True, exist_ok=True)
        (self.root / "sock").mkdir(exist_ok=True)
        pwfile = self.root / "admin-password"
        pwfile.write_text("admin-" + secrets.token_hex(12))
        pwfile.chmod(0o600)
        (self.root / "port").write_text(str(free_port()))
        if self._account is not None:
            self.root.chmod(0o700)
            for path in (self.root, self.root / "sock", pwfile, self.root / "port"):
                os.chown(path, self._account.pw_uid, self._account.pw_gid)
        initdb = [str(self._bin / "initdb"), "-D", str(self.data), "-U", ADMIN_USER, "--pwfile", str(pwfile)]
        self._run([*initdb, "-A", "scram-sha-256", "-E", "UTF8", "--no-sync"], "initdb")

    def _running(self) -> bool:
        done = subprocess.run(
            [*self._run_as, str(self._bin / "pg_ctl"), "-D", str(self.data), "status"],
            capture_output=True,
            env=self._env,
        )
        return done.returncode == 0

    def _choose_port(self) -> int:
        """The port of the first start when it is free: the Pulumi state names the server by it."""
        port_file = self.root / "port"
        remembered = int(port_file.read_text()) if port_file.exists() else 0
        if remembered and port_is_free(remembered):
            return remembered
        port = free_port()
        if remembered:
            log.warning(
                "port %d of the PostgreSQL cluster in %s is taken; using %d (databases created "
                "before are on a server the sandbox's Pulumi state names by the old port)",
                remembered,
                self.root,
                port,
            )
        port_file.write_text(str(port))
        return port

    def _pg_ctl(self, *args: str) -> None:
        self._run([str(self._bin / "pg_ctl"), "-D", str(self.data), *args], "pg_ctl start")

    def _run(self, argv: list[str], what: str) -> None:
        done = subprocess.run([*self._run_as, *argv], capture_output=True, env=self._env, text=True)
        if done.returncode != 0:
            tail = _tail(self.root / "log") or done.stderr.strip()[-600:]
            raise PostgresUnavailable(f"PostgreSQL did not start ({what} failed): {tail}")


def _tail(path: Path, lines: int = 5) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


@contextmanager
def running_postgres() -> Iterator[PostgresServer]:
    """A fresh throwaway cluster for tests: started in a temp dir, stopped and deleted after."""
    root = Path(tempfile.mkdtemp(prefix="platformbot-pg-"))
    try:
        cluster = LocalCluster(root, extra_options=THROWAWAY_OPTIONS)
        try:
            yield cluster.start()
        finally:
            cluster.stop(immediate=True)
    finally:
        shutil.rmtree(root, ignore_errors=True)
