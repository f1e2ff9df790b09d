"""What `platformbot doctor` says about the price book: loads, and which golden paths it lacks."""

from __future__ import annotations

from pathlib import Path

from bot.cost.errors import PriceBookError
from bot.cost.loader import load_price_book
from bot.cost.prices import BookPricing, unpriced_paths


def price_check(prices_path: Path, golden_paths: list[str]) -> tuple[bool, str]:
    """(ok, detail): not ok when the book does not load or a golden path has no prices."""
    try:
        book = load_price_book(prices_path, known_paths=golden_paths)
    except PriceBookError as exc:
        return False, str(exc.problems[0]) if exc.problems else str(exc)
    missing = unpriced_paths(BookPricing(book), golden_paths)
    if missing:
        return False, f'no prices for {", ".join(missing)}: their plans show "no estimate" (not 0)'
    return True, f"{prices_path}: {len(book.paths)} golden paths priced in {book.currency}, {book.effective}"
