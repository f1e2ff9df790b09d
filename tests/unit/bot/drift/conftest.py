"""Fixtures for drift's tests: those of the scheduled work (tests/support/scheduled_work.py), a
drift runner that answers what the test scripted, and a drift notifier that records what would be
posted (tests/support/drift.py)."""

from __future__ import annotations

from tests.support.databases import store_on_each_backend  # noqa: F401  (the `store` fixture)
from tests.support.drift import checker, drift_notifier, scripted  # noqa: F401
from tests.support.scheduled_work import workflow  # noqa: F401
