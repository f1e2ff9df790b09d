"""Fixtures for the rulebook tests: the shipped rulebook and small hand-written ones (their text
and the intents they judge come from tests/support/rules.py)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from rulebook import DEFAULT_RULEBOOK_PATH, Rulebook, load_rulebook, parse_rulebook


@pytest.fixture(scope="session")
def default_book() -> Rulebook:
    return load_rulebook(DEFAULT_RULEBOOK_PATH, known_groups={"security", "oncall", "finance"})


@pytest.fixture
def book_from() -> Callable[..., Rulebook]:
    def build(text: str, known_groups: set[str] | None = None) -> Rulebook:
        return parse_rulebook(text.encode(), "test.yaml", known_groups)

    return build
