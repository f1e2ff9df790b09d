"""An output a golden path declares secret never reaches the plain outputs, even when its program
forgot `Output.secret` (real engine, a program with no resources)."""

from __future__ import annotations

import pulumi
import pytest

from intents.intent import Intent
from provisioners import Runner
from provisioners.labels import Labels
from provisioners.programs.base import GoldenPathProgram, PulumiProgram
from provisioners.settings import RunnerSettings
from tests.support.pulumi import SettingsFactory

pytestmark = [pytest.mark.engine]


def _build(_intent: Intent, _settings: RunnerSettings, _labels: Labels) -> PulumiProgram:
    def program() -> None:
        pulumi.export("token", "not-marked-secret")
        pulumi.export("region", "local")

    return program


FORGETFUL = GoldenPathProgram(
    name="forgetful",
    description="exports a credential without Output.secret",
    build=_build,
    resource_types=(),
    stateful_types=frozenset(),
    secret_outputs=frozenset({"token"}),
)


def test_a_declared_secret_output_is_returned_only_among_the_secrets(make_settings: SettingsFactory) -> None:
    runner = Runner(make_settings(), programs={"forgetful": FORGETFUL})
    result = runner.up(Intent(path="forgetful", name="demo", env="dev", params={}))
    assert result.outputs == {"region": "local"}
    assert result.secret_outputs == {"token": "not-marked-secret"}
