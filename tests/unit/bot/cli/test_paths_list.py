"""`platformbot paths list`: every golden path, where it came from and its version."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from bot.cli import app


def test_paths_list_shows_the_shipped_paths_and_the_installed_package() -> None:
    result = CliRunner().invoke(app, ["paths", "list"], env={"COLUMNS": "200", "PLATFORMBOT_CONFIG": ""})
    assert result.exit_code == 0, result.output
    rows = {line.split()[0]: line for line in result.output.splitlines()[1:] if line.strip()}
    assert "built in" in rows["postgres-database"] and "team-data-platform" in rows["postgres-database"]
    assert "built in" in rows["service"]
    assert "package platformbot-redis-cache" in rows["redis-cache"]


def test_a_broken_package_in_a_configured_folder_fails_naming_its_file_and_line(tmp_path: Path) -> None:
    package = tmp_path / "paths" / "gp_cli_broken"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("import os\nraise ValueError('no settings')\n")
    config = tmp_path / "config.yaml"
    config.write_text("channels: {requests: C0REQ}\ngolden_path_dirs: [paths]\n")
    result = CliRunner().invoke(app, ["paths", "list", "--config", str(config)], env={"COLUMNS": "300"})
    assert result.exit_code == 1
    assert f"{package / '__init__.py'}:2" in result.output.replace("\n", "")
    assert "ValueError: no settings" in result.output.replace("\n", "")
