"""Workflow fixtures: real SQLite, the real rulebook and catalog, the real Runner (engine tests), a
ManualClock, and the doubles of tests/support/workflow.py (a notifier that records calls and a
directory with fixed group members)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.clock import ManualClock
from bot.store import Store
from bot.workflow import Workflow
from intents import Catalog
from provisioners import Runner, RunnerSettings
from rulebook import Rulebook
from tests.support.workflow import GROUPS, RecordingNotifier, StaticDirectory, make_workflow


@pytest.fixture
def directory() -> StaticDirectory:
    return StaticDirectory({k: set(v) for k, v in GROUPS.items()})


@pytest.fixture
def runner_settings(tmp_path: Path) -> RunnerSettings:
    return RunnerSettings(
        state_dir=tmp_path / "state",
        work_dir=tmp_path / "work",
        passphrase="test-passphrase",
        git_root=tmp_path / "git",
    )


@pytest.fixture
def runner(runner_settings: RunnerSettings) -> Runner:
    return Runner(runner_settings)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    store = Store.from_url(f"sqlite:///{tmp_path / 'platformbot.sqlite3'}")
    yield store
    store.dispose()


@pytest.fixture
def workflow(
    store: Store,
    rulebook: Rulebook,
    catalog: Catalog,
    runner: Runner,
    notifier: RecordingNotifier,
    directory: StaticDirectory,
    clock: ManualClock,
) -> Workflow:
    return make_workflow(
        store,
        rulebook=rulebook,
        catalog=catalog,
        runner=runner,
        notifier=notifier,
        directory=directory,
        clock=clock,
    )
