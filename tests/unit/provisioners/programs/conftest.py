"""set_mocks for the program tests: every registered resource is recorded with its inputs."""

from __future__ import annotations

from collections.abc import Iterator

import pulumi
import pytest

from tests.support.pulumi_mocks import RecordingMocks


@pytest.fixture
def mocks() -> Iterator[RecordingMocks]:
    recorder = RecordingMocks()
    pulumi.runtime.set_mocks(recorder, project="platformbot", stack="test", preview=False)
    yield recorder
