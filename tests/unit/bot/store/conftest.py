from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from bot.store import Store
from tests.support.databases import BACKENDS, fresh_database


@pytest.fixture(scope="module", params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path_factory: Any) -> Iterator[str]:
    """A fresh database per test module, on SQLite and on the real PostgreSQL."""
    with fresh_database(request.param, request, tmp_path_factory) as url:
        yield url


@pytest.fixture(scope="module")
def store(database_url: str) -> Iterator[Store]:
    store = Store.from_url(database_url)
    yield store
    store.dispose()
