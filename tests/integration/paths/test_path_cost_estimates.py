"""Estimates of real plans of the golden-path packages (issue 14), each on its real server: a create
priced from the package's own price file, a resize as the difference, a destroy as a saving.

The price book is merged the way the bot loads it (bot.app.create_app): the shipped book plus every
added path's price file that discovery hands on. The expected amounts are read from the packages'
price files here, as plain YAML, so a changed price moves the expectation with it. Tests run in file
order and share one stack per path.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
import yaml

from bot.cost import BookPricing, Estimate, estimate_plan
from bot.cost.loader import DEFAULT_PRICES_PATH, load_prices
from intents.intent import Intent
from intents.loader import load_catalog
from provisioners import Runner, discover
from provisioners.discovery import Registry
from provisioners.labels import Labels
from provisioners.plan import Plan
from tests.support.pulumi import SettingsFactory
from tests.support.rabbitmq import RabbitMQServer, rabbitmq_or_skip
from tests.support.redis import RedisServer

pytestmark = [pytest.mark.engine]

REDIS_USER = "pulumi-python:dynamic/platformbot:RedisUser"
VHOST = "pulumi-python:dynamic/platformbot:RabbitVhost"
VHOST_USER = "pulumi-python:dynamic/platformbot:RabbitVhostUser"
# What a size becomes in the plan, the input each price file picks its price by (the arcs pin these).
REDIS_BUDGET_MB = {"small": 64, "medium": 256}
VHOST_CONNECTIONS = {"small": 10, "medium": 50}

REGISTRY = discover()


def bot_pricing(registry: Registry) -> BookPricing:
    """The price book as create_app builds it: shipped book + the added paths' price files."""
    return BookPricing(
        load_prices(DEFAULT_PRICES_PATH, registry.catalog(load_catalog()), registry.price_files())
    )


PRICING = bot_pricing(REGISTRY)


def price_file(path: str) -> Path:
    loaded = REGISTRY.find(path)
    assert loaded is not None and loaded.path.prices is not None
    return loaded.path.prices


def listed_price(path: str, resource_type: str, value: object = None) -> Decimal:
    """A monthly price as the package's price file writes it: flat, or for one value of its `by`."""
    raw = yaml.safe_load(price_file(path).read_text(encoding="utf-8"))
    (entry,) = [r for r in raw["paths"][path] if r["type"] == resource_type]
    chosen = entry["monthly"] if value is None else entry["prices"][str(value)]
    return Decimal(str(chosen))


def estimate(plan: Plan, path: str) -> Estimate:
    estimated = estimate_plan(plan, path, PRICING)
    # Every change of the real plan found its price: nothing left out of the sums as unknown.
    assert estimated.priced and estimated.unpriced == () and estimated.is_for(plan)
    assert len(estimated.resources) == len(plan.changes)
    return estimated


def test_the_bot_prices_both_paths_from_the_packages_own_price_files() -> None:
    files = set(REGISTRY.price_files())
    assert {price_file("redis-cache"), price_file("rabbitmq-vhost")} <= files
    assert {"redis-cache", "rabbitmq-vhost"} <= PRICING.priced_paths()


# --- redis-cache -----------------------------------------------------------------------------


def cache(size: str) -> Intent:
    return Intent(path="redis-cache", name="costs", env="dev", params={"size": size})


CACHE_LABELS = Labels.for_intent(
    cache("small"), team="payments", cost_centre="CC-1042", request_id="PB-14", requester="U0REQ"
)


@pytest.fixture(scope="module")
def redis_runner(make_settings: SettingsFactory, redis_server: RedisServer) -> Runner:
    settings = make_settings(path_settings={"redis-cache": {"admin_url": redis_server.admin_url()}})
    return Runner(settings, programs=REGISTRY.programs())


def test_a_new_small_cache_is_estimated_at_its_listed_price(redis_runner: Runner) -> None:
    plan = redis_runner.preview(cache("small"), CACHE_LABELS)

    estimated = estimate(plan, "redis-cache")

    small = listed_price("redis-cache", REDIS_USER, REDIS_BUDGET_MB["small"])
    assert [(c.type, c.op) for c in plan.changes] == [(REDIS_USER, "create")]
    assert (estimated.monthly_before, estimated.monthly_after) == (Decimal(0), small)
    assert estimated.monthly_delta == small > 0
    redis_runner.up(cache("small"), labels=CACHE_LABELS)


def test_a_resize_of_the_live_cache_is_estimated_as_the_difference(redis_runner: Runner) -> None:
    plan = redis_runner.preview(cache("medium"), CACHE_LABELS)

    estimated = estimate(plan, "redis-cache")

    small = listed_price("redis-cache", REDIS_USER, REDIS_BUDGET_MB["small"])
    medium = listed_price("redis-cache", REDIS_USER, REDIS_BUDGET_MB["medium"])
    assert [(c.type, c.op) for c in plan.changes] == [(REDIS_USER, "update")]
    assert (estimated.monthly_before, estimated.monthly_after) == (small, medium)
    assert estimated.monthly_delta == medium - small != 0
    redis_runner.up(cache("medium"), labels=CACHE_LABELS)


def test_a_destroy_of_the_cache_is_estimated_as_a_saving_of_its_price(redis_runner: Runner) -> None:
    plan = redis_runner.preview_destroy(cache("medium"))

    estimated = estimate(plan, "redis-cache")

    medium = listed_price("redis-cache", REDIS_USER, REDIS_BUDGET_MB["medium"])
    assert [(c.type, c.op) for c in plan.changes] == [(REDIS_USER, "delete")]
    assert (estimated.monthly_before, estimated.monthly_after) == (medium, Decimal(0))
    assert estimated.monthly_delta == -medium
    redis_runner.destroy(cache("medium"))


# --- rabbitmq-vhost --------------------------------------------------------------------------


def vhost(size: str) -> Intent:
    return Intent(path="rabbitmq-vhost", name="costs", env="dev", params={"size": size})


VHOST_LABELS = Labels.for_intent(
    vhost("small"), team="payments", cost_centre="CC-1042", request_id="PB-15", requester="U0REQ"
)


@pytest.fixture(scope="module")
def rabbitmq_server() -> Iterator[RabbitMQServer]:
    with rabbitmq_or_skip() as server:
        yield server


@pytest.fixture(scope="module")
def rabbit_runner(make_settings: SettingsFactory, rabbitmq_server: RabbitMQServer) -> Runner:
    settings = make_settings(
        path_settings={
            "rabbitmq-vhost": {
                "admin_url": rabbitmq_server.admin_url(),
                "amqp_url": rabbitmq_server.amqp_url(),
            }
        }
    )
    return Runner(settings, programs=REGISTRY.programs())


def vhost_price(size: str) -> Decimal:
    """The vhost's price for its size plus its user's flat one: what one request of it costs."""
    by_size = listed_price("rabbitmq-vhost", VHOST, VHOST_CONNECTIONS[size])
    return by_size + listed_price("rabbitmq-vhost", VHOST_USER)


def test_a_new_small_vhost_is_estimated_at_its_listed_price(rabbit_runner: Runner) -> None:
    plan = rabbit_runner.preview(vhost("small"), VHOST_LABELS)

    estimated = estimate(plan, "rabbitmq-vhost")

    assert sorted((c.type, c.op) for c in plan.changes) == [(VHOST, "create"), (VHOST_USER, "create")]
    assert (estimated.monthly_before, estimated.monthly_after) == (Decimal(0), vhost_price("small"))
    assert estimated.monthly_delta == vhost_price("small") > 0
    rabbit_runner.up(vhost("small"), labels=VHOST_LABELS)


def test_a_resize_of_the_live_vhost_is_estimated_as_the_difference(rabbit_runner: Runner) -> None:
    plan = rabbit_runner.preview(vhost("medium"), VHOST_LABELS)

    estimated = estimate(plan, "rabbitmq-vhost")

    small = listed_price("rabbitmq-vhost", VHOST, VHOST_CONNECTIONS["small"])
    medium = listed_price("rabbitmq-vhost", VHOST, VHOST_CONNECTIONS["medium"])
    # Only the vhost's limits change; the user is not in the plan, so its price is not either.
    assert [(c.type, c.op) for c in plan.changes] == [(VHOST, "update")]
    assert (estimated.monthly_before, estimated.monthly_after) == (small, medium)
    assert estimated.monthly_delta == medium - small != 0
    rabbit_runner.up(vhost("medium"), labels=VHOST_LABELS)


def test_a_destroy_of_the_vhost_is_estimated_as_a_saving_of_its_price(rabbit_runner: Runner) -> None:
    plan = rabbit_runner.preview_destroy(vhost("medium"))

    estimated = estimate(plan, "rabbitmq-vhost")

    assert sorted((c.type, c.op) for c in plan.changes) == [(VHOST, "delete"), (VHOST_USER, "delete")]
    assert (estimated.monthly_before, estimated.monthly_after) == (vhost_price("medium"), Decimal(0))
    assert estimated.monthly_delta == -vhost_price("medium")
    rabbit_runner.destroy(vhost("medium"))
