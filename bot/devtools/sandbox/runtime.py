"""`Sandbox`: the real bot, a local Slack and the web page, started together on loopback.

    with Sandbox(SandboxOptions(data_dir=Path("/tmp/pb"), port=0)) as sandbox:
        print(sandbox.page_url)

The bot is built by the same `create_app` a real installation uses, served over HTTP; the page
acts through the SlackDriver, so every click is a signed request to `/slack/events`, or with
`socket=True` an envelope over the bot's Socket Mode link (Bolt's SocketModeHandler, as
`platformbot serve --socket` runs it).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

from slack_bolt.adapter.socket_mode import SocketModeHandler

from bot.app import PlatformBot, create_app
from bot.clock import SystemClock
from bot.config import read_or_create_secret
from bot.devtools.sandbox.api import SandboxApi
from bot.devtools.sandbox.claim import Claim, claim, rabbitmq_failed
from bot.devtools.sandbox.config import (
    ADMIN_DSN_ENV,
    PASSPHRASE_ENV,
    SandboxOptions,
    sandbox_app_config,
    sandbox_settings,
)
from bot.devtools.sandbox.errors import (
    PostgresUnavailable,
    RabbitMQUnavailable,
    RedisUnavailable,
    SandboxError,
)
from bot.devtools.sandbox.postgres import LocalCluster, PostgresServer, cluster_root_for
from bot.devtools.sandbox.rabbitmq import RabbitMQServer
from bot.devtools.sandbox.redis import LocalRedis
from bot.devtools.sandbox.web import SandboxWebServer
from bot.devtools.slack_emulator import SlackDriver, SlackEmulator, default_workspace
from bot.devtools.slack_emulator.socket_mode import SocketModeTimeout
from bot.http_server import HttpServer

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PostgresStatus:
    """Which PostgreSQL `postgres-database` provisions into, or why there is none."""

    server: str | None = None  # host:port
    started_here: bool = False
    directory: Path | None = None  # the cluster's files, when the sandbox keeps it
    unavailable: str | None = None


@dataclass(frozen=True)
class RedisStatus:
    """Which redis-server `redis-cache` provisions into, or why there is none."""

    server: str | None = None  # host:port
    admin_url: str | None = None
    unavailable: str | None = None


@dataclass(frozen=True)
class RabbitStatus:
    """Which rabbitmq-server `rabbitmq-vhost` provisions into, or why there is none."""

    server: str | None = None  # host:port of AMQP
    management: str | None = None  # host:port of the management API
    directory: Path | None = None  # the node's database, config and logs
    unavailable: str | None = None


class Sandbox:
    def __init__(self, options: SandboxOptions, claimed: Claim | None = None) -> None:
        """`claimed`: the data dir already held (and its node launched) by claim(); the sandbox
        owns it from here on and releases it on close."""
        self.options = options
        self.data_dir = options.data_dir.expanduser().resolve()
        if claimed is not None and claimed.data_dir.resolve() != self.data_dir:
            raise ValueError(f"the claim is of {claimed.data_dir}, not of {self.data_dir}")
        self.postgres = PostgresStatus()
        self.redis = RedisStatus()
        self.rabbitmq = RabbitStatus()
        self.slack: SlackEmulator | None = None
        self.bot: PlatformBot | None = None
        self.bot_server: HttpServer | None = None
        self.driver: SlackDriver | None = None
        self.socket: SocketModeHandler | None = None
        self.web: SandboxWebServer | None = None
        self._cluster: LocalCluster | None = None
        self._redis: LocalRedis | None = None
        self._claim = claimed

    # -- lifecycle ------------------------------------------------------------------------------

    def start(self) -> Sandbox:
        """Start everything; on any failure what was started is stopped again."""
        try:
            self._start()
        except BaseException:
            self.close()
            raise
        return self

    def _start(self) -> None:
        if self._claim is None:
            # The node takes seconds to answer: it comes up while the rest starts.
            self._claim = claim(self.data_dir, rabbitmq=self.options.rabbitmq)
        dsn = self._start_postgres()
        self._start_redis()
        workspace = default_workspace()
        # The conversations outlive a restart, as the requests in the database do.
        self.slack = SlackEmulator(workspace, persist_to=self.data_dir / "slack-emulator.json").start()
        settings = sandbox_settings(workspace, self.slack.base_url, self.data_dir)
        clock = self.options.clock or SystemClock()
        rabbitmq = self._wait_for_rabbitmq()
        # create_app reads the admin DSN and the passphrase from the environment once, while it
        # builds the runner; they are set only for that call.
        with _environment(ADMIN_DSN_ENV, dsn), _environment(PASSPHRASE_ENV, self._passphrase()):
            config = sandbox_app_config(self.options, redis_admin_url=self.redis.admin_url, rabbitmq=rabbitmq)
            self.bot = create_app(settings, config, clock=clock)
        # Why a path has no server, in the sandbox's words rather than the missing setting's.
        reasons = {
            "postgres-database": self.postgres.unavailable,
            "redis-cache": self.redis.unavailable,
            "rabbitmq-vhost": self.rabbitmq.unavailable,
        }
        self.bot.services.unavailable = {
            path: reasons.get(path) or reason for path, reason in self.bot.services.unavailable.items()
        }
        self.bot.start()
        self.bot_server = self.bot.serve_http(port=0).start()
        if self.options.socket:
            self.driver = self._connect_socket(self.bot, self.slack)
        else:
            self.driver = SlackDriver(
                self.slack, f"{self.bot_server.url}/slack/events", signing_secret=workspace.signing_secret
            )
        api = SandboxApi(self.slack, self.driver, self.bot.config, clock, self.bot.rulebook)
        self.web = SandboxWebServer(api, self.options.port).start()

    def _connect_socket(self, bot: PlatformBot, slack: SlackEmulator) -> SlackDriver:
        self.socket = SocketModeHandler(bot.bolt, slack.workspace.app_token)
        self.socket.connect()
        try:
            slack.socket_mode.wait_connected()
        except SocketModeTimeout as exc:
            raise SandboxError("the bot did not open its Socket Mode link to the local Slack") from exc
        return SlackDriver(slack, transport="socket")

    def _passphrase(self) -> str:
        """The Pulumi secrets passphrase of this data dir's state, made on first start: the state
        is only readable with the same one, and a sandbox has no one to ask for it."""
        return os.environ.get(PASSPHRASE_ENV) or read_or_create_secret(self.data_dir / "pulumi-passphrase")

    def _start_postgres(self) -> str | None:
        if self.options.postgres_dsn:
            self.postgres = PostgresStatus(server=_server_label(self.options.postgres_dsn))
            return self.options.postgres_dsn
        if not self.options.postgres:
            self.postgres = PostgresStatus(unavailable="the sandbox was started with --no-postgres")
            return None
        try:
            cluster = LocalCluster(cluster_root_for(self.data_dir))
            server: PostgresServer = cluster.start()
        except PostgresUnavailable as exc:
            log.warning("no local PostgreSQL: %s", exc)
            self.postgres = PostgresStatus(
                unavailable=f"the sandbox could not start a local PostgreSQL: {exc}"
            )
            return None
        self._cluster = cluster
        self.postgres = PostgresStatus(
            server=f"{server.host}:{server.port}", started_here=True, directory=cluster.root
        )
        return server.dsn()

    def _start_redis(self) -> None:
        try:
            local = LocalRedis(self.data_dir / "redis")
            server = local.start()
        except RedisUnavailable as exc:
            log.warning("no local redis-server: %s", exc)
            self.redis = RedisStatus(unavailable=f"the sandbox could not start a local redis-server: {exc}")
            return
        self._redis = local
        self.redis = RedisStatus(server=f"{server.host}:{server.port}", admin_url=server.admin_url())

    def _wait_for_rabbitmq(self) -> RabbitMQServer | None:
        """The launched node once it answers; None (and the reason) when there is none."""
        claimed = self._claim
        assert claimed is not None  # taken first thing in _start()
        if claimed.rabbitmq is None:
            self.rabbitmq = RabbitStatus(unavailable=claimed.rabbitmq_unavailable)
            return None
        try:
            server = claimed.rabbitmq.wait_until_up()
        except RabbitMQUnavailable as exc:
            claimed.rabbitmq = None  # wait_until_up() stopped it
            self.rabbitmq = RabbitStatus(unavailable=rabbitmq_failed(exc))
            return None
        self.rabbitmq = RabbitStatus(
            server=f"{server.host}:{server.amqp_port}",
            management=f"{server.host}:{server.management_port}",
            directory=claimed.rabbitmq.root,
        )
        return server

    def close(self) -> None:
        """Stop in reverse order: the page, then the bot (its background work first), then Slack."""
        if self.web is not None:
            self.web.stop()
            self.web = None
        if self.socket is not None:
            self.socket.close()
            self.socket = None
        if self.bot is not None:
            self.bot.close()
            self.bot = None
        if self.slack is not None:
            self.slack.stop()
            self.slack = None
        if self._cluster is not None:
            self._cluster.stop()
            self._cluster = None
        if self._redis is not None:
            self._redis.stop()
            self._redis = None
        if self._claim is not None:
            self._claim.release()  # the node, then the data dir
            self._claim = None

    def __enter__(self) -> Sandbox:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    # -- where things are -----------------------------------------------------------------------

    @property
    def page_url(self) -> str:
        if self.web is None:
            raise RuntimeError("the sandbox is not running")
        return self.web.url


@contextmanager
def _environment(name: str, value: str | None) -> Iterator[None]:
    """Set (or clear, for None) one variable, and put back what was there before."""
    before = os.environ.get(name)
    if value is None:
        os.environ.pop(name, None)
    else:
        os.environ[name] = value
    try:
        yield
    finally:
        if before is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = before


def _server_label(dsn: str) -> str:
    from psycopg.conninfo import conninfo_to_dict

    parts = conninfo_to_dict(dsn)
    return f"{parts.get('host') or 'localhost'}:{parts.get('port') or 5432}"
