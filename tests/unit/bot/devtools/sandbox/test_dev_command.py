"""`platformbot dev` as a newcomer runs it: a URL to open, a clean stop on Ctrl-C, and a
message (not a traceback) when something is missing."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from typer.testing import CliRunner

import bot.cli.commands  # noqa: F401  (registers every sub-command, as main() does)
from bot.cli import app
from tests.support.pulumi import require_pulumi_cli

COMMAND = [sys.executable, "-c", "from bot.cli import main; main()", "dev"]


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "PLATFORMBOT_"))}
    return env | extra


def test_help_lists_the_options() -> None:
    result = CliRunner().invoke(app, ["dev", "--help"], env={"COLUMNS": "200", "NO_COLOR": "1"})

    assert result.exit_code == 0
    for option in ("--port", "--data-dir", "--no-postgres", "--no-rabbitmq", "--socket", "--log-level"):
        assert option in result.stdout


def test_dev_prints_the_page_url_serves_it_and_stops_on_ctrl_c(tmp_path: Path) -> None:
    bin_dir = require_pulumi_cli()
    env = _env(PATH=f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    argv = [*COMMAND, "--port", "0", "--no-postgres", "--no-rabbitmq", "--data-dir", str(tmp_path / "data")]
    process = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    try:
        assert process.stdout is not None
        url = None
        deadline = time.monotonic() + 60
        while url is None and time.monotonic() < deadline:
            line = process.stdout.readline()
            if not line:
                break
            if line.strip().startswith("Open "):
                url = line.split()[-1]
        assert url is not None and url.startswith("http://127.0.0.1:"), (
            process.stderr and process.stderr.read()
        )
        with urllib.request.urlopen(url, timeout=10) as reply:
            assert reply.status == 200 and b"platformbot sandbox" in reply.read()
    finally:
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=30)
    assert process.returncode == 0, err
    assert "stopping" in out
    assert "Traceback" not in err
    assert (tmp_path / "data" / "sandbox.log").exists()


def test_without_the_pulumi_cli_dev_says_how_to_get_it(tmp_path: Path) -> None:
    env = _env(PATH="/usr/bin:/bin", XDG_CACHE_HOME=str(tmp_path / "no-cache"))
    argv = [*COMMAND, "--port", "0", "--no-postgres", "--no-rabbitmq", "--data-dir", str(tmp_path / "data")]

    done = subprocess.run(argv, capture_output=True, text=True, env=env, timeout=60)

    assert done.returncode == 2
    assert "needs the Pulumi CLI" in done.stderr and "make run" in done.stderr
    assert "Traceback" not in done.stderr


def test_a_taken_port_is_a_message_not_a_traceback(tmp_path: Path) -> None:
    bin_dir = require_pulumi_cli()
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        argv = [
            *COMMAND,
            "--port",
            str(port),
            "--no-postgres",
            "--no-rabbitmq",
            "--data-dir",
            str(tmp_path / "data"),
        ]
        env = _env(PATH=f"{bin_dir}{os.pathsep}{os.environ['PATH']}")

        done = subprocess.run(argv, capture_output=True, text=True, env=env, timeout=60)

    assert done.returncode == 2
    assert f"port {port} is taken" in done.stderr and "--port" in done.stderr
    assert "Traceback" not in done.stderr
