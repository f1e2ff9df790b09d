"""Rotating a redis-cache user's password on the real engine and a real redis-server: the new
password authenticates, the old one is refused, the keys stay. The tests share one stack, in order.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest
import redis

from intents.intent import Intent
from provisioners import Runner, discover
from tests.support.pulumi import SettingsFactory
from tests.support.redis import RedisServer

pytestmark = [pytest.mark.engine]

USER = "pulumi-python:dynamic/platformbot:RedisUser"


@dataclass
class Arc:
    runner: Runner
    intent: Intent
    urls: list[str] = field(default_factory=list)


@pytest.fixture(scope="module")
def arc(make_settings: SettingsFactory, redis_server: RedisServer) -> Arc:
    settings = make_settings(path_settings={"redis-cache": {"admin_url": redis_server.admin_url()}})
    runner = Runner(settings, programs=discover().programs())
    return Arc(runner, Intent(path="redis-cache", name="tokens", env="prod", params={"size": "small"}))


def whoami(url: str) -> str:
    client = redis.Redis.from_url(url, decode_responses=True, socket_timeout=5)
    try:
        return str(client.execute_command("ACL", "WHOAMI"))
    finally:
        client.close()


def test_the_created_user_answers_with_its_first_password(arc: Arc) -> None:
    result = arc.runner.up(arc.intent)
    arc.urls.append(str(result.secret_outputs["url"]))
    assert whoami(arc.urls[0]) == "tokens-prod"
    client = redis.Redis.from_url(arc.urls[0], decode_responses=True)
    client.set("tokens:prod:kept", "yes")
    client.close()


def test_a_rotation_is_planned_as_an_update_of_the_user(arc: Arc) -> None:
    plan = arc.runner.preview(arc.intent.model_copy(update={"credentials_version": 1}))
    [change] = plan.changes
    assert (change.type, change.op) == (USER, "update")
    assert "credentials_version" in change.keys


def test_after_the_rotation_the_new_password_works_and_the_old_is_refused(arc: Arc) -> None:
    result = arc.runner.up(arc.intent.model_copy(update={"credentials_version": 1}))
    arc.urls.append(str(result.secret_outputs["url"]))
    assert arc.urls[1] != arc.urls[0]
    assert whoami(arc.urls[1]) == "tokens-prod"
    with pytest.raises(redis.AuthenticationError):
        whoami(arc.urls[0])
    client = redis.Redis.from_url(arc.urls[1], decode_responses=True)
    assert client.get("tokens:prod:kept") == "yes"
    client.close()


def test_the_rotated_user_shows_no_drift(arc: Arc) -> None:
    report = arc.runner.drift(arc.intent.model_copy(update={"credentials_version": 1}))
    assert not report.has_drift, report


def test_destroy_after_rotation_removes_the_user(arc: Arc) -> None:
    arc.runner.destroy(arc.intent.model_copy(update={"credentials_version": 1}))
    with pytest.raises(redis.AuthenticationError):
        whoami(arc.urls[1])
