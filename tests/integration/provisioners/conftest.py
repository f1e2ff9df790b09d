"""Engine tests: the real Pulumi CLI (scripts/install-pulumi.sh) and real local parts.

When the CLI is missing these tests skip with a message saying how to get it; in CI (env CI set)
they fail with that message instead, so a broken set-up cannot pass as green.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

from provisioners.settings import (
    PULUMI_VERSION,
    RunnerSettings,
    discover_pulumi_bin_dir,
    pulumi_cache_bin_dir,
)

SHIM = "pulumi-resource-pulumi-python"


def _missing_cli() -> str | None:
    bin_dir = discover_pulumi_bin_dir()
    if bin_dir is None:
        return (
            f"the Pulumi CLI {PULUMI_VERSION} is missing (not on PATH, not in {pulumi_cache_bin_dir()}); "
            "install it with `make setup` (it runs scripts/install-pulumi.sh)"
        )
    if not any((d / SHIM).exists() for d in (bin_dir, pulumi_cache_bin_dir())):
        return (
            f"`{SHIM}` (the dynamic-provider shim) is missing next to {bin_dir / 'pulumi'}; run `make setup`"
        )
    return None


@pytest.fixture(scope="session")
def pulumi_bin_dir() -> Path:
    problem = _missing_cli()
    if problem is not None:
        if os.environ.get("CI"):
            pytest.fail(problem)
        pytest.skip(problem)
    found = discover_pulumi_bin_dir()
    assert found is not None
    return found


SettingsFactory = Callable[..., RunnerSettings]


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
