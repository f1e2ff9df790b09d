"""Pulumi state in PostgreSQL (`backend_url: postgres://...`, the CLI's DIY backend): the real
engine against a real server, so two machines with nothing local in common share one state."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import psycopg
import pytest

from intents.intent import Intent
from provisioners.runner import Runner
from provisioners.settings import RunnerSettings
from provisioners.state_backend import prepare_postgres_backend
from tests.support.postgres import PostgresServer
from tests.support.pulumi import require_pulumi_cli

pytestmark = pytest.mark.postgres

SERVICE = Intent(
    path="service", name="shared-state", env="dev", params={"team": "payments", "language": "go"}
)


@pytest.fixture
def backend_url(postgres_server: PostgresServer) -> Iterator[str]:
    name = f"pb_state_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(postgres_server.dsn(), autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        # The CLI's driver wants postgres:// and, for a local server without TLS, sslmode=disable.
        yield postgres_server.dsn(name).replace("postgresql://", "postgres://", 1) + "?sslmode=disable"
    finally:
        with psycopg.connect(postgres_server.dsn(), autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _machine(root: Path, backend_url: str, git_root: Path) -> Runner:
    """A runner with a state directory and work directory of its own, as on another host."""
    settings = {
        "state_dir": root / "state",
        "work_dir": root / "work",
        "passphrase": "shared-passphrase",
        "pulumi_bin_dir": require_pulumi_cli(),
        "backend_url": backend_url,
        "git_root": git_root,
    }
    return Runner(RunnerSettings.model_validate(settings))


def test_state_applied_on_one_machine_is_seen_by_another_through_postgresql(
    tmp_path: Path, backend_url: str
) -> None:
    git_root = tmp_path / "repos"  # what the program creates, not Pulumi state
    first = _machine(tmp_path / "a", backend_url, git_root)
    assert first.preview(SERVICE).has_changes
    first.up(SERVICE)

    second = _machine(tmp_path / "b", backend_url, git_root)
    assert not second.preview(SERVICE).has_changes  # it knows what the first one created

    # The state is in the database, not in either machine's state directory.
    assert not any((tmp_path / "a" / "state").rglob("*.json"))
    assert not any((tmp_path / "b" / "state").rglob("*.json"))
    with psycopg.connect(backend_url.replace("postgres://", "postgresql://", 1)) as conn:
        tables = conn.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'"
        ).fetchone()
    assert tables is not None and tables[0] > 0


def test_many_first_logins_at_once_find_the_state_table_ready(backend_url: str) -> None:
    # A fleet starts together; the CLI's own CREATE TABLE IF NOT EXISTS races against itself.
    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(lambda _: prepare_postgres_backend(backend_url), range(8)))
    with psycopg.connect(backend_url.replace("postgres://", "postgresql://", 1)) as conn:
        index = conn.execute(
            "SELECT indexdef FROM pg_indexes WHERE indexname = 'pulumi_state_key_prefix_idx'"
        ).fetchone()
    assert index is not None and "text_pattern_ops" in index[0]


def test_a_runner_prepares_its_postgres_backend_before_its_first_engine_call(
    tmp_path: Path, backend_url: str
) -> None:
    runner = _machine(tmp_path / "a", backend_url, tmp_path / "repos")
    runner.preview(SERVICE)
    with psycopg.connect(backend_url.replace("postgres://", "postgresql://", 1)) as conn:
        found = conn.execute("SELECT to_regclass('public.pulumi_state') IS NOT NULL").fetchone()
    assert found == (True,)


def test_an_unreachable_backend_is_left_to_the_engine_to_report(caplog: pytest.LogCaptureFixture) -> None:
    prepare_postgres_backend("postgres://u:secret@127.0.0.1:1/none?sslmode=disable&connect_timeout=1")
    assert "could not prepare the Pulumi state backend postgres://u:***@127.0.0.1:1" in caplog.text
    assert "secret" not in caplog.text
