"""`/platform costs`: answered from the stored estimates of live resources, against each budget."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from bot.config import TeamBudget
from bot.cost.slack import CostsFeature
from bot.store import ResourceRow, Store, repository
from intents import CostsCommand
from tests.support.store_rows import T0, request_row


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    store = Store.from_url(f"sqlite:///{tmp_path / 'costs.sqlite3'}")
    yield store
    store.dispose()


def _live(store: Store, stack: str, team: str, monthly: str | None) -> None:
    with store.write() as session:
        row = repository.insert_request(
            session,
            request_row(
                stack_name=stack,
                state="succeeded",
                cost_monthly=None if monthly is None else Decimal(monthly),
            ),
        )
        assert row.id is not None
        session.add(
            ResourceRow(
                stack_name=stack,
                path="service",
                owner_team=team,
                created_by=row.id,
                request_id=row.id,
                created_at=T0,
                updated_at=T0,
            )
        )


def _answer(feature: CostsFeature, team: str | None) -> str:
    answers: list[dict[str, Any]] = []
    feature.command(CostsCommand(team=team), "U0REQ", lambda **kw: answers.append(kw), {})  # type: ignore[arg-type]
    (answer,) = answers
    assert answer["response_type"] == "ephemeral"
    return "\n".join(str(b.get("text", {}).get("text", "")) for b in answer["blocks"] if "text" in b) + str(
        answer["blocks"][-1]
    )


def test_costs_shows_each_team_against_its_budget_with_its_dearest_resources(store: Store) -> None:
    _live(store, "service-ledger-prod", "payments", "16")
    _live(store, "postgres-database-billing-prod", "payments", "125")
    _live(store, "service-old-prod", "payments", None)
    _live(store, "service-search-prod", "search", "16")
    feature = CostsFeature(
        store=store, budgets={"payments": TeamBudget(monthly_budget=Decimal(500))}, currency="EUR"
    )

    text = _answer(feature, None)

    assert "*payments*: EUR 141/month of EUR 500 (EUR 359 left)" in text
    assert "3 live resources, 1 without an estimate (not counted)" in text
    assert text.index("postgres-database-billing-prod") < text.index("service-ledger-prod")
    assert "*search*: EUR 16/month" in text and "All teams: EUR 157/month." in text


def test_costs_of_one_team_shows_that_team_only(store: Store) -> None:
    _live(store, "service-ledger-prod", "payments", "600")
    _live(store, "service-search-prod", "search", "16")
    feature = CostsFeature(
        store=store, budgets={"payments": TeamBudget(monthly_budget=Decimal(500))}, currency="EUR"
    )

    text = _answer(feature, "payments")

    assert "(over by EUR 100)" in text and "search" not in text


def _respond(feature: CostsFeature, command: CostsCommand) -> dict[str, Any]:
    answers: list[dict[str, Any]] = []
    feature.command(command, "U0REQ", lambda **kw: answers.append(kw), {})  # type: ignore[arg-type]
    (answer,) = answers
    assert answer["response_type"] == "ephemeral"
    return answer


def test_a_team_or_path_nobody_knows_is_answered_privately_with_what_is_accepted(store: Store) -> None:
    _live(store, "service-ledger-prod", "payments", "16")
    feature = CostsFeature(
        store=store,
        budgets={},
        currency="EUR",
        teams=("payments", "search"),
        paths=("service", "redis-cache"),
    )

    answer = _respond(feature, CostsCommand(team="paymnets"))

    assert "blocks" not in answer
    assert answer["text"] == (
        "No team `paymnets`. `costs` takes a team (payments, search), a golden path "
        "(redis-cache, service), and 30d or 90d for the trend."
    )


def test_costs_of_a_golden_path_shows_its_run_rate_per_team_without_budgets(store: Store) -> None:
    _live(store, "service-ledger-prod", "payments", "16")
    _live(store, "service-search-prod", "search", "20")
    feature = CostsFeature(
        store=store,
        budgets={"payments": TeamBudget(monthly_budget=Decimal(500))},
        currency="EUR",
        teams=("payments", "search"),
        paths=("service",),
    )

    text = str(_respond(feature, CostsCommand(path="service", days=90))["blocks"])

    assert "Monthly cost of live resources: service" in text
    assert "*search*: EUR 20/month" in text and "*payments*: EUR 16/month" in text
    assert "of EUR 500" not in text  # a path's share is not the team's whole spend
    assert "service: EUR 36/month, 2 live; teams payments, search" in text
