"""The sandbox's local PostgreSQL: created once, started again with the same port and data."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from bot.devtools.sandbox.errors import PostgresUnavailable
from bot.devtools.sandbox.postgres import LocalCluster, cluster_root_for


@pytest.fixture
def reachable_dir() -> Iterator[Path]:
    """A directory PostgreSQL's own account can reach even when the tests run as root (pytest's
    tmp dirs under /tmp/pytest-of-root are 0700)."""
    path = Path(tempfile.mkdtemp(prefix="platformbot-cluster-test-"))
    path.chmod(0o755)
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


def _cluster(root: Path) -> LocalCluster:
    try:
        return LocalCluster(root)
    except PostgresUnavailable as exc:
        if os.environ.get("CI"):
            pytest.fail(str(exc))
        pytest.skip(str(exc))


@pytest.mark.postgres
def test_a_cluster_keeps_its_data_port_and_password_across_restarts(reachable_dir: Path) -> None:
    cluster = _cluster(reachable_dir / "postgres")
    try:
        first = cluster.start()
        with psycopg.connect(first.dsn(), autocommit=True) as conn:
            conn.execute("create database kept")
        cluster.stop()

        second = cluster.start()
        assert (second.port, second.password) == (first.port, first.password)
        with psycopg.connect(second.dsn("kept")) as conn:
            assert conn.execute("select current_database()").fetchone() == ("kept",)
    finally:
        cluster.stop()


@pytest.mark.postgres
def test_a_cluster_already_running_is_reused_not_started_twice(reachable_dir: Path) -> None:
    cluster = _cluster(reachable_dir / "postgres")
    try:
        first = cluster.start()
        # A sandbox killed without cleaning up leaves its server running; the next one adopts it.
        again = LocalCluster(reachable_dir / "postgres").start()
        assert again == first
    finally:
        cluster.stop()


@pytest.mark.postgres
def test_a_broken_cluster_is_reported_with_the_servers_own_words(reachable_dir: Path) -> None:
    root = reachable_dir / "postgres"
    (root / "data").mkdir(parents=True)
    (root / "data" / "PG_VERSION").write_text("1\n")
    (root / "admin-password").write_text("x")
    cluster = _cluster(root)

    with pytest.raises(PostgresUnavailable, match="PostgreSQL did not start"):
        cluster.start()


def test_the_cluster_lives_in_the_data_dir_when_the_server_account_can_reach_it(reachable_dir: Path) -> None:
    assert cluster_root_for(reachable_dir) == reachable_dir / "postgres"


@pytest.mark.skipif(os.geteuid() != 0, reason="only root runs the server as another account")
def test_as_root_a_data_dir_the_server_cannot_reach_moves_the_cluster_to_var_tmp(reachable_dir: Path) -> None:
    private = reachable_dir / "home"
    private.mkdir(mode=0o700)

    root = cluster_root_for(private / "sandbox")

    assert root.parent == Path("/var/tmp") and root.name.startswith("platformbot-postgres-")
    assert cluster_root_for(private / "sandbox") == root
    assert cluster_root_for(private / "other") != root
