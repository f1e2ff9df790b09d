"""Rotating postgres-database credentials on the real engine and a real PostgreSQL: a higher
credentials_version is planned as an update of the role alone, the apply issues a new password,
the new DSN connects and the old one is refused by the server. The tests share one stack, in order.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import psycopg
import pytest

from intents.intent import Intent
from provisioners import Runner
from tests.support.postgres import PostgresServer
from tests.support.pulumi import SettingsFactory

pytestmark = [pytest.mark.engine, pytest.mark.postgres]

ROLE = "pulumi-python:dynamic/platformbot:PostgresRole"


@dataclass
class Arc:
    runner: Runner
    intent: Intent
    dsns: list[str] = field(default_factory=list)


@pytest.fixture(scope="module")
def arc(make_settings: SettingsFactory, postgres_server: PostgresServer) -> Arc:
    runner = Runner(make_settings(postgres_admin_dsn=postgres_server.dsn()))
    intent = Intent(path="postgres-database", name="ledger", env="prod", params={"size": "small"})
    return Arc(runner, intent)


def connects(dsn: str) -> str:
    with psycopg.connect(dsn, connect_timeout=5) as conn:
        row = conn.execute("SELECT current_user").fetchone()
    assert row is not None
    return str(row[0])


def test_the_created_database_answers_its_first_password(arc: Arc) -> None:
    result = arc.runner.up(arc.intent)
    arc.dsns.append(str(result.secret_outputs["dsn"]))
    assert connects(arc.dsns[0]) == "ledger_prod_owner"


def test_the_same_credentials_version_plans_no_change(arc: Arc) -> None:
    assert arc.runner.preview(arc.intent).counts.get("update", 0) == 0


def test_a_rotation_is_planned_as_an_update_of_the_role_alone(arc: Arc) -> None:
    plan = arc.runner.preview(arc.intent.model_copy(update={"credentials_version": 1}))
    changed = [(c.type, c.op) for c in plan.changes if c.op != "same"]
    assert changed == [(ROLE, "update")]
    [role] = [c for c in plan.changes if c.type == ROLE]
    assert "credentials_version" in role.keys


def test_after_the_rotation_the_new_password_connects_and_the_old_is_refused(arc: Arc) -> None:
    result = arc.runner.up(arc.intent.model_copy(update={"credentials_version": 1}))
    arc.dsns.append(str(result.secret_outputs["dsn"]))
    assert arc.dsns[1] != arc.dsns[0]
    assert connects(arc.dsns[1]) == "ledger_prod_owner"
    with pytest.raises(psycopg.OperationalError, match="password authentication failed"):
        connects(arc.dsns[0])


def test_an_update_after_a_rotation_keeps_the_rotated_password(arc: Arc) -> None:
    resized = Intent(
        path="postgres-database", name="ledger", env="prod", params={"size": "medium"}, credentials_version=1
    )
    result = arc.runner.up(resized)
    assert str(result.secret_outputs["dsn"]) == arc.dsns[1]
    assert connects(arc.dsns[1]) == "ledger_prod_owner"


def test_destroy_after_rotation_removes_the_role(arc: Arc) -> None:
    arc.runner.destroy(arc.intent.model_copy(update={"credentials_version": 1}))
    with pytest.raises(psycopg.OperationalError):
        connects(arc.dsns[1])
