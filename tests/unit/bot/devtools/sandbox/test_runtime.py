"""Sandbox start-up: one per data dir, nothing taken from the person's shell, a clear reason
when PostgreSQL or redis-server is missing."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
import redis

from bot.devtools.sandbox.config import ADMIN_DSN_ENV, SandboxOptions
from bot.devtools.sandbox.errors import DataDirBusy
from bot.devtools.sandbox.runtime import Sandbox


def test_a_second_sandbox_on_the_same_data_dir_is_refused_until_the_first_stops(
    sandbox: Sandbox, tmp_path: Path
) -> None:
    second = Sandbox(SandboxOptions(data_dir=tmp_path / "data", port=0, postgres=False))
    with pytest.raises(DataDirBusy, match="--data-dir"):
        second.start()
    assert second.slack is None and second.bot is None

    sandbox.close()
    with second:
        assert second.page_url.startswith("http://127.0.0.1:")


def test_an_admin_dsn_in_the_shell_never_reaches_the_sandbox(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(ADMIN_DSN_ENV, "postgresql://admin:secret@prod-db.example:5432/postgres")

    with Sandbox(SandboxOptions(data_dir=tmp_path / "data", port=0, postgres=False)) as sandbox:
        assert sandbox.bot is not None
        assert sandbox.bot.runner.settings.postgres_admin_dsn is None
        assert sandbox.bot.services.unavailable == {
            "postgres-database": "the sandbox was started with --no-postgres"
        }
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

    with Sandbox(SandboxOptions(data_dir=reachable_dir, port=0)) as sandbox:
        reason = sandbox.postgres.unavailable
        assert reason is not None and reason.startswith("the sandbox could not start a local PostgreSQL")
        assert sandbox.bot is not None
        assert sandbox.bot.services.unavailable["postgres-database"] == reason


def test_a_failed_start_stops_what_it_started(sandbox: Sandbox, tmp_path: Path) -> None:
    assert sandbox.web is not None
    taken = int(sandbox.page_url.rsplit(":", 1)[1].rstrip("/"))
    other = Sandbox(SandboxOptions(data_dir=tmp_path / "other", port=taken, postgres=False))

    with pytest.raises(OSError):
        other.start()

    assert (other.slack, other.bot, other.web) == (None, None, None)
    with Sandbox(SandboxOptions(data_dir=tmp_path / "other", port=0, postgres=False)):
        pass  # the data dir lock was released too


@pytest.mark.postgres
def test_the_sandbox_starts_its_own_postgres_and_stops_it_on_close(reachable_dir: Path) -> None:
    with Sandbox(SandboxOptions(data_dir=reachable_dir, port=0)) as sandbox:
        status = sandbox.postgres
        assert status.started_here and status.directory == reachable_dir / "postgres"
        assert sandbox.bot is not None and sandbox.bot.services.unavailable == {}
        dsn = sandbox.bot.runner.settings.postgres_admin_dsn
        assert dsn is not None
        with psycopg.connect(dsn.get_secret_value(), connect_timeout=10) as conn:
            assert conn.execute("select 1").fetchone() == (1,)

    with pytest.raises(psycopg.OperationalError):
        psycopg.connect(dsn.get_secret_value(), connect_timeout=3)


def test_the_sandbox_keeps_its_redis_across_restarts_so_cache_users_it_made_survive(tmp_path: Path) -> None:
    options = SandboxOptions(data_dir=tmp_path / "data", port=0, postgres=False)
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


def test_without_redis_server_the_sandbox_runs_and_says_why_redis_cache_is_unavailable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    with Sandbox(SandboxOptions(data_dir=tmp_path / "data", port=0, postgres=False)) as sandbox:
        reason = sandbox.redis.unavailable
        assert reason is not None and "redis-server is missing" in reason
        assert sandbox.bot is not None and sandbox.bot.services.unavailable["redis-cache"] == reason


def admin_client_for(url: str) -> redis.Redis:
    return redis.Redis.from_url(url, decode_responses=True, socket_connect_timeout=3)
