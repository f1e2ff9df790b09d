"""`platformbot doctor` against the local Slack emulator: what is there, what is missing."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from bot.cli import (
    app,
    commands,  # noqa: F401  (registers the sub-commands)
)
from bot.config import MANIFESTS, load_app_config
from bot.devtools.slack_emulator import SlackEmulator, default_workspace
from provisioners.discovery import discover
from rulebook import load_rulebook
from tests.support.pulumi import require_pulumi_cli


def test_doctor_passes_with_a_config_and_a_token_slack_accepts(monkeypatch: pytest.MonkeyPatch) -> None:
    require_pulumi_cli()
    config = load_app_config(MANIFESTS / "config.example.yaml")
    for values in config.paths.values():  # the example's settings are all read from variables
        for variable in values.values():
            monkeypatch.delenv(variable, raising=False)
    workspace = default_workspace()
    with SlackEmulator(workspace) as slack:
        monkeypatch.setenv("SLACK_BOT_TOKEN", workspace.bot_token)
        monkeypatch.setenv("SLACK_SIGNING_SECRET", workspace.signing_secret)
        monkeypatch.setenv("SLACK_API_URL", slack.base_url)
        monkeypatch.setenv("PLATFORMBOT_CONFIG", str(MANIFESTS / "config.example.yaml"))

        result = CliRunner().invoke(app, ["doctor"], env={"COLUMNS": "200"})

    assert result.exit_code == 0, result.output
    # Every discovered path (shipped and installed packages), and the main book's rules with
    # each path's fragment's, counted from the files themselves.
    registry = discover(config.golden_path_dirs)
    rules = len(load_rulebook(config.rulebook_path).rules) + sum(
        len(yaml.safe_load(fragment.read_text())["rules"]) for fragment in registry.rule_fragments()
    )
    assert f"{len(registry.paths)} golden paths, {rules} rules" in result.output
    (settings,) = [line for line in result.output.splitlines() if "golden path settings" in line]
    # Paths from packages whose settings the example reads from variables that are not set here.
    needing = [p for p in registry.paths if p.path.settings]
    assert "redis-cache" in {p.name for p in needing}
    for loaded in needing:
        assert f"{loaded.name} lacks {', '.join(loaded.path.settings)}" in settings
    (auth,) = [line for line in result.output.splitlines() if "Slack auth.test" in line]
    assert "ok" in auth and workspace.team_name in auth


def test_doctor_names_the_file_line_and_reason_of_a_golden_path_that_cannot_load(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    (tmp_path / "broken").mkdir()
    (tmp_path / "broken" / "__init__.py").write_text("GOLDEN_PATH = (\n")
    config = tmp_path / "config.yaml"
    config.write_text(f"channels: {{requests: C0REQ}}\ngolden_path_dirs: [{tmp_path}]\n")
    monkeypatch.setenv("PLATFORMBOT_CONFIG", str(config))
    monkeypatch.delenv("PLATFORMBOT_REDIS_ADMIN_URL", raising=False)

    result = CliRunner().invoke(app, ["doctor"], env={"COLUMNS": "300"})

    assert result.exit_code == 1
    (line,) = [line for line in result.output.splitlines() if "golden path from folder" in line]
    assert "broken/__init__.py:1" in line and "missing" in line


def test_doctor_fails_and_says_what_is_missing(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "PLATFORMBOT_CONFIG"):
        monkeypatch.delenv(name, raising=False)

    result = CliRunner().invoke(app, ["doctor"], env={"COLUMNS": "200"})

    assert result.exit_code == 1
    assert "PLATFORMBOT_CONFIG is not set" in result.output
    assert "SLACK_BOT_TOKEN" in result.output
