"""The embedded configuration: it names only what the emulated workspace has, and takes nothing
from the person's environment that could point the sandbox at something real."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.devtools.sandbox.config import SandboxOptions, default_data_dir, sandbox_app_config, sandbox_settings
from bot.devtools.slack_emulator import default_workspace
from rulebook import load_rulebook


def test_every_channel_and_user_group_in_the_config_exists_in_the_workspace(tmp_path: Path) -> None:
    config = sandbox_app_config(SandboxOptions(data_dir=tmp_path))
    workspace = default_workspace()

    channels = {config.channels.requests, config.channels.platform} | {
        g.channel for g in config.groups.values()
    }
    assert all(workspace.channel(c) is not None for c in channels)
    assert all(workspace.usergroup(g.usergroup_id or "") is not None for g in config.groups.values())
    people = {u for members in config.teams.values() for u in members} | set(config.admins)
    assert all(workspace.user(u) is not None for u in people)
    load_rulebook(config.rulebook_path, known_groups=set(config.groups))  # every approval group is known


def test_state_lives_under_the_data_dir(tmp_path: Path) -> None:
    config = sandbox_app_config(SandboxOptions(data_dir=tmp_path))
    settings = sandbox_settings(default_workspace(), "http://127.0.0.1:1/api/", tmp_path)

    assert config.pulumi.state_dir == tmp_path / "pulumi-state"
    assert config.pulumi.git_root == tmp_path / "repos"
    assert settings.database_url == f"sqlite:///{tmp_path / 'platformbot.db'}"


def test_real_slack_settings_in_the_shell_are_ignored(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-a-real-workspace")
    monkeypatch.setenv("SLACK_API_URL", "https://slack.com/api/")
    monkeypatch.setenv("DATABASE_URL", "postgresql://prod/platformbot")
    workspace = default_workspace()

    settings = sandbox_settings(workspace, "http://127.0.0.1:1/api/", tmp_path)

    assert settings.slack_bot_token is not None
    assert settings.slack_bot_token.get_secret_value() == workspace.bot_token
    assert settings.slack_api_url == "http://127.0.0.1:1/api/"
    assert settings.database_url is not None and settings.database_url.startswith("sqlite:///")


def test_the_default_data_dir_is_a_sandbox_dir_next_to_the_bots(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PLATFORMBOT_DATA_DIR", "/srv/platformbot")
    assert default_data_dir() == Path("/srv/platformbot/sandbox")
    monkeypatch.delenv("PLATFORMBOT_DATA_DIR")
    assert default_data_dir() == Path.home() / ".local/share/platformbot/sandbox"
