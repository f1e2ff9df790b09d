"""Sandbox start-up: one per data dir, nothing taken from the person's shell, a clear reason
when PostgreSQL, redis-server or rabbitmq-server is missing. Only the tests of RabbitMQ start its
node (seconds each); the others pass rabbitmq=False."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import psycopg
import pytest
import redis

from bot.devtools.sandbox import rabbitmq as rabbitmq_launcher
from bot.devtools.sandbox.claim import claim
from bot.devtools.sandbox.config import ADMIN_DSN_ENV, SandboxOptions
from bot.devtools.sandbox.errors import DataDirBusy
from bot.devtools.sandbox.rabbitmq import RabbitMQServer
from bot.devtools.sandbox.runtime import Sandbox
from intents.intent import Intent
from tests.support.pulumi import require_pulumi_cli
from tests.support.rabbitmq import Admin

NO_RABBITMQ = "the sandbox was started with --no-rabbitmq"


def test_a_second_sandbox_on_the_same_data_dir_is_refused_until_the_first_stops(
    sandbox: Sandbox, tmp_path: Path
) -> None:
    second = Sandbox(SandboxOptions(data_dir=tmp_path / "data", port=0, postgres=False, rabbitmq=False))
    with pytest.raises(DataDirBusy, match="--data-dir"):
        second.start()
    assert second.slack is None and second.bot is None

    sandbox.close()
    with second:
        assert second.page_url.startswith("http://127.0.0.1:")


def test_a_sandbox_handed_the_claim_of_its_data_dir_starts_on_it_and_releases_it_on_close(
    tmp_path: Path,
) -> None:
    options = SandboxOptions(data_dir=tmp_path / "data", port=0, postgres=False, rabbitmq=False)
    claimed = claim(options.data_dir, rabbitmq=False)  # as `platformbot dev` does, before the imports
    with pytest.raises(DataDirBusy):
        Sandbox(options).start()
    with pytest.raises(ValueError, match="not of"):
        Sandbox(SandboxOptions(data_dir=tmp_path / "elsewhere", port=0), claimed)

    with Sandbox(options, claimed) as sandbox:
        assert sandbox.rabbitmq.unavailable == NO_RABBITMQ
    claim(options.data_dir, rabbitmq=False).release()  # free again


def test_an_admin_dsn_in_the_shell_never_reaches_the_sandbox(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(ADMIN_DSN_ENV, "postgresql://admin:secret@prod-db.example:5432/postgres")

    with Sandbox(
        SandboxOptions(data_dir=tmp_path / "data", port=0, postgres=False, rabbitmq=False)
    ) as sandbox:
        assert sandbox.bot is not None
        assert sandbox.bot.runner.settings.postgres_admin_dsn is None
        unavailable = sandbox.bot.services.unavailable
        assert unavailable["postgres-database"] == "the sandbox was started with --no-postgres"
        assert unavailable["rabbitmq-vhost"] == NO_RABBITMQ
        assert sandbox.postgres.server is None
    assert os.environ[ADMIN_DSN_ENV] == "postgresql://admin:secret@prod-db.example:5432/postgres"


@pytest.fixture
def reachable_dir() -> Iterator[Path]:
    path = Path(tempfile.mkdtemp(prefix="platformbot-sandbox-test-"))
    path.chmod(0o755)
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


@pytest.mark.postgres
def test_when_postgres_cannot_start_the_sandbox_runs_and_says_why(reachable_dir: Path) -> None:
    broken = reachable_dir / "postgres" / "data"
    broken.mkdir(parents=True)
    (broken / "PG_VERSION").write_text("1\n")
    (reachable_dir / "postgres" / "admin-password").write_text("x")

    with Sandbox(SandboxOptions(data_dir=reachable_dir, port=0, rabbitmq=False)) as sandbox:
        reason = sandbox.postgres.unavailable
        assert reason is not None and reason.startswith("the sandbox could not start a local PostgreSQL")
        assert sandbox.bot is not None
        assert sandbox.bot.services.unavailable["postgres-database"] == reason


def test_a_failed_start_stops_what_it_started(sandbox: Sandbox, tmp_path: Path) -> None:
    assert sandbox.web is not None
    taken = int(sandbox.page_url.rsplit(":", 1)[1].rstrip("/"))
    other = Sandbox(SandboxOptions(data_dir=tmp_path / "other", port=taken, postgres=False, rabbitmq=False))

    with pytest.raises(OSError):
        other.start()

    assert (other.slack, other.bot, other.web) == (None, None, None)
    with Sandbox(SandboxOptions(data_dir=tmp_path / "other", port=0, postgres=False, rabbitmq=False)):
        pass  # the data dir lock was released too


@pytest.mark.postgres
def test_the_sandbox_starts_its_own_postgres_and_stops_it_on_close(reachable_dir: Path) -> None:
    with Sandbox(SandboxOptions(data_dir=reachable_dir, port=0, rabbitmq=False)) as sandbox:
        status = sandbox.postgres
        assert status.started_here and status.directory == reachable_dir / "postgres"
        assert sandbox.bot is not None and "postgres-database" not in sandbox.bot.services.unavailable
        dsn = sandbox.bot.runner.settings.postgres_admin_dsn
        assert dsn is not None
        with psycopg.connect(dsn.get_secret_value(), connect_timeout=10) as conn:
            assert conn.execute("select 1").fetchone() == (1,)

    with pytest.raises(psycopg.OperationalError):
        psycopg.connect(dsn.get_secret_value(), connect_timeout=3)


def test_the_sandbox_keeps_its_redis_across_restarts_so_cache_users_it_made_survive(tmp_path: Path) -> None:
    options = SandboxOptions(data_dir=tmp_path / "data", port=0, postgres=False, rabbitmq=False)
    with Sandbox(options) as sandbox:
        assert sandbox.redis.admin_url is not None and sandbox.bot is not None
        assert "redis-cache" not in sandbox.bot.services.unavailable
        first = sandbox.redis.admin_url
        with admin_client_for(first) as admin:
            # As the redis-cache provider does: set the user, then save the ACL file.
            admin.execute_command("ACL", "SETUSER", "cache-made-before", "on", ">pw", "~app:*", "+get")
            admin.execute_command("ACL", "SAVE")
            admin.set("app:kept", "1")
    with pytest.raises(redis.ConnectionError):
        admin_client_for(first).ping()

    with Sandbox(options) as again:
        assert again.redis.admin_url == first
        with admin_client_for(first) as admin:
            assert "cache-made-before" in admin.execute_command("ACL", "USERS")
            assert admin.get("app:kept") == "1"


def test_without_redis_or_rabbitmq_server_the_sandbox_runs_and_says_why_their_paths_are_unavailable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    # Debian's scripts are looked for before PATH.
    monkeypatch.setattr(rabbitmq_launcher, "DEBIAN_SCRIPTS", tmp_path / "no-debian-scripts")
    with Sandbox(SandboxOptions(data_dir=tmp_path / "data", port=0, postgres=False)) as sandbox:
        assert sandbox.bot is not None
        unavailable = sandbox.bot.services.unavailable
        reason = sandbox.redis.unavailable
        assert reason is not None and "redis-server is missing" in reason
        assert unavailable["redis-cache"] == reason
        reason = sandbox.rabbitmq.unavailable
        assert reason is not None and reason.startswith("the sandbox could not start a local rabbitmq-server")
        assert "rabbitmq-server is missing" in reason and "make setup" in reason
        assert unavailable["rabbitmq-vhost"] == reason
        assert sandbox.rabbitmq.server is None


@pytest.mark.engine
def test_the_sandbox_provisions_a_vhost_on_its_own_node_and_a_restart_finds_it(tmp_path: Path) -> None:
    options = SandboxOptions(
        data_dir=tmp_path / "data", port=0, postgres=False, pulumi_bin_dir=require_pulumi_cli()
    )
    intent = Intent(path="rabbitmq-vhost", name="orders", env="dev", params={"size": "small"})
    with Sandbox(options) as sandbox:
        assert sandbox.bot is not None and "rabbitmq-vhost" not in sandbox.bot.services.unavailable
        assert sandbox.rabbitmq.directory == tmp_path / "data" / "rabbitmq"
        node = node_of(sandbox)
        assert Admin(node).get("/overview") is not None  # its management API answers the administrator
        result = sandbox.bot.runner.up(intent)
        assert result.outputs["vhost"] == "orders-dev"
        assert Admin(node).get("/vhosts/orders-dev") is not None
    assert not rabbitmq_launcher.answers(node)  # closed with the sandbox

    with Sandbox(options) as again:
        assert again.bot is not None
        assert node_of(again) == node  # the ports and administrator the Pulumi state names
        assert Admin(node).get("/vhosts/orders-dev") is not None
        assert Admin(node).get("/users/orders-dev") is not None
        assert not again.bot.runner.drift(intent).has_drift


def node_of(sandbox: Sandbox) -> RabbitMQServer:
    """The node the sandbox handed rabbitmq-vhost, read back from the bot's own settings."""
    assert sandbox.bot is not None
    settings = sandbox.bot.runner.settings
    admin_url, amqp_url = (settings.path_setting("rabbitmq-vhost", k) for k in ("admin_url", "amqp_url"))
    assert admin_url is not None and amqp_url is not None
    admin = urlsplit(admin_url)
    assert admin.username and admin.password and admin.hostname and admin.port
    assert sandbox.rabbitmq.management == f"{admin.hostname}:{admin.port}"
    amqp = urlsplit(amqp_url)
    assert amqp.port is not None and sandbox.rabbitmq.server == f"{amqp.hostname}:{amqp.port}"
    return RabbitMQServer(
        amqp_port=amqp.port, management_port=admin.port, password=admin.password, user=admin.username
    )


def admin_client_for(url: str) -> redis.Redis:
    return redis.Redis.from_url(url, decode_responses=True, socket_connect_timeout=3)
