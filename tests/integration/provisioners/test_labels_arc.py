"""Attribution labels on the real engine (issue 14): what the program is handed ends up where each
system keeps such things, and a label changed there by hand is drift.

postgres-database: a COMMENT (JSON) on the database and on its role, read back with psycopg.
service: the checked-in `.platform/labels.json`, read back with git. The tests of each arc run in
file order and share their stack.
"""

from __future__ import annotations

import json
import subprocess
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest

from intents.intent import Intent
from provisioners import Runner
from provisioners.labels import Labels
from provisioners.programs.service import LABELS_FILE
from tests.support.postgres import PostgresServer
from tests.support.pulumi import SettingsFactory

pytestmark = [pytest.mark.engine]

ROLE = "pulumi-python:dynamic/platformbot:PostgresRole"
DATABASE = "pulumi-python:dynamic/platformbot:PostgresDatabase"
FILE = "pulumi-python:dynamic/platformbot:RepoFile"
DATABASE_INTENT = Intent(path="postgres-database", name="ledger", env="prod", params={"size": "small"})
SERVICE_INTENT = Intent(
    path="service",
    name="ledger-api",
    env="dev",
    params={"team": "payments", "language": "go", "owners": ("U1",)},
)


def labels_for(intent: Intent, request_id: str = "PB-41") -> Labels:
    return Labels.for_intent(
        intent, team="payments", cost_centre="CC-4711", request_id=request_id, requester="U0REQ"
    )


@dataclass
class PostgresArc:
    runner: Runner
    server: PostgresServer
    labels: Labels


@pytest.fixture(scope="module")
def pg(make_settings: SettingsFactory, postgres_server: PostgresServer) -> PostgresArc:
    return PostgresArc(
        Runner(make_settings(postgres_admin_dsn=postgres_server.dsn())),
        postgres_server,
        labels_for(DATABASE_INTENT),
    )


def comments(server: PostgresServer) -> tuple[dict[str, object], dict[str, object]]:
    """The COMMENTs of ledger_prod and its role, parsed (what a DBA or a cost tool would read)."""
    with psycopg.connect(server.dsn(), autocommit=True) as conn:
        database = conn.execute(
            "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = 'ledger_prod'"
        ).fetchone()
        role = conn.execute(
            "SELECT shobj_description(oid, 'pg_authid') FROM pg_roles WHERE rolname = 'ledger_prod_owner'"
        ).fetchone()
    assert database is not None and role is not None
    return json.loads(database[0]), json.loads(role[0])


def admin(server: PostgresServer, statement: str) -> None:
    with psycopg.connect(server.dsn(), autocommit=True) as conn:
        conn.execute(statement)


@pytest.mark.postgres
def test_the_plan_shows_the_labels_on_every_resource_to_create(pg: PostgresArc) -> None:
    plan = pg.runner.preview(DATABASE_INTENT, labels=pg.labels)
    assert [(c.type, c.op) for c in plan.changes] == [(ROLE, "create"), (DATABASE, "create")]
    for change in plan.changes:
        assert change.labels == pg.labels.as_input()
        assert change.after["labels"] == pg.labels.as_input()


@pytest.mark.postgres
def test_up_comments_the_database_and_the_role_with_the_labels_as_json(pg: PostgresArc) -> None:
    pg.runner.up(DATABASE_INTENT, labels=pg.labels)
    database, role = comments(pg.server)
    expected = {
        "team": "payments",
        "cost_centre": "CC-4711",
        "golden_path": "postgres-database",
        "request_id": "PB-41",
        "requester": "U0REQ",
        "environment": "prod",
    }
    assert database == role == {"created_by": "platformbot", "labels": expected}
    assert not pg.runner.preview(DATABASE_INTENT, labels=pg.labels).has_changes


@pytest.mark.postgres
def test_a_comment_changed_by_hand_is_drift_naming_the_labels(pg: PostgresArc) -> None:
    assert not pg.runner.drift(DATABASE_INTENT).has_drift
    tampered = {"created_by": "platformbot", "labels": {**pg.labels.as_input(), "cost_centre": "CC-0000"}}
    admin(pg.server, f"COMMENT ON DATABASE ledger_prod IS '{json.dumps(tampered)}'")
    (change,) = pg.runner.drift(DATABASE_INTENT).changes
    assert (change.type, change.op, change.keys) == (DATABASE, "update", ("labels",))
    assert change.after == {"labels": {**pg.labels.as_input(), "cost_centre": "CC-0000"}}


@pytest.mark.postgres
def test_a_comment_replaced_by_free_text_is_drift_too(pg: PostgresArc) -> None:
    admin(pg.server, "COMMENT ON ROLE ledger_prod_owner IS 'whose is this?'")
    changed = {(c.type, c.keys) for c in pg.runner.drift(DATABASE_INTENT).changes}
    assert (ROLE, ("labels",)) in changed


@pytest.mark.postgres
def test_the_next_up_writes_the_labels_back_and_a_relabel_is_an_update_in_place(pg: PostgresArc) -> None:
    pg.runner.up(DATABASE_INTENT, labels=pg.labels)
    assert comments(pg.server)[0]["labels"] == comments(pg.server)[1]["labels"] == pg.labels.as_input()
    assert not pg.runner.drift(DATABASE_INTENT).has_drift
    relabelled = labels_for(DATABASE_INTENT, request_id="PB-42")
    plan = pg.runner.preview(DATABASE_INTENT, labels=relabelled)
    assert {(c.type, c.op, c.keys) for c in plan.changes} == {
        (ROLE, "update", ("labels",)),
        (DATABASE, "update", ("labels",)),
    }
    pg.runner.up(DATABASE_INTENT, labels=relabelled)
    assert comments(pg.server)[0]["labels"] == relabelled.as_input()
    pg.runner.destroy(DATABASE_INTENT)


@dataclass
class ServiceArc:
    runner: Runner
    repo: Path
    labels: Labels


@pytest.fixture(scope="module")
def svc(make_settings: SettingsFactory, tmp_path_factory: pytest.TempPathFactory) -> ServiceArc:
    git_root = tmp_path_factory.mktemp("git-root")
    return ServiceArc(
        Runner(make_settings(git_root=git_root)), git_root / "ledger-api", labels_for(SERVICE_INTENT)
    )


def git(repo: Path, *args: str) -> str:
    env = {
        "GIT_CONFIG_GLOBAL": "/dev/null",
        "GIT_CONFIG_NOSYSTEM": "1",
        "PATH": "/usr/bin:/bin",
        "HOME": str(repo),
    }
    return subprocess.run(
        ["git", *args], cwd=repo, env=env, check=True, capture_output=True, text=True
    ).stdout


def test_the_service_repository_checks_in_its_labels_file(svc: ServiceArc) -> None:
    plan = svc.runner.preview(SERVICE_INTENT, labels=svc.labels)
    assert all(c.labels == svc.labels.as_input() for c in plan.changes)
    svc.runner.up(SERVICE_INTENT, labels=svc.labels)
    committed = json.loads(git(svc.repo, "show", f"main:{LABELS_FILE}"))
    assert committed == svc.labels.as_input()
    assert git(svc.repo, "log", "--format=%s", "--", LABELS_FILE).strip() == f"platformbot: add {LABELS_FILE}"


def test_a_hand_edited_labels_file_is_drift_and_the_next_up_restores_it(svc: ServiceArc) -> None:
    assert not svc.runner.drift(SERVICE_INTENT).has_drift
    (svc.repo / LABELS_FILE).write_text(json.dumps({**svc.labels.as_input(), "team": "search"}) + "\n")
    git(svc.repo, "-c", "user.name=Dev", "-c", "user.email=dev@x", "commit", "-qam", "ours now")
    (change,) = svc.runner.drift(SERVICE_INTENT).changes
    assert (change.type, change.name, change.op, change.keys) == (FILE, LABELS_FILE, "update", ("content",))
    assert '"team": "search"' in str(change.after["content"])
    svc.runner.up(SERVICE_INTENT, labels=svc.labels)
    assert json.loads((svc.repo / LABELS_FILE).read_text()) == svc.labels.as_input()
    assert not svc.runner.drift(SERVICE_INTENT).has_drift
    svc.runner.destroy(SERVICE_INTENT)
