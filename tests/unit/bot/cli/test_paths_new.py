"""`platformbot paths new` writes a package that is discovered, passes `platformbot paths test`
(its rule tests and a preview on the real engine) and whose own test passes."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

import bot.cli.rulebook  # noqa: F401  (registers `platformbot rulebook`)
from bot.cli import app
from bot.config import MANIFESTS
from provisioners.discovery import discover
from tests.support.pulumi import require_pulumi_cli


@pytest.fixture(autouse=True)
def _forget_scaffolded_packages() -> Iterator[None]:
    """Each test scaffolds the same package afresh; the one imported by the test before is not it."""
    before = set(sys.modules)
    path_before = list(sys.path)
    yield
    for name in set(sys.modules) - before:
        del sys.modules[name]
    sys.path[:] = path_before


def _config(tmp_path: Path, folder: Path) -> Path:
    config = tmp_path / "config.yaml"
    config.write_text(
        "channels: {requests: C0REQ}\n"
        "groups:\n"
        "  security: {user_ids: [U0SEC], channel: C0SEC}\n"
        "  oncall: {user_ids: [U0ONCALL], channel: C0PLAT}\n"
        "  finance: {user_ids: [U0FIN], channel: C0PLAT}\n"
        f"golden_path_dirs: [{folder}]\n"
        f"rulebook_path: {MANIFESTS / 'rulebook.yaml'}\n"
    )
    return config


def test_a_scaffolded_path_is_discovered_and_passes_paths_test(tmp_path: Path) -> None:
    require_pulumi_cli()
    runner = CliRunner()
    made = runner.invoke(
        app, ["paths", "new", "team-notes", "--dir", str(tmp_path), "--owner", "team-notes-crew"]
    )
    assert made.exit_code == 0, made.output
    package = tmp_path / "team-notes"
    assert {p.name for p in package.iterdir()} == {"pyproject.toml", "platformbot_team_notes", "tests"}
    assert 'team-notes = "platformbot_team_notes:GOLDEN_PATH"' in (package / "pyproject.toml").read_text()

    loaded = discover([package]).find("team-notes")
    assert loaded is not None and loaded.entry.owner == "team-notes-crew" and loaded.version == "0.1.0"

    tested = runner.invoke(
        app,
        ["paths", "test", "team-notes", "--config", str(_config(tmp_path, package))],
        env={"COLUMNS": "300"},
    )
    assert tested.exit_code == 0, tested.output
    assert "team-notes: rule tests 2/2 passed" in tested.output
    assert (
        "team-notes: preview of `team-notes name=example env=dev size=small` ok: 1 to create" in tested.output
    )

    own = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(package / "tests")],
        capture_output=True,
        text=True,
        cwd=package,
    )
    assert own.returncode == 0, own.stdout + own.stderr


def test_the_paths_rule_tests_run_with_rulebook_test(tmp_path: Path) -> None:
    assert CliRunner().invoke(app, ["paths", "new", "team-notes", "--dir", str(tmp_path)]).exit_code == 0
    config = _config(tmp_path, tmp_path / "team-notes")
    result = CliRunner().invoke(
        app, ["rulebook", "test", "--config", str(config), "-v"], env={"COLUMNS": "300"}
    )
    assert result.exit_code == 0, result.output
    assert "a large one in prod needs on-call" in result.output


def test_a_failing_rule_test_or_preview_fails_paths_test(tmp_path: Path) -> None:
    require_pulumi_cli()
    assert CliRunner().invoke(app, ["paths", "new", "team-notes", "--dir", str(tmp_path)]).exit_code == 0
    module = tmp_path / "team-notes" / "platformbot_team_notes"
    tests = module / "rule-tests.yaml"
    tests.write_text(tests.read_text().replace("verdict: require_approval", "verdict: allow"))
    init = module / "__init__.py"
    init.write_text(init.read_text().replace("size=small", "size=huge"))
    result = CliRunner().invoke(
        app,
        ["paths", "test", "team-notes", "--config", str(_config(tmp_path, tmp_path / "team-notes"))],
        env={"COLUMNS": "300"},
    )
    assert result.exit_code == 1
    assert "FAIL" in result.output and "rule tests 1/2 passed" in result.output
    assert "preview of `team-notes name=example env=dev size=huge` failed" in result.output


def test_a_program_that_leaves_the_labels_off_a_resource_fails_paths_test(tmp_path: Path) -> None:
    require_pulumi_cli()
    assert CliRunner().invoke(app, ["paths", "new", "team-notes", "--dir", str(tmp_path)]).exit_code == 0
    program = tmp_path / "team-notes" / "platformbot_team_notes" / "program.py"
    program.write_text(program.read_text().replace(", LABELS_INPUT: labels.as_input()}", "}"))
    result = CliRunner().invoke(
        app,
        ["paths", "test", "team-notes", "--config", str(_config(tmp_path, tmp_path / "team-notes"))],
        env={"COLUMNS": "300"},
    )
    assert result.exit_code == 1, result.output
    assert (
        "team-notes: preview of `team-notes name=example env=dev size=small` creates resources without "
        "their labels: platformbot:TeamNotesRecord record" in result.output
    )


def test_paths_new_refuses_a_bad_name_and_an_existing_folder(tmp_path: Path) -> None:
    bad = CliRunner().invoke(app, ["paths", "new", "Team_Notes", "--dir", str(tmp_path)])
    assert bad.exit_code == 1 and "cannot name a golden path" in bad.output
    (tmp_path / "team-notes").mkdir()
    taken = CliRunner().invoke(app, ["paths", "new", "team-notes", "--dir", str(tmp_path)])
    assert taken.exit_code == 1 and "exists already" in taken.output


def test_paths_test_of_an_unknown_path_says_so() -> None:
    result = CliRunner().invoke(app, ["paths", "test", "nope"], env={"PLATFORMBOT_CONFIG": ""})
    assert result.exit_code == 1 and "no golden path called `nope`" in result.output
