"""Fixtures for the scheduled work and drift: the real rulebook, catalog and workflow (no engine:
nothing previews without a worker), a ManualClock at the tests' Monday and a notifier that records.

A conftest imports them by name (with the `store` fixture of tests/support/databases.py).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.clock import ManualClock
from bot.store import Store
from bot.workflow import Workflow
from intents import DEFAULT_CATALOG_PATH, Catalog, load_catalog
from provisioners import Runner, RunnerSettings
from rulebook import DEFAULT_RULEBOOK_PATH, Rulebook, load_rulebook
from tests.support.clock import MONDAY_MORNING
from tests.unit.bot.workflow.conftest import GROUPS, RecordingNotifier, StaticDirectory, make_workflow


@pytest.fixture(scope="session")
def catalog() -> Catalog:
    return load_catalog(DEFAULT_CATALOG_PATH)


@pytest.fixture(scope="session")
def rulebook() -> Rulebook:
    return load_rulebook(DEFAULT_RULEBOOK_PATH)


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(MONDAY_MORNING)


@pytest.fixture
def notifier() -> RecordingNotifier:
    return RecordingNotifier()


@pytest.fixture
def workflow(
    store: Store,
    rulebook: Rulebook,
    catalog: Catalog,
    notifier: RecordingNotifier,
    clock: ManualClock,
    tmp_path: Path,
) -> Workflow:
    settings = RunnerSettings(state_dir=tmp_path / "state", work_dir=tmp_path / "work", passphrase="p")
    return make_workflow(
        store,
        rulebook=rulebook,
        catalog=catalog,
        runner=Runner(settings),  # only names stacks here; nothing previews without a worker
        notifier=notifier,
        directory=StaticDirectory({k: set(v) for k, v in GROUPS.items()}),
        clock=clock,
    )
