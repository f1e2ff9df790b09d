"""Importing a FOCUS export into the store (SQLite and PostgreSQL): whole or nothing, once per file,
attributed on the way."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from sqlmodel import col, func, select

from bot.cost.errors import AlreadyImported
from bot.cost.focus import FocusError
from bot.cost.imports import ImportSummary, import_focus, latest_import
from bot.cost.reading import stack_changes
from bot.store import CostImportChargeRow, CostImportRow, ResourceRow, Store, repository
from tests.support.databases import store_on_each_backend  # noqa: F401  (the `store` fixture, on both backends)
from tests.support.focus_files import charge, focus_csv
from tests.support.store_rows import request_row

DEC = datetime(2024, 12, 1, tzinfo=UTC)
NOW = datetime(2025, 2, 3, 9, tzinfo=UTC)


def applied(
    store: Store,
    stack: str,
    monthly: str,
    *,
    at: datetime = DEC,
    team: str = "payments",
    path: str = "postgres-database",
    live: bool = True,
) -> int:
    with store.write() as session:
        row = repository.insert_request(
            session,
            request_row(
                stack_name=stack,
                path=path,
                state="succeeded",
                requester_team=team,
                cost_monthly=Decimal(monthly),
                finished_at=at,
                created_at=at,
                destroyed_at=None if live else at + timedelta(days=10),
            ),
        )
        assert row.id is not None
        if live:
            session.add(
                ResourceRow(
                    stack_name=stack,
                    path=path,
                    owner_team=team,
                    created_by=row.id,
                    request_id=row.id,
                    created_at=at,
                    updated_at=at,
                )
            )
        return row.id


def do_import(store: Store, text: str, name: str = "jan.csv") -> ImportSummary:
    return import_focus(store, text.encode(), filename=name, now=NOW, imported_by="ops", currency="EUR")


def counts(store: Store) -> tuple[int, int]:
    with store.read() as session:
        files = session.exec(select(func.count()).select_from(CostImportRow)).one()
        charges = session.exec(select(func.count()).select_from(CostImportChargeRow)).one()
    return int(files), int(charges)


def test_an_import_attributes_each_charge_and_reports_estimate_against_actual(store: Store) -> None:
    number = applied(store, "postgres-database-billing-prod", "125")
    applied(store, "service-ledger-prod", "16", team="search", path="service")
    text = focus_csv(
        [
            charge("130", tags={"team": "payments", "request_id": f"PB-{number}"}),
            charge("20", resource_id="repos/service-ledger-prod"),
            charge("50", resource_id="vm-42"),
        ]
    )

    summary = do_import(store, text)

    assert (summary.rows, summary.total, summary.attributed) == (3, Decimal(200), Decimal(150))
    assert summary.share == Decimal("0.75")
    (bill,) = summary.bills
    teams = {line.name: (line.estimate, line.actual) for line in bill.by_team}
    assert teams["payments"] == (Decimal(125), Decimal(130))
    assert teams["search"] == (Decimal(16), Decimal(20))
    assert teams["(not attributed)"] == (None, Decimal(50))
    with store.read() as session:
        stored = session.exec(select(CostImportChargeRow).order_by(col(CostImportChargeRow.line))).all()
    assert [(c.line, c.team, c.stack_name, c.matched_by) for c in stored] == [
        (2, "payments", "postgres-database-billing-prod", "tags"),
        (3, "search", "service-ledger-prod", "resource"),
        (4, None, None, ""),
    ]
    assert stored[0].extra == {"x_InvoiceSection": "platform"}
    assert latest_import(store) == summary


def test_a_destroyed_stack_is_still_attributed_and_estimated_for_the_days_it_lived(store: Store) -> None:
    applied(store, "service-gone-prod", "31", at=datetime(2025, 1, 1, tzinfo=UTC), path="service", live=False)

    summary = do_import(store, focus_csv([charge("12", resource_id="service-gone-prod")]))

    (bill,) = summary.bills
    (payments,) = bill.by_team
    assert (payments.name, payments.estimate, payments.actual) == ("payments", Decimal(10), Decimal(12))


def test_a_file_with_a_bad_row_stores_nothing_and_names_the_line(store: Store) -> None:
    text = focus_csv([charge("1"), charge("2"), charge("x3")])
    with pytest.raises(FocusError) as caught:
        do_import(store, text)
    assert [str(p) for p in caught.value.problems] == ["line 4: BilledCost `x3` is not a number"]
    assert counts(store) == (0, 0)


def test_the_same_file_twice_is_refused_the_second_time(store: Store) -> None:
    text = focus_csv([charge("1")])
    first = do_import(store, text)
    with pytest.raises(AlreadyImported) as caught:
        do_import(store, text, name="renamed.csv")
    assert f"import #{first.import_id}, jan.csv" in str(caught.value)
    assert counts(store) == (1, 1)


def test_a_file_billed_in_another_currency_or_not_utf8_is_refused_whole(store: Store) -> None:
    with pytest.raises(FocusError) as caught:
        do_import(store, focus_csv([charge("1"), charge("2", currency="USD")]))
    assert [str(p) for p in caught.value.problems] == [
        "line 3: BillingCurrency USD, the price book is in EUR"
    ]
    with pytest.raises(FocusError) as caught:
        import_focus(store, b"BilledCost\n\xff\n", filename="x", now=NOW, imported_by="ops", currency="EUR")
    assert [str(p) for p in caught.value.problems] == ["line 2: not UTF-8 text"]
    assert counts(store) == (0, 0)


def test_stack_changes_replay_applies_and_destroys_under_the_stacks_team(store: Store) -> None:
    applied(store, "postgres-database-a", "25")
    applied(store, "service-b", "16", path="service", team="search", live=False)

    changes = sorted(stack_changes(store), key=lambda c: (c.stack_name, c.at))

    assert [(c.stack_name, c.live, c.monthly, c.team) for c in changes] == [
        ("postgres-database-a", True, Decimal(25), "payments"),
        ("service-b", True, Decimal(16), "search"),
        ("service-b", False, None, "search"),
    ]
