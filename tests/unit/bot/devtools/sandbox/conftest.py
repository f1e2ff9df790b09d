"""A sandbox without PostgreSQL and RabbitMQ (postgres-database and rabbitmq-vhost unavailable) and
without engine work: what the page sees and does, through the real bot over HTTP."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.clock import ManualClock
from bot.devtools.sandbox.api import SandboxApi
from bot.devtools.sandbox.config import SandboxOptions
from bot.devtools.sandbox.runtime import Sandbox
from tests.support.clock import MONDAY_MORNING


@pytest.fixture
def sandbox(tmp_path: Path) -> Iterator[Sandbox]:
    options = SandboxOptions(
        data_dir=tmp_path / "data",
        port=0,
        postgres=False,
        rabbitmq=False,
        clock=ManualClock(MONDAY_MORNING),
    )
    with Sandbox(options) as started:
        yield started


@pytest.fixture
def api(sandbox: Sandbox) -> SandboxApi:
    assert sandbox.web is not None
    return sandbox.web.api
