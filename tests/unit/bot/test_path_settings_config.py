"""`paths:` in the config: settings of golden paths from packages, credentials from the environment."""

from __future__ import annotations

from pathlib import Path

from bot.config import load_app_config, path_settings


def _config(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "config.yaml"
    path.write_text("channels: {requests: C0REQ}\n" + body)
    return path


def test_a_written_value_and_one_read_from_the_environment_both_become_secret_settings(
    tmp_path: Path,
) -> None:
    config = load_app_config(
        _config(tmp_path, "paths:\n  redis-cache: {admin_url_env: REDIS_URL, db: '3'}\n")
    )
    settings = path_settings(config, {"REDIS_URL": "redis://admin:pw@localhost:6379"})
    assert {k: v.get_secret_value() for k, v in settings["redis-cache"].items()} == {
        "admin_url": "redis://admin:pw@localhost:6379",
        "db": "3",
    }
    assert "pw" not in repr(settings)


def test_an_unset_variable_leaves_its_setting_out_so_the_path_is_unavailable(tmp_path: Path) -> None:
    config = load_app_config(_config(tmp_path, "paths:\n  redis-cache: {admin_url_env: NOT_SET}\n"))
    assert path_settings(config, {}) == {"redis-cache": {}}


def test_without_paths_no_path_has_settings(tmp_path: Path) -> None:
    assert path_settings(load_app_config(_config(tmp_path, "")), {}) == {}
