"""Requests keep their cost estimate; live resources are read with the request that last changed them."""

from __future__ import annotations

from decimal import Decimal

from bot.store import ResourceRow, Store, repository
from tests.support.store_rows import T0, request_row


def _stored(store: Store, stack: str, monthly: str | None, **overrides: object) -> int:
    with store.write() as session:
        row = repository.insert_request(
            session,
            request_row(
                stack_name=stack,
                state="succeeded",
                cost_monthly=None if monthly is None else Decimal(monthly),
                cost_currency="EUR",
                cost_plan_hash="h" * 64,
                cost={"estimate": {"path": "service"}},
                **overrides,
            ),
        )
        assert row.id is not None
        return row.id


def _live(store: Store, stack: str, team: str, number: int) -> None:
    with store.write() as session:
        live = session.get(ResourceRow, stack)
        if live is None:
            session.add(
                ResourceRow(
                    stack_name=stack,
                    path="service",
                    owner_team=team,
                    created_by=number,
                    request_id=number,
                    created_at=T0,
                    updated_at=T0,
                )
            )
        else:
            live.request_id = number
            session.add(live)


def test_the_estimate_round_trips_to_the_cent_as_a_decimal(store: Store) -> None:
    number = _stored(store, "cost-round-trip", "12.345")

    with store.read() as session:
        row = repository.get_request(session, number)
    assert row is not None
    assert row.cost_monthly == Decimal("12.345") and isinstance(row.cost_monthly, Decimal)
    assert (row.cost_currency, row.cost_plan_hash, row.cost) == (
        "EUR",
        "h" * 64,
        {"estimate": {"path": "service"}},
    )


def test_a_request_without_an_estimate_stores_null_not_zero(store: Store) -> None:
    number = _stored(store, "cost-none", None)

    with store.read() as session:
        row = repository.get_request(session, number)
    assert row is not None and row.cost_monthly is None


def test_a_live_resource_is_read_with_the_request_that_last_changed_it(store: Store) -> None:
    created = _stored(store, "cost-resized", "20")
    _live(store, "cost-resized", "cost-team-a", created)
    resized = _stored(store, "cost-resized", "50")
    _live(store, "cost-resized", "cost-team-a", resized)
    other = _stored(store, "cost-other", "7")
    _live(store, "cost-other", "cost-team-b", other)

    with store.read() as session:
        mine = repository.live_resources_with_cost(session, team="cost-team-a")
        exists, last = repository.live_change(session, "cost-resized")
        gone = repository.live_change(session, "cost-never-built")

    assert [(r.stack_name, q.id, q.cost_monthly) for r, q in mine] == [("cost-resized", resized, Decimal(50))]
    assert exists and last is not None and last.id == resized
    assert gone == (False, None)
