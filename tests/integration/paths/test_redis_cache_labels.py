"""redis-cache's attribution labels on the real engine and a real redis-server (issue 14): Redis
has no tags, so the provider keeps them in a hash of its own outside every cache's prefix; a hand
edit of it is drift, the next up writes them back, and the destroy removes them. In file order.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
import redis
from platformbot_redis_cache.provider import labels_key

from intents.intent import Intent
from provisioners import Runner, discover
from provisioners.labels import Labels
from tests.support.pulumi import SettingsFactory
from tests.support.redis import RedisServer, admin_client

pytestmark = [pytest.mark.engine]

USER = "pulumi-python:dynamic/platformbot:RedisUser"
INTENT = Intent(path="redis-cache", name="carts", env="prod", params={"size": "small"})
LABELS = Labels.for_intent(
    INTENT, team="payments", cost_centre="CC-4711", request_id="PB-8", requester="U0REQ"
)


@dataclass
class Arc:
    runner: Runner
    server: RedisServer
    url: str = ""


@pytest.fixture(scope="module")
def arc(make_settings: SettingsFactory, redis_server: RedisServer) -> Arc:
    settings = make_settings(path_settings={"redis-cache": {"admin_url": redis_server.admin_url()}})
    return Arc(Runner(settings, programs=discover().programs()), redis_server)


def test_up_keeps_the_labels_in_the_providers_hash(arc: Arc) -> None:
    (change,) = arc.runner.preview(INTENT, labels=LABELS).changes
    assert change.labels == LABELS.as_input()
    result = arc.runner.up(INTENT, labels=LABELS)
    arc.url = str(result.secret_outputs["url"])
    with admin_client(arc.server) as admin:
        assert admin.hgetall(labels_key("carts-prod")) == LABELS.as_input()


def test_the_cache_user_cannot_read_or_change_its_labels(arc: Arc) -> None:
    with redis.Redis.from_url(arc.url, decode_responses=True) as client:
        for attempt in (
            lambda: client.hgetall(labels_key("carts-prod")),
            lambda: client.hset(labels_key("carts-prod"), "team", "nobody"),
        ):
            with pytest.raises(redis.exceptions.NoPermissionError):
                attempt()


def test_a_label_changed_by_hand_is_drift_and_the_next_up_restores_it(arc: Arc) -> None:
    assert not arc.runner.drift(INTENT).has_drift
    with admin_client(arc.server) as admin:
        admin.hset(labels_key("carts-prod"), "cost_centre", "CC-0000")
    (change,) = arc.runner.drift(INTENT).changes
    assert (change.type, change.op, change.keys) == (USER, "update", ("labels",))
    assert change.after == {"labels": {**LABELS.as_input(), "cost_centre": "CC-0000"}}
    arc.runner.up(INTENT, labels=LABELS)
    with admin_client(arc.server) as admin:
        assert admin.hget(labels_key("carts-prod"), "cost_centre") == "CC-4711"
    assert not arc.runner.drift(INTENT).has_drift


def test_destroy_removes_the_labels_with_the_user(arc: Arc) -> None:
    arc.runner.destroy(INTENT)
    with admin_client(arc.server) as admin:
        assert admin.exists(labels_key("carts-prod")) == 0
