"""Reading FOCUS exports: every row checked, a bad one named by line and reason, nothing half-read."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from bot.cost.focus import FocusError, currency_problems, parse_focus
from tests.support.focus_files import COLUMNS, charge, focus_csv


def problems(text: str) -> list[str]:
    with pytest.raises(FocusError) as caught:
        parse_focus(text)
    return [str(p) for p in caught.value.problems]


def test_a_focus_export_is_read_with_costs_periods_tags_and_custom_columns() -> None:
    text = focus_csv(
        [
            charge(
                "125.40",
                billed="130",
                resource_id="db/postgres-database-billing-prod",
                tags={"team": "payments"},
            ),
            charge("3", tags={"cost_centre": 4711}),
        ]
    )

    first, second = parse_focus(text)

    assert (first.line, first.cost, first.billed_cost) == (2, Decimal("125.40"), Decimal(130))
    assert first.billing_period_start == datetime(2025, 1, 1, tzinfo=UTC)
    assert first.billing_period_end == datetime(2025, 2, 1, tzinfo=UTC)
    assert first.tags == {"team": "payments"} and first.extra == {"x_InvoiceSection": "platform"}
    assert first.resource_id == "db/postgres-database-billing-prod" and first.currency == "EUR"
    assert second.tags == {"cost_centre": "4711"}  # a bare number is read as its text


def test_billed_cost_is_the_amount_when_the_export_has_no_effective_cost() -> None:
    columns = [c for c in COLUMNS if c != "EffectiveCost"]
    (row,) = parse_focus(focus_csv([charge("9", billed="10")], columns))
    assert row.cost == Decimal(10) and row.effective_cost is None


def test_a_missing_column_is_refused_at_line_1_naming_it() -> None:
    columns = [c for c in COLUMNS if c != "BillingPeriodStart"]
    (problem,) = problems(focus_csv([charge("1")], columns))
    assert problem.startswith("line 1: missing column BillingPeriodStart")
    costless = [c for c in COLUMNS if c not in ("BilledCost", "EffectiveCost")]
    (problem,) = problems(focus_csv([charge("1")], costless))
    assert "missing column BilledCost or EffectiveCost" in problem


def test_every_bad_row_is_reported_by_line_and_reason() -> None:
    text = focus_csv(
        [
            charge("1"),
            charge("twelve"),
            charge("2", period="2025-13-01"),
            charge("3", tags="{team: payments}"),
            charge("4", tags='["payments"]'),
            charge("", billed=""),
            charge("5", BillingPeriodStart=""),
        ]
    )

    assert problems(text) == [
        "line 3: BilledCost `twelve` is not a number",
        "line 4: BillingPeriodStart `2025-13-01T00:00:00Z` is not an ISO 8601 date-time",
        "line 5: Tags is not JSON (Expecting property name enclosed in double quotes at character 1)",
        "line 6: Tags is JSON but not an object of key-value pairs",
        "line 7: no cost: BilledCost and EffectiveCost empty",
        "line 8: BillingPeriodStart is empty",
    ]


def test_an_infinite_or_nan_amount_is_not_a_number() -> None:
    assert problems(focus_csv([charge("NaN")])) == ["line 2: BilledCost `NaN` is not a number"]
    assert problems(focus_csv([charge("Infinity", billed="1")])) == [
        "line 2: EffectiveCost `Infinity` is not a number"
    ]


def test_a_row_with_too_many_values_and_a_multi_line_value_keep_their_own_lines() -> None:
    good = focus_csv([charge("1", ResourceName="two\nlines")])
    text = good + "1,1,EUR,2025-01-01,,,,,,,{},x,surplus\n"
    assert problems(text) == ["line 4: 13 values, the header has 12"]


def test_an_empty_file_and_a_header_without_rows_are_refused() -> None:
    assert problems("") == ["line 1: the file is empty (no header, no rows)"]
    assert problems("\ufeff  \n") == ["line 1: the file is empty (no header, no rows)"]
    assert problems(focus_csv([])) == ["line 1: the file has a header but no rows"]


def test_rows_billed_in_another_currency_are_named() -> None:
    rows = parse_focus(focus_csv([charge("1"), charge("2", currency="USD")]))
    assert [str(p) for p in currency_problems(rows, "EUR")] == [
        "line 3: BillingCurrency USD, the price book is in EUR"
    ]
