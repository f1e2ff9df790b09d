"""The workflow of the scheduled work's and drift's tests: the real rulebook, catalog and workflow
(no engine: nothing previews without a worker), with the fixtures of tests/support/workflow.py (a
ManualClock at the tests' Monday, a recording notifier) and the `store` fixture of
tests/support/databases.py. A conftest imports `workflow` by name."""

from __future__ import annotations

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
