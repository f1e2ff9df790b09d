"""Estimates of plans: before/after per resource, the delta, unpriced resources never counted as 0."""

from __future__ import annotations

from decimal import Decimal

from bot.cost import BookPricing, estimate_plan, load_price_book
from bot.cost.budgets import BudgetUse
from bot.cost.present import cost_line, money
from provisioners.plan import UNKNOWN, Plan, ResourceChange

ROLE = "pulumi-python:dynamic/platformbot:PostgresRole"
DATABASE = "pulumi-python:dynamic/platformbot:PostgresDatabase"
PRICING = BookPricing(load_price_book())


def change(
    type_: str, op: str, before: dict[str, object] | None = None, after: dict[str, object] | None = None
) -> ResourceChange:
    name = type_.rsplit(":", 1)[-1].lower()
    return ResourceChange.model_validate(
        {
            "urn": f"urn:pulumi:s::p::{type_}::{name}",
            "type": type_,
            "name": name,
            "op": op,
            "before": before or {},
            "after": after or {},
        }
    )


def plan(*changes: ResourceChange) -> Plan:
    return Plan.build("s", changes)


def test_a_new_small_database_costs_its_role_share_plus_storage() -> None:
    made = plan(
        change(ROLE, "create", after={"connection_limit": 10}),
        change(DATABASE, "create", after={"name": "b"}),
    )

    estimate = estimate_plan(made, "postgres-database", PRICING)

    assert (estimate.monthly_before, estimate.monthly_after, estimate.monthly_delta) == (0, 20, 20)
    assert estimate.is_for(made) and estimate.unpriced == ()
    assert [(r.op, r.monthly_before, r.monthly_after) for r in estimate.resources] == [
        ("create", None, Decimal(15)),
        ("create", None, Decimal(5)),
    ]


def test_a_resize_prices_both_sides_of_the_update() -> None:
    resized = plan(change(ROLE, "update", before={"connection_limit": 10}, after={"connection_limit": 50}))

    estimate = estimate_plan(resized, "postgres-database", PRICING)

    assert (estimate.monthly_before, estimate.monthly_after, estimate.monthly_delta) == (15, 45, 30)


def test_an_update_that_leaves_the_priced_input_alone_keeps_the_flat_price() -> None:
    touched = plan(change(DATABASE, "update", before={"extensions": []}, after={"extensions": ["citext"]}))

    assert estimate_plan(touched, "postgres-database", PRICING).monthly_delta == 0


def test_a_destroy_shows_the_saving() -> None:
    gone = plan(change(ROLE, "delete", before={"connection_limit": 200}), change(DATABASE, "delete"))

    estimate = estimate_plan(gone, "postgres-database", PRICING)

    assert estimate.monthly_delta == Decimal(-125)
    budget = BudgetUse(team="payments", currency="EUR", committed=Decimal(355), monthly_limit=Decimal(500))
    assert cost_line(estimate, budget) == (
        "Est. -EUR 125/month (saving); team payments: EUR 355 -> EUR 230 of EUR 500"
    )


def test_a_replace_prices_the_old_and_the_new_resource() -> None:
    swapped = plan(change(ROLE, "replace", before={"connection_limit": 50}, after={"connection_limit": 10}))

    assert estimate_plan(swapped, "postgres-database", PRICING).monthly_delta == -30


def test_a_price_input_known_only_after_apply_is_unpriced_not_zero() -> None:
    unknown = plan(change(ROLE, "create", after={"connection_limit": UNKNOWN}), change(DATABASE, "create"))

    estimate = estimate_plan(unknown, "postgres-database", PRICING)

    assert estimate.unpriced == ("platformbot:PostgresRole postgresrole",)
    assert cost_line(estimate) == "Est. +EUR 5/month; not priced: platformbot:PostgresRole postgresrole"


def test_a_path_without_prices_says_no_estimate() -> None:
    estimate = estimate_plan(plan(change("x:y:Z", "create")), "message-queue", PRICING)

    assert not estimate.priced and estimate.resources == ()
    assert cost_line(estimate) == "No estimate: the price book has no prices for message-queue."


def test_the_thread_line_names_the_team_budget_before_and_after() -> None:
    made = plan(change(ROLE, "create", after={"connection_limit": 200}), change(DATABASE, "create"))
    budget = BudgetUse(team="payments", currency="EUR", committed=Decimal(310), monthly_limit=Decimal(500))

    line = cost_line(estimate_plan(made, "postgres-database", PRICING), budget)

    assert line == "Est. +EUR 125/month; team payments: EUR 310 -> EUR 435 of EUR 500"
    assert budget.remaining == 190 and not budget.over_limit() and budget.after(Decimal(200)).over_limit()


def test_a_service_costs_the_repository_and_its_ci_minutes() -> None:
    repo = "pulumi-python:dynamic/platformbot:GitRepository"
    made = plan(change(repo, "create"), change("pulumi-python:dynamic/platformbot:RepoFile", "create"))

    estimate = estimate_plan(made, "service", PRICING)

    assert estimate.monthly_delta == 16
    assert cost_line(estimate, BudgetUse(team="t", currency="EUR", committed=Decimal(0))) == (
        "Est. +EUR 16/month; team t: EUR 0 -> EUR 16"
    )


def test_no_change_in_cost_is_shown_as_plus_minus_zero_and_cents_only_when_needed() -> None:
    assert cost_line(estimate_plan(plan(), "service", PRICING)) == "Est. ±EUR 0/month"
    assert money(Decimal("12.5"), "EUR") == "EUR 12.50" and money(Decimal(1500), "USD") == "USD 1,500"
