"""`platformbot plan` end to end: the real engine, the embedded default config."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

import bot.cli.commands  # noqa: F401  (registers every sub-command, as main() does)
from bot.cli import app
from provisioners.settings import discover_pulumi_bin_dir

pytestmark = [pytest.mark.engine]


def test_plan_prints_the_real_plan_and_the_same_hash_twice(tmp_path: Path, pulumi_bin_dir: Path) -> None:
    env = {"PLATFORMBOT_DATA_DIR": str(tmp_path), "PATH": f"{pulumi_bin_dir}{os.pathsep}{os.environ['PATH']}"}
    assert discover_pulumi_bin_dir() is not None
    text = "service name=payments-api team=payments language=node owners=U123ABC"
    first = CliRunner().invoke(app, ["plan", text], env=env)
    second = CliRunner().invoke(app, ["plan", text], env=env)
    assert first.exit_code == 0, first.stderr
    lines = first.stdout.splitlines()
    assert lines[0].startswith("Plan for stack service.payments-api.dev (hash ")
    assert "+ platformbot:RepoFile index.js (create)" in first.stdout
    assert "+ platformbot:GitRepository repository (create, stateful)" in first.stdout
    # Every resource listed is a create (the labels file among them), and the summary counts them.
    created = [
        line for line in lines if line.startswith("+ ") and line.endswith(("(create)", "(create, stateful)"))
    ]
    assert "+ platformbot:RepoFile .platform/labels.json (create)" in first.stdout
    assert lines[-2] == f"Resources: {len(created)} to create."
    assert lines[-1].startswith("plan hash: ") and len(lines[-1]) == len("plan hash: ") + 64
    assert second.stdout.splitlines()[-1] == lines[-1]
    assert not (tmp_path / "plan" / "git" / "payments-api").exists()  # a plan changes nothing
