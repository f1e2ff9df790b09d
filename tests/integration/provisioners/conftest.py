"""Engine tests: the real Pulumi CLI (scripts/install-pulumi.sh) and real local parts.

When the CLI is missing these tests skip with a message saying how to get it; in CI (env CI set)
they fail with that message instead, so a broken set-up cannot pass as green.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from provisioners.settings import RunnerSettings
from tests.support.pulumi import SettingsFactory, require_pulumi_cli


@pytest.fixture(scope="session")
def pulumi_bin_dir() -> Path:
    return require_pulumi_cli()


@pytest.fixture(scope="module")
def make_settings(tmp_path_factory: pytest.TempPathFactory, pulumi_bin_dir: Path) -> SettingsFactory:
    """Fresh state and work directories per module, so each arc owns its stacks."""

    def make(**over: object) -> RunnerSettings:
        root = tmp_path_factory.mktemp("engine")
        values: dict[str, object] = {
            "state_dir": root / "state",
            "work_dir": root / "work",
            "passphrase": "engine-tests",
            "pulumi_bin_dir": pulumi_bin_dir,
            **over,
        }
        return RunnerSettings.model_validate(values)

    return make
