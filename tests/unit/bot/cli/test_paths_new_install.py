"""A package `platformbot paths new` writes installs with pip and registers its entry point in
`platformbot.golden_paths`, the group the bot discovers installed paths through. Installed into
a throwaway venv, so the project's own venv never changes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.cli import app

LIST_ENTRY_POINTS = (
    "import importlib.metadata as m, json; "
    "print(json.dumps([[e.name, e.value, e.dist.name, e.dist.version] "
    "for e in m.entry_points(group='platformbot.golden_paths')]))"
)
# The scaffold asks for setuptools>=68 to build it; the setuptools a 3.11 venv comes with (65,
# without `wheel`) cannot build an editable install, so pip fetches the backend into an isolated
# build environment from the package index, as it does for a platform engineer.
NO_BACKEND = "Could not find a version that satisfies the requirement setuptools"


def test_a_scaffolded_package_installs_and_registers_its_golden_path_entry_point(tmp_path: Path) -> None:
    made = CliRunner().invoke(app, ["paths", "new", "demo-queue", "--dir", str(tmp_path)])
    assert made.exit_code == 0, made.output
    venv = tmp_path / "venv"
    subprocess.run(
        [sys.executable, "-m", "venv", "--system-site-packages", str(venv)], check=True, timeout=120
    )
    python = str(venv / "bin" / "python")

    installed = subprocess.run(
        [python, "-m", "pip", "install", "--no-deps", "-e", str(tmp_path / "demo-queue")],
        capture_output=True,
        text=True,
        timeout=300,
    )
    if installed.returncode != 0 and NO_BACKEND in installed.stdout + installed.stderr:
        pytest.skip("no package index to fetch the scaffold's build backend (setuptools>=68) from")
    assert installed.returncode == 0, installed.stdout + installed.stderr

    listed = subprocess.run([python, "-c", LIST_ENTRY_POINTS], capture_output=True, text=True, timeout=60)
    assert listed.returncode == 0, listed.stderr
    assert [
        "demo-queue",
        "platformbot_demo_queue:GOLDEN_PATH",
        "platformbot_demo_queue",
        "0.1.0",
    ] in json.loads(listed.stdout)
    # Editable: the venv imports the package from the folder it was scaffolded into.
    where = subprocess.run(
        [python, "-c", "import importlib.util as u; print(u.find_spec('platformbot_demo_queue').origin)"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert where.stdout.strip() == str(tmp_path / "demo-queue" / "platformbot_demo_queue" / "__init__.py")
