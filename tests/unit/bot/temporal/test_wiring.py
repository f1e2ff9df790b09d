"""`executor:` in the config picks who runs the steps; the default needs no Temporal at all."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.config import AppConfig, Channels, ConfigError, TemporalSettings, load_app_config
from bot.temporal import TemporalExecutor
from bot.temporal.wiring import build_execution
from bot.workflow import ThreadExecutor, ThreadPool
from tests.support.temporal import dev_server


def _config(**values: object) -> AppConfig:
    return AppConfig.model_validate({"channels": Channels(requests="C0REQ"), **values})


def test_the_default_executor_is_this_process_threads_with_no_temporal() -> None:
    pool = ThreadPool(max_workers=1)
    try:
        execution = build_execution(_config(), pool)
        assert isinstance(execution.executor, ThreadExecutor)
        assert execution.temporal is None and execution.connection is None
        execution.close()
    finally:
        pool.shutdown()


def test_executor_temporal_connects_to_the_configured_server_and_task_queue() -> None:
    server = dev_server()
    temporal = TemporalSettings(address=server.address, task_queue="wired-queue", heartbeat_timeout_seconds=7)
    pool = ThreadPool(max_workers=1)
    execution = build_execution(
        _config(executor="temporal", temporal=temporal, leases={"ttl_seconds": 20, "renew_seconds": 5}), pool
    )
    try:
        assert isinstance(execution.executor, TemporalExecutor)
        assert execution.temporal is execution.executor
        assert execution.executor.options.task_queue == "wired-queue"
        assert execution.executor.options.heartbeat_timeout_seconds == 7
        # A retried step waits out a dead worker's lease of the configured length.
        assert execution.executor.options.lease_ttl_seconds == 20
        assert execution.executor.options.lease_renew_seconds == 5
        execution.executor.drain(10)  # asks the server: nothing open on that queue
    finally:
        execution.close()
        pool.shutdown()


def test_an_unknown_executor_in_the_config_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "config.yaml"
    path.write_text("channels: {requests: C0REQ}\nexecutor: kubernetes\n")
    with pytest.raises(ConfigError, match="executor"):
        load_app_config(path)


def test_the_temporal_section_is_read_from_the_config_file(tmp_path: Path) -> None:
    path = tmp_path / "config.yaml"
    path.write_text(
        "channels: {requests: C0REQ}\nexecutor: temporal\n"
        "temporal: {address: 'temporal.internal:7233', namespace: platform, task_queue: steps}\n"
    )
    config = load_app_config(path)
    assert config.executor == "temporal"
    assert (config.temporal.address, config.temporal.namespace, config.temporal.task_queue) == (
        "temporal.internal:7233",
        "platform",
        "steps",
    )
