"""`platformbot doctor` against the local Slack emulator: what is there, what is missing."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from bot.cli import (
    app,
    commands,  # noqa: F401  (registers the sub-commands)
)
from bot.config import MANIFESTS
from bot.devtools.slack_emulator import SlackEmulator, default_workspace
from tests.support.pulumi import require_pulumi_cli


def test_doctor_passes_with_a_config_and_a_token_slack_accepts(monkeypatch: pytest.MonkeyPatch) -> None:
    require_pulumi_cli()
    workspace = default_workspace()
    with SlackEmulator(workspace) as slack:
        monkeypatch.setenv("SLACK_BOT_TOKEN", workspace.bot_token)
        monkeypatch.setenv("SLACK_SIGNING_SECRET", workspace.signing_secret)
        monkeypatch.setenv("SLACK_API_URL", slack.base_url)
        monkeypatch.setenv("PLATFORMBOT_CONFIG", str(MANIFESTS / "config.example.yaml"))

        result = CliRunner().invoke(app, ["doctor"], env={"COLUMNS": "200"})

    assert result.exit_code == 0, result.output
    assert "2 golden paths, 16 rules" in result.output
    (auth,) = [line for line in result.output.splitlines() if "Slack auth.test" in line]
    assert "ok" in auth and workspace.team_name in auth


def test_doctor_fails_and_says_what_is_missing(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "PLATFORMBOT_CONFIG"):
        monkeypatch.delenv(name, raising=False)

    result = CliRunner().invoke(app, ["doctor"], env={"COLUMNS": "200"})

    assert result.exit_code == 1
    assert "PLATFORMBOT_CONFIG is not set" in result.output
    assert "SLACK_BOT_TOKEN" in result.output
