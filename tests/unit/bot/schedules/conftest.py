"""Fixtures for the scheduler's tests: a fresh database per test on SQLite and the real
PostgreSQL, the real rulebook, catalog and workflow, a ManualClock and a recording notifier
(tests/support/scheduled_work.py)."""

from __future__ import annotations

from tests.support.databases import store_on_each_backend  # noqa: F401  (the `store` fixture)
from tests.support.scheduled_work import workflow  # noqa: F401
