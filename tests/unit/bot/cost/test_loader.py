"""The price book loads like the catalog: every problem with file, line and reason."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from bot.config import MANIFESTS, load_app_config
from bot.cost import BookPricing, PriceBookError, load_price_book, parse_price_book, unpriced_paths
from bot.cost.doctor import price_check
from intents import load_catalog

GOOD = """\
version: 1
currency: EUR
source: rate card
effective: 2026-01-01
paths:
  postgres-database:
    - type: db
      by: size
      prices: {small: 15, large: 120}
"""


def test_the_shipped_price_book_prices_every_golden_path_of_the_catalog() -> None:
    config = load_app_config(MANIFESTS / "config.example.yaml")
    catalog = load_catalog(config.catalog_path)
    names = [p.name for p in catalog.paths]

    book = load_price_book(config.prices_path, known_paths=names)

    assert book.currency == "EUR" and str(book.effective) == "2026-01-01"
    assert unpriced_paths(BookPricing(book), names) == []
    assert price_check(config.prices_path, names)[0] is True


def test_a_price_is_picked_by_the_value_of_its_input() -> None:
    pricing = BookPricing(parse_price_book(GOOD))

    assert pricing.monthly("postgres-database", "db", {"size": "large"}) == Decimal(120)
    assert pricing.monthly("postgres-database", "db", {"size": "huge"}) is None
    assert pricing.monthly("postgres-database", "other", {}) is None
    assert pricing.monthly("service", "db", {"size": "small"}) is None


def test_usage_adds_quantity_times_unit_price_to_the_flat_price() -> None:
    text = GOOD.replace(
        "      by: size\n      prices: {small: 15, large: 120}\n",
        "      monthly: 4\n"
        "      usage: [{name: CI minutes, quantity: 1500, unit: minute, unit_price: 0.008}]\n",
    )

    pricing = BookPricing(parse_price_book(text))

    assert pricing.monthly("postgres-database", "db", {}) == Decimal("16.000")


@pytest.mark.parametrize(
    ("text", "line", "reason"),
    [
        (GOOD.replace("currency: EUR", "currency: euro"), 2, "String should match pattern"),
        (GOOD.replace("      by: size\n", ""), 7, "`prices` needs `by`"),
        (GOOD.replace("prices: {small: 15, large: 120}", "prices: {small: -1}"), 7, "cannot be negative"),
        (GOOD.replace("version: 1", "version: 2"), 1, "unsupported price book version 2"),
        (GOOD + "    - type: db\n      monthly: 3\n", 10, "`db` is priced twice"),
        (GOOD.replace("type: db", "type: db\n      colour: red"), 8, "Extra inputs are not permitted"),
        (GOOD.replace("effective: 2026-01-01", "effective: soon"), 4, "valid date"),
        ("paths: [", 1, "YAML"),
        ("- just a list\n", 1, "must be a mapping"),
    ],
)
def test_a_broken_price_book_says_where_and_why(text: str, line: int, reason: str) -> None:
    with pytest.raises(PriceBookError) as caught:
        parse_price_book(text, source="prices.yaml")

    assert any(
        p.file == "prices.yaml" and p.line == line and reason in p.message for p in caught.value.problems
    ), [str(p) for p in caught.value.problems]


def test_a_price_for_a_path_the_catalog_lacks_is_a_typo_not_a_silent_no_op() -> None:
    with pytest.raises(PriceBookError) as caught:
        parse_price_book(GOOD, source="p.yaml", known_paths=["service"])

    (problem,) = caught.value.problems
    assert (problem.line, problem.message) == (6, "`postgres-database` is not a golden path of the catalog")


def test_an_unreadable_price_book_is_a_located_error(tmp_path: Path) -> None:
    with pytest.raises(PriceBookError, match="cannot read the price book"):
        load_price_book(tmp_path / "missing.yaml")


def test_doctor_names_the_paths_without_prices_as_no_estimate(tmp_path: Path) -> None:
    book = tmp_path / "prices.yaml"
    book.write_text(GOOD)

    ok, detail = price_check(book, ["postgres-database", "service"])

    assert not ok and detail == 'no prices for service: their plans show "no estimate" (not 0)'
    broken = tmp_path / "broken.yaml"
    broken.write_text("version: [")
    assert price_check(broken, ["service"])[0] is False
