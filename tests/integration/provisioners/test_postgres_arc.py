"""postgres-database against the real engine and a real PostgreSQL cluster, one stack for the arc:
preview -> up -> size change -> drift -> destroy. The tests run in file order and share the stack.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
import pytest

from intents.intent import Intent
from provisioners import Plan, Progress, Runner, StackBusy
from provisioners.errors import EngineError, StackNotFound
from provisioners.providers.postgres import CREATED_MARK
from tests.support.postgres import PostgresServer
from tests.support.pulumi import SettingsFactory

pytestmark = [pytest.mark.engine, pytest.mark.postgres]

ROLE = "pulumi-python:dynamic/platformbot:PostgresRole"
DATABASE = "pulumi-python:dynamic/platformbot:PostgresDatabase"


@dataclass
class Arc:
    runner: Runner
    server: PostgresServer
    intent: Intent
    plans: list[Plan] = field(default_factory=list)
    dsn: str = ""


@pytest.fixture(scope="module")
def arc(make_settings: SettingsFactory, postgres_server: PostgresServer) -> Arc:
    runner = Runner(make_settings(postgres_admin_dsn=postgres_server.dsn()))
    intent = Intent(
        path="postgres-database",
        name="billing",
        env="staging",
        params={"size": "small", "extensions": ("citext",)},
    )
    return Arc(runner, postgres_server, intent)


def admin(server: PostgresServer, sql: str) -> list[tuple[object, ...]]:
    with psycopg.connect(server.dsn(), autocommit=True) as conn:
        cur = conn.execute(sql)
        return cur.fetchall() if cur.description else []


def test_preview_shows_the_role_and_the_database_to_create(arc: Arc) -> None:
    plan = arc.runner.preview(arc.intent)
    assert [(c.type, c.op, c.stateful) for c in plan.changes] == [
        (ROLE, "create", True),
        (DATABASE, "create", True),
    ]
    role, database = plan.changes
    assert role.after["name"] == "billing_staging_owner" and role.after["connection_limit"] == 10
    assert database.after["name"] == "billing_staging" and database.after["extensions"] == ["citext"]
    assert plan.counts == {"create": 2}
    arc.plans.append(plan)


def test_a_second_preview_of_the_same_request_has_the_same_hash(arc: Arc) -> None:
    assert arc.runner.preview(arc.intent).plan_hash == arc.plans[0].plan_hash


def test_up_creates_a_database_that_the_dsn_output_connects_to(arc: Arc) -> None:
    seen: list[Progress] = []
    result = arc.runner.up(arc.intent, on_progress=seen.append)
    assert result.outputs["database"] == "billing_staging"
    assert set(result.secret_outputs) == {"dsn"} and "dsn" not in result.outputs
    arc.dsn = str(result.secret_outputs["dsn"])
    with psycopg.connect(arc.dsn) as conn:
        row = conn.execute("SELECT current_user, current_database()").fetchone()
        extensions = conn.execute("SELECT extname FROM pg_extension WHERE extname = 'citext'").fetchall()
    assert row == ("billing_staging_owner", "billing_staging")
    assert extensions == [("citext",)]
    assert {(p.name, p.status) for p in seen} >= {("owner", "finished"), ("database", "finished")}


def test_secrets_are_not_written_to_the_state_in_plain_text(arc: Arc) -> None:
    password = arc.dsn.split(":")[2].split("@")[0]
    files = [p for p in Path(arc.runner.settings.state_dir).rglob("*") if p.is_file()]
    state = "".join(p.read_text(errors="replace") for p in files)
    assert any(p.name == "postgres-database.billing.staging.json" for p in files)
    assert password and password not in state
    assert arc.server.password not in state


def test_after_up_the_same_request_previews_as_no_changes(arc: Arc) -> None:
    plan = arc.runner.preview(arc.intent)
    assert not plan.has_changes and plan.unchanged == 2


def test_a_size_change_previews_as_an_update_naming_the_connection_limit(arc: Arc) -> None:
    medium = arc.intent.model_copy(update={"params": {**arc.intent.params, "size": "medium"}})
    plan = arc.runner.preview(medium)
    (change,) = plan.changes
    assert (change.type, change.op, change.keys) == (ROLE, "update", ("connection_limit",))
    assert (change.before, change.after) == ({"connection_limit": 10}, {"connection_limit": 50})
    assert "~ connection_limit: 10 => 50" in plan.render_text()
    assert plan.plan_hash != arc.plans[0].plan_hash


def test_a_second_operation_on_the_stack_during_an_update_is_stack_busy(arc: Arc) -> None:
    medium = arc.intent.model_copy(update={"params": {**arc.intent.params, "size": "medium"}})
    refused: list[Exception] = []
    # A runner that does not wait for the stack (the default waits out a drift check).
    impatient = Runner(arc.runner.settings.model_copy(update={"busy_wait_seconds": 0}))

    def try_preview(progress: Progress) -> None:
        if progress.status == "started" and not refused:
            try:
                impatient.preview(medium)
            except StackBusy as exc:
                refused.append(exc)

    arc.runner.up(medium, on_progress=try_preview)
    assert len(refused) == 1
    assert admin(arc.server, "SELECT rolconnlimit FROM pg_roles WHERE rolname = 'billing_staging_owner'") == [
        (50,)
    ]


def test_a_stack_locked_by_another_process_is_stack_busy(arc: Arc) -> None:
    stack = arc.runner.stack_name(arc.intent)
    lock_dir = (
        arc.runner.settings.state_dir / ".pulumi" / "locks" / "organization" / "postgres-database" / stack
    )
    lock_dir.mkdir(parents=True, exist_ok=True)  # earlier updates leave the directory behind
    lock = lock_dir / "other-process.json"
    lock.write_text(
        json.dumps({"pid": 1, "username": "ci", "hostname": "elsewhere", "timestamp": "2024-01-01T00:00:00Z"})
    )
    try:
        with pytest.raises(StackBusy):
            arc.runner.up(arc.intent)
    finally:
        lock.unlink()


def test_a_manual_alter_role_connection_limit_shows_up_as_drift(arc: Arc) -> None:
    assert not arc.runner.drift(arc.intent).has_drift
    admin(arc.server, "ALTER ROLE billing_staging_owner CONNECTION LIMIT 3")
    report = arc.runner.drift(arc.intent)
    (change,) = report.changes
    assert (change.type, change.op, change.keys) == (ROLE, "update", ("connection_limit",))
    assert (change.before, change.after) == ({"connection_limit": 50}, {"connection_limit": 3})
    assert "~ connection_limit: 50 => 3" in report.render_text()
    assert "password" not in report.render_text()


def test_preview_destroy_lists_both_stateful_resources_as_deletes(arc: Arc) -> None:
    plan = arc.runner.preview_destroy(arc.intent)
    assert [(c.type, c.op, c.stateful) for c in plan.changes] == [
        (DATABASE, "delete", True),
        (ROLE, "delete", True),
    ]


def test_destroy_removes_the_database_the_role_and_the_stack(arc: Arc) -> None:
    arc.runner.destroy(arc.intent)
    assert admin(arc.server, "SELECT 1 FROM pg_database WHERE datname = 'billing_staging'") == []
    assert admin(arc.server, "SELECT 1 FROM pg_roles WHERE rolname = 'billing_staging_owner'") == []
    assert arc.runner.list_stacks() == []
    with pytest.raises(StackNotFound):
        arc.runner.drift(arc.intent)


def test_a_name_taken_on_the_server_fails_the_preview_with_a_readable_message(arc: Arc) -> None:
    taken = Intent(path="postgres-database", name="ledger", env="dev", params={"size": "small"})
    admin(arc.server, "CREATE ROLE ledger_dev_owner")
    try:
        with pytest.raises(EngineError) as caught:
            arc.runner.preview(taken)
    finally:
        admin(arc.server, "DROP ROLE ledger_dev_owner")
    message = caught.value.message
    assert message == (
        "The preview of stack `postgres-database.ledger.dev` failed: "
        f'owner: role "ledger_dev_owner" already exists on 127.0.0.1:{arc.server.port}'
    )


def test_what_an_interrupted_create_left_is_adopted_by_the_next_up_and_its_dsn_connects(arc: Arc) -> None:
    # An apply killed after CREATE ROLE / CREATE DATABASE but before Pulumi recorded them: the role
    # carries the provider's mark, the database is owned by it, the state knows neither.
    resumed = Intent(path="postgres-database", name="resumed", env="dev", params={"size": "small"})
    admin(arc.server, "CREATE ROLE resumed_dev_owner LOGIN PASSWORD 'from-the-dead-attempt'")
    admin(arc.server, f"COMMENT ON ROLE resumed_dev_owner IS '{CREATED_MARK}'")
    admin(arc.server, "CREATE DATABASE resumed_dev OWNER resumed_dev_owner")
    try:
        result = arc.runner.up(resumed)
        dsn = str(result.secret_outputs["dsn"])
        with psycopg.connect(dsn) as conn:
            assert conn.execute("SELECT current_database()").fetchone() == ("resumed_dev",)
        assert "from-the-dead-attempt" not in dsn  # a fresh password, as for any create
    finally:
        arc.runner.destroy(resumed)
    assert admin(arc.server, "SELECT 1 FROM pg_roles WHERE rolname = 'resumed_dev_owner'") == []


def test_a_provider_failure_during_an_update_reaches_the_user_as_a_readable_message(arc: Arc) -> None:
    doomed = Intent(path="postgres-database", name="orders", env="dev", params={"size": "small"})
    arc.runner.preview(doomed)  # the names are free now...
    admin(arc.server, "CREATE DATABASE orders_dev")  # ...and one is taken between preview and apply
    try:
        with pytest.raises(EngineError) as caught:
            arc.runner.up(doomed)
    finally:
        admin(arc.server, "DROP DATABASE orders_dev")
    message = caught.value.message
    assert message.startswith("The update of stack `postgres-database.orders.dev` failed: ")
    assert 'database "orders_dev" already exists' in message
    assert arc.server.password not in message and "Traceback" not in message
