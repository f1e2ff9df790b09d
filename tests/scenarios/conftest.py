"""Whole flows over real HTTP: the local Slack emulator signs and sends what Slack would, Bolt
answers on a real port, the workflow runs the real Pulumi engine against a real PostgreSQL and
real git repositories. Time is a ManualClock (a Monday, 10:00 in Berlin: business hours).

The transport is the `transport` fixture: HTTP unless a test is marked `@both_transports`, which
runs it once over HTTP and once over Socket Mode (slack_bolt's SocketModeHandler with slack_sdk's
own client, dialling the emulator's WebSocket endpoint through apps.connections.open)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.postgres import PostgresServer
from tests.support.pulumi import require_pulumi_cli
from tests.support.scenario import (
    Scenario,
    Transport,
    running_scenario,
    scenario_config,
)


@pytest.fixture
def transport() -> Transport:
    """HTTP; `@both_transports` parametrizes it."""
    return "http"


@pytest.fixture
def scenario(
    tmp_path: Path, postgres_server: PostgresServer, monkeypatch: pytest.MonkeyPatch, transport: Transport
) -> Iterator[Scenario]:
    pulumi_bin_dir = require_pulumi_cli()
    monkeypatch.setenv("PLATFORMBOT_POSTGRES_ADMIN_DSN", postgres_server.dsn())
    monkeypatch.setenv("PULUMI_CONFIG_PASSPHRASE", "scenario-passphrase")
    with running_scenario(scenario_config(pulumi_bin_dir), tmp_path / "data", transport) as running:
        yield running
