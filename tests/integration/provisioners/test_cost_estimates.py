"""Estimates of real plans from the real engine (issue 14): each golden path created, resized
(postgres-database) and destroyed, priced by the shipped price book. Tests run in file order."""

from __future__ import annotations

from decimal import Decimal

import pytest

from bot.cost import BookPricing, estimate_plan, load_price_book
from intents.intent import Intent
from provisioners import Runner
from tests.support.postgres import PostgresServer
from tests.support.pulumi import SettingsFactory

pytestmark = [pytest.mark.engine]

PRICING = BookPricing(load_price_book())


@pytest.fixture(scope="module")
def pg_runner(make_settings: SettingsFactory, postgres_server: PostgresServer) -> Runner:
    return Runner(make_settings(postgres_admin_dsn=postgres_server.dsn()))


def pg(size: str) -> Intent:
    # A name of its own on the shared session server (other arcs use billing, ledger, orders).
    return Intent(path="postgres-database", name="costs", env="dev", params={"size": size})


@pytest.mark.postgres
def test_a_new_small_database_is_estimated_at_its_share_plus_storage(pg_runner: Runner) -> None:
    plan = pg_runner.preview(pg("small"))

    estimate = estimate_plan(plan, "postgres-database", PRICING)

    assert estimate.is_for(plan) and estimate.unpriced == ()
    assert (estimate.monthly_before, estimate.monthly_after) == (Decimal(0), Decimal(20))
    pg_runner.up(pg("small"))


@pytest.mark.postgres
def test_a_resize_of_the_live_database_is_estimated_as_the_difference(pg_runner: Runner) -> None:
    plan = pg_runner.preview(pg("large"))

    estimate = estimate_plan(plan, "postgres-database", PRICING)

    assert [c.op for c in plan.changes] == ["update"]
    assert estimate.monthly_delta == Decimal(105)  # 120 - 15 for the role; storage unchanged


@pytest.mark.postgres
def test_a_destroy_of_the_database_is_estimated_as_a_saving(pg_runner: Runner) -> None:
    plan = pg_runner.preview_destroy(pg("small"))

    estimate = estimate_plan(plan, "postgres-database", PRICING)

    assert estimate.monthly_delta == Decimal(-20)
    pg_runner.destroy(pg("small"))


def test_a_service_is_estimated_when_created_and_saved_when_destroyed(
    make_settings: SettingsFactory, tmp_path_factory: pytest.TempPathFactory
) -> None:
    runner = Runner(make_settings(git_root=tmp_path_factory.mktemp("git"), git_author_email="bot@p.test"))
    intent = Intent(
        path="service",
        name="cost-api",
        env="dev",
        params={"team": "payments", "language": "go", "owners": ("U1",)},
    )

    created = estimate_plan(runner.preview(intent), "service", PRICING)
    runner.up(intent)
    destroyed = estimate_plan(runner.preview_destroy(intent), "service", PRICING)
    runner.destroy(intent)

    # The repository (4) and its assumed 1500 CI minutes at 0.008; files cost nothing.
    assert created.monthly_delta == Decimal(16) and created.unpriced == ()
    assert destroyed.monthly_delta == Decimal(-16)
