"""redis-cache (the package in provisioners/paths/redis_cache, installed by `make setup`) against the
real engine and a real redis-server, one stack for the arc: preview -> up -> connect -> resize ->
drift -> reconcile -> destroy. The tests run in file order and share the stack.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest
import redis

from intents.intent import Intent
from provisioners import Runner, discover
from provisioners.errors import EngineError, StackNotFound
from tests.support.pulumi import SettingsFactory
from tests.support.redis import RedisServer, admin_client

pytestmark = [pytest.mark.engine]

USER = "pulumi-python:dynamic/platformbot:RedisUser"


@dataclass
class Arc:
    runner: Runner
    server: RedisServer
    intent: Intent
    url: str = ""
    password: str = ""


@pytest.fixture(scope="module")
def arc(make_settings: SettingsFactory, redis_server: RedisServer) -> Arc:
    registry = discover()
    settings = make_settings(path_settings={"redis-cache": {"admin_url": redis_server.admin_url()}})
    runner = Runner(settings, programs=registry.programs())
    intent = Intent(path="redis-cache", name="sessions", env="staging", params={"size": "small"})
    return Arc(runner, redis_server, intent)


def as_user(arc: Arc, url: str | None = None) -> redis.Redis:
    return redis.Redis.from_url(url or arc.url, decode_responses=True)


def test_the_installed_package_is_discovered_through_its_entry_point() -> None:
    loaded = discover().find("redis-cache")
    assert loaded is not None
    assert (loaded.source, loaded.version) == ("package platformbot-redis-cache", "0.1.0")
    assert loaded.path.secret_outputs == {"password", "url"}
    assert loaded.entry.parameters["size"].allowed == ("small", "medium", "large")


def test_preview_shows_the_user_to_create_with_its_prefix_and_budget(arc: Arc) -> None:
    plan = arc.runner.preview(arc.intent)
    (change,) = plan.changes
    assert (change.type, change.op, change.stateful) == (USER, "create", True)
    assert change.after["name"] == "sessions-staging"
    assert change.after["key_prefix"] == "sessions:staging:"
    assert change.after["memory_budget_mb"] == 64
    assert arc.server.password not in plan.render_text()


def test_up_creates_a_user_whose_secret_url_connects(arc: Arc) -> None:
    result = arc.runner.up(arc.intent)
    assert set(result.secret_outputs) == {"password", "url"}
    assert not {"password", "url"} & set(result.outputs)
    assert result.outputs["username"] == "sessions-staging" and result.outputs["memory_budget_mb"] == 64
    arc.url, arc.password = str(result.secret_outputs["url"]), str(result.secret_outputs["password"])
    with as_user(arc) as client:
        assert client.acl_whoami() == "sessions-staging"
        client.set("sessions:staging:token", "abc")
        assert client.get("sessions:staging:token") == "abc"


def test_the_user_reaches_only_its_own_prefix_and_no_admin_commands(arc: Arc) -> None:
    with admin_client(arc.server) as admin:
        admin.set("billing:prod:secret", "keep-out")
    with as_user(arc) as client:
        for attempt in (
            lambda: client.get("billing:prod:secret"),
            lambda: client.set("elsewhere", "x"),
            lambda: client.keys("*"),
            lambda: client.flushall(),
            lambda: client.config_get("requirepass"),
        ):
            with pytest.raises(redis.exceptions.NoPermissionError):
                attempt()


def test_the_password_is_not_written_to_the_state_in_plain_text(arc: Arc) -> None:
    files = [p for p in Path(arc.runner.settings.state_dir).rglob("*") if p.is_file()]
    state = "".join(p.read_text(errors="replace") for p in files)
    assert any(p.name == "redis-cache.sessions.staging.json" for p in files)
    assert arc.password and arc.password not in state
    assert arc.server.password not in state


def test_after_up_the_same_request_previews_as_no_changes(arc: Arc) -> None:
    plan = arc.runner.preview(arc.intent)
    assert not plan.has_changes and plan.unchanged == 1


def test_a_resize_is_an_update_of_the_budget_that_keeps_the_password(arc: Arc) -> None:
    medium = arc.intent.model_copy(update={"params": {"size": "medium"}})
    plan = arc.runner.preview(medium)
    (change,) = plan.changes
    assert (change.op, change.keys) == ("update", ("memory_budget_mb",))
    assert (change.before, change.after) == ({"memory_budget_mb": 64}, {"memory_budget_mb": 256})
    result = arc.runner.up(medium)
    assert result.outputs["memory_budget_mb"] == 256
    assert result.secret_outputs["password"] == arc.password
    with as_user(arc) as client:
        assert client.get("sessions:staging:token") == "abc"
    arc.intent = medium


def test_an_acl_widened_by_hand_shows_up_as_drift(arc: Arc) -> None:
    assert not arc.runner.drift(arc.intent).has_drift
    with admin_client(arc.server) as admin:
        admin.execute_command("ACL", "SETUSER", "sessions-staging", "allkeys", "+@all")
    with as_user(arc) as client:
        assert client.get("billing:prod:secret") == "keep-out"  # the hand edit really widened it
    report = arc.runner.drift(arc.intent)
    (change,) = report.changes
    assert (change.type, change.op) == (USER, "update")
    assert set(change.keys) == {"key_prefix", "commands"}
    # The live key and channel patterns stand in for the prefix that no longer holds.
    assert (change.before["key_prefix"], change.after["key_prefix"]) == (
        "sessions:staging:",
        "~* &sessions:staging:*",
    )
    assert arc.password not in report.render_text()


def test_reconcile_puts_the_prefix_and_the_commands_back(arc: Arc) -> None:
    arc.runner.up(arc.intent)
    with as_user(arc) as client:
        with pytest.raises(redis.exceptions.NoPermissionError):
            client.get("billing:prod:secret")
        assert client.get("sessions:staging:token") == "abc"
    assert not arc.runner.drift(arc.intent).has_drift


def test_a_password_changed_by_hand_is_drift_and_reconcile_restores_the_issued_one(arc: Arc) -> None:
    with admin_client(arc.server) as admin:
        admin.execute_command("ACL", "SETUSER", "sessions-staging", "resetpass", ">changed-by-hand")
    with pytest.raises(redis.exceptions.AuthenticationError):
        as_user(arc).ping()
    assert arc.runner.drift(arc.intent).has_drift
    arc.runner.up(arc.intent)
    with as_user(arc) as client:
        assert client.ping()


def test_a_user_name_taken_on_the_server_fails_the_preview_readably(arc: Arc) -> None:
    taken = Intent(path="redis-cache", name="taken", env="dev", params={"size": "small"})
    with admin_client(arc.server) as admin:
        admin.execute_command("ACL", "SETUSER", "taken-dev", "on")
    try:
        with pytest.raises(EngineError) as caught:
            arc.runner.preview(taken)
    finally:
        with admin_client(arc.server) as admin:
            admin.acl_deluser("taken-dev")
    assert caught.value.message == (
        "The preview of stack `redis-cache.taken.dev` failed: "
        f'user: Redis user "taken-dev" already exists on 127.0.0.1:{arc.server.port}'
    )


def test_destroy_removes_the_user_and_its_keys_and_nothing_else(arc: Arc) -> None:
    with as_user(arc) as client:
        client.mset({f"sessions:staging:k{i}": str(i) for i in range(1200)})
    plan = arc.runner.preview_destroy(arc.intent)
    assert [(c.type, c.op, c.stateful) for c in plan.changes] == [(USER, "delete", True)]
    arc.runner.destroy(arc.intent)
    with admin_client(arc.server) as admin:
        assert admin.acl_getuser("sessions-staging") is None
        assert list(admin.scan_iter(match="sessions:staging:*")) == []
        assert admin.get("billing:prod:secret") == "keep-out"
    with pytest.raises(redis.exceptions.AuthenticationError):
        as_user(arc).ping()
    with pytest.raises(StackNotFound):
        arc.runner.drift(arc.intent)
