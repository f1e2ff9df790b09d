"""Engine tests of the golden paths shipped as packages (provisioners/paths/), each on its real server.

`make_settings` has a twin in tests/integration/provisioners/conftest.py: one conftest may not
import another (tests/unit/test_import_graph.py); moving both into tests/support/ would end that.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from provisioners.settings import RunnerSettings
from tests.support.pulumi import SettingsFactory, require_pulumi_cli
from tests.support.redis import RedisServer, RedisUnavailable, running_redis


@pytest.fixture(scope="session")
def pulumi_bin_dir() -> Path:
    return require_pulumi_cli()


@pytest.fixture(scope="module")
def make_settings(tmp_path_factory: pytest.TempPathFactory, pulumi_bin_dir: Path) -> SettingsFactory:
    """Fresh state and work directories per call, so each arc owns its stacks."""

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


@pytest.fixture(scope="module")
def redis_server() -> Iterator[RedisServer]:
    """One real redis-server per module. In CI a missing server is a failure, not a skip."""
    try:
        with running_redis() as server:
            yield server
    except RedisUnavailable as exc:
        if os.environ.get("CI"):
            pytest.fail(str(exc))
        pytest.skip(str(exc))
