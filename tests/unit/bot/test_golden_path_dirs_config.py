"""`golden_path_dirs` in the config: folders of golden-path packages, relative to the config file."""

from __future__ import annotations

from pathlib import Path

from bot.config import load_app_config


def test_golden_path_dirs_are_taken_relative_to_the_config_file(tmp_path: Path) -> None:
    path = tmp_path / "config.yaml"
    path.write_text("channels: {requests: C0REQ}\ngolden_path_dirs: [paths, /opt/golden]\n")
    config = load_app_config(path)
    assert config.golden_path_dirs == ((tmp_path / "paths").resolve(), Path("/opt/golden"))


def test_without_golden_path_dirs_only_installed_packages_are_looked_at(tmp_path: Path) -> None:
    path = tmp_path / "config.yaml"
    path.write_text("channels: {requests: C0REQ}\n")
    assert load_app_config(path).golden_path_dirs == ()
