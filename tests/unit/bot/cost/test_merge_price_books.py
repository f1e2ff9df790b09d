"""Golden-path packages' price files merged into the price book (issue 15)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.cost import load_price_book
from bot.cost.errors import PriceBookError
from bot.cost.loader import merge_price_books, parse_price_book

REDIS_PRICES = Path("provisioners/paths/redis_cache/platformbot_redis_cache/prices.yaml")


def test_a_packages_prices_price_its_path_beside_the_shipped_ones() -> None:
    base = load_price_book()
    merged = merge_price_books(base, {str(REDIS_PRICES): load_price_book(REDIS_PRICES)})
    assert merged.resource("redis-cache", "pulumi-python:dynamic/platformbot:RedisUser") is not None
    assert set(base.paths) < set(merged.paths)


def test_a_path_priced_twice_or_in_another_currency_is_refused_naming_the_file() -> None:
    base = load_price_book()
    fragment = load_price_book(REDIS_PRICES)
    usd = parse_price_book(REDIS_PRICES.read_text().replace("currency: EUR", "currency: USD"))
    with pytest.raises(PriceBookError) as caught:
        merge_price_books(merge_price_books(base, {"one.yaml": fragment}), {"two.yaml": usd})
    assert [str(p) for p in caught.value.problems] == [
        "two.yaml:1:1: prices in USD, the price book's are in EUR",
        "two.yaml:1:1: `redis-cache` is priced twice (here and in another price file)",
    ]
