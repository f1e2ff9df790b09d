"""The real Pulumi CLI for tests: present, or a skip that says how to get it (a failure in CI)."""

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

# What the engine tests' `make_settings` fixture hands out: fresh RunnerSettings per call.
SettingsFactory = Callable[..., RunnerSettings]


def missing_cli() -> str | None:
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


def require_pulumi_cli() -> Path:
    problem = missing_cli()
    if problem is not None:
        if os.environ.get("CI"):
            pytest.fail(problem)
        pytest.skip(problem)
    found = discover_pulumi_bin_dir()
    assert found is not None
    return found
