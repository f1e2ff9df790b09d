"""`platformbot dev --path-dir`: a package `platformbot paths new` wrote, not installed, is offered
in the sandbox and can be requested there, end to end on the real engine; a folder that is
missing or whose package cannot load is refused at start with the located reason."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

import bot.cli.commands  # noqa: F401  (registers every sub-command, as main() does)
from bot.cli import app
from bot.clock import ManualClock
from bot.config import MANIFESTS
from bot.devtools.sandbox.api import SandboxApi
from bot.devtools.sandbox.config import REQUESTER, REQUESTS_CHANNEL, SandboxOptions
from bot.devtools.sandbox.runtime import Sandbox
from bot.devtools.slack_emulator import SlackEmulator
from provisioners.errors import GoldenPathError
from tests.support.clock import MONDAY_MORNING
from tests.support.pulumi import require_pulumi_cli

APPLY_TIMEOUT = 120.0
COMMAND = [sys.executable, "-c", "from bot.cli import main; main()", "dev"]


@pytest.fixture(autouse=True)
def _forget_scaffolded_packages() -> Iterator[None]:
    """Each test scaffolds its package afresh; the one imported by the test before is not it."""
    before = set(sys.modules)
    path_before = list(sys.path)
    yield
    for name in set(sys.modules) - before:
        del sys.modules[name]
    sys.path[:] = path_before


def _scaffold(parent: Path, name: str, owner: str = "team-queues") -> Path:
    made = CliRunner().invoke(app, ["paths", "new", name, "--dir", str(parent), "--owner", owner])
    assert made.exit_code == 0, made.output
    return parent / name


def _options(data_dir: Path, *dirs: Path) -> SandboxOptions:
    return SandboxOptions(
        data_dir=data_dir,
        port=0,
        postgres=False,
        rabbitmq=False,
        clock=ManualClock(MONDAY_MORNING),
        pulumi_bin_dir=require_pulumi_cli(),
        golden_path_dirs=list(dirs),
    )


def _env() -> dict[str, str]:
    """As a person runs `platformbot dev`: nothing of theirs configures it, the Pulumi CLI on PATH."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "PLATFORMBOT_"))}
    return env | {"PATH": f"{require_pulumi_cli()}{os.pathsep}{env['PATH']}"}


def _ephemeral_text(api: SandboxApi) -> str:
    return "\n".join(e["text"] + str(e["blocks"]) for e in api.snapshot(REQUESTER)["ephemerals"])


def _thread_text(slack: SlackEmulator, request_id: str) -> str:
    root = slack.find_message(f"{request_id} ", channel=REQUESTS_CHANNEL)
    if root is None:
        return ""
    return "\n".join(m.all_text for m in slack.thread(REQUESTS_CHANNEL, root.ts))


def _succeeded(slack: SlackEmulator, request_id: str) -> str | None:
    """The request's thread once it says the request succeeded."""
    text = _thread_text(slack, request_id)
    return text if f"{request_id} succeeded" in text else None


@pytest.mark.engine
def test_a_scaffolded_package_from_a_path_dir_can_be_requested_in_the_sandbox(tmp_path: Path) -> None:
    package = _scaffold(tmp_path / "packages", "demo-queue")

    with Sandbox(_options(tmp_path / "data", package)) as sandbox:
        assert sandbox.web is not None and sandbox.slack is not None and sandbox.bot is not None
        api, slack = sandbox.web.api, sandbox.slack

        api.command(REQUESTER, REQUESTS_CHANNEL, "/platform catalog")
        listed = _ephemeral_text(api)
        assert "*demo-queue*" in listed
        assert f"owned by team-queues · version 0.1.0 (folder {package.resolve()})" in listed

        api.command(REQUESTER, REQUESTS_CHANNEL, "/platform request demo-queue name=demo env=dev")
        root = slack.wait_for(lambda: slack.find_message("demo-queue", channel=REQUESTS_CHANNEL), timeout=30)
        found = re.search(r"PB-\d+", root.all_text)
        assert found is not None, root.all_text
        request_id = found[0]
        thread = slack.wait_for(lambda: _succeeded(slack, request_id), timeout=APPLY_TIMEOUT)
        assert "Resources: 1 to create" in thread and "`demo-dev`" in thread  # the program's output

        # The bot's own record agrees, and the sandbox's Pulumi state holds the provider's resource.
        request = sandbox.bot.workflow.status(request_id).request
        assert request.state == "succeeded" and request.outputs == {"name": "demo-dev", "size": "small"}
        assert (request.intent.path, request.intent.name, request.intent.env) == ("demo-queue", "demo", "dev")
        stack = sandbox.data_dir / "pulumi-state/.pulumi/stacks/demo-queue/demo-queue.demo.dev.json"
        resources = json.loads(stack.read_text())["checkpoint"]["latest"]["resources"]
        [record] = [r for r in resources if r["type"] == "pulumi-python:dynamic/platformbot:DemoQueueRecord"]
        assert record["outputs"]["name"] == "demo-dev"


def test_a_path_dir_whose_package_cannot_load_stops_the_sandbox_with_the_file_and_line(
    tmp_path: Path,
) -> None:
    package = _scaffold(tmp_path / "packages", "demo-queue")
    init = package / "platformbot_demo_queue" / "__init__.py"
    init.write_text(init.read_text().replace("__version__ =", "import no_such_module\n__version__ ="))
    line = init.read_text().splitlines().index("import no_such_module") + 1

    sandbox = Sandbox(_options(tmp_path / "data", package))
    with pytest.raises(GoldenPathError) as refused:
        sandbox.start()

    assert str(refused.value) == (
        f"golden path from folder {package.resolve()}: {init.resolve()}:{line}: "
        "importing it failed: ModuleNotFoundError: No module named 'no_such_module'"
    )
    assert (sandbox.slack, sandbox.bot, sandbox.web) == (None, None, None)  # what it started is stopped


def test_dev_refuses_a_missing_path_dir_and_a_broken_package_with_a_message_not_a_traceback(
    tmp_path: Path,
) -> None:
    env = _env()
    argv = [*COMMAND, "--port", "0", "--no-postgres", "--no-rabbitmq", "--data-dir", str(tmp_path / "data")]

    missing = subprocess.run(
        [*argv, "--path-dir", str(tmp_path / "nope")], capture_output=True, text=True, env=env, timeout=60
    )
    assert missing.returncode == 2, missing.stderr
    assert f"platformbot dev: --path-dir {tmp_path / 'nope'}: there is no such folder" in missing.stderr
    assert "Traceback" not in missing.stderr

    package = _scaffold(tmp_path / "packages", "demo-queue")
    catalog = package / "platformbot_demo_queue" / "catalog.yaml"
    catalog.write_text(catalog.read_text().replace("program: demo-queue", "program: another-program"))
    broken = subprocess.run(
        [*argv, "--path-dir", str(package)], capture_output=True, text=True, env=env, timeout=120
    )
    assert broken.returncode == 2, broken.stderr
    assert (
        f"platformbot dev: golden path from folder {package.resolve()}: {catalog.resolve()}:" in broken.stderr
    )
    assert (
        "the entry names program `another-program`, but the path's program is `demo-queue`" in broken.stderr
    )
    assert "Traceback" not in broken.stderr


def test_dev_names_the_paths_each_path_dir_added_in_its_banner(tmp_path: Path) -> None:
    package = _scaffold(tmp_path / "packages", "demo-queue")
    empty = tmp_path / "empty"
    empty.mkdir()
    env = _env()
    argv = [*COMMAND, "--port", "0", "--no-postgres", "--no-rabbitmq", "--data-dir", str(tmp_path / "data")]
    process = subprocess.Popen(
        [*argv, "--path-dir", str(package), "--path-dir", str(empty)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        assert process.stdout is not None
        banner: list[str] = []
        deadline = time.monotonic() + 90
        while not any(line.startswith("Try ") for line in banner) and time.monotonic() < deadline:
            line = process.stdout.readline()
            if not line:
                break
            banner.append(line.strip())
    finally:
        process.send_signal(signal.SIGINT)
        _, err = process.communicate(timeout=30)
    assert process.returncode == 0, err
    assert f"path dir    {package.resolve()}: demo-queue 0.1.0" in banner, banner
    assert f"path dir    {empty.resolve()}: no golden-path package in it" in banner, banner


def test_serve_refuses_a_broken_golden_path_with_its_located_message_not_a_traceback(tmp_path: Path) -> None:
    package = _scaffold(tmp_path / "packages", "demo-queue")
    catalog = package / "platformbot_demo_queue" / "catalog.yaml"
    catalog.write_text(catalog.read_text().replace("program: demo-queue", "program: another-program"))
    example = (MANIFESTS / "config.example.yaml").read_text()
    config = tmp_path / "config.yaml"
    config.write_text(example.replace("golden_path_dirs: []", f"golden_path_dirs: [{package}]"))
    env = _env() | {
        "SLACK_BOT_TOKEN": "xoxb-test",
        "SLACK_SIGNING_SECRET": "s3cret",
        "PLATFORMBOT_CONFIG": str(config),
        "PLATFORMBOT_DATA_DIR": str(tmp_path / "data"),
    }
    serve = [sys.executable, "-c", "from bot.cli import main; main()", "serve", "--port", "0"]

    refused = subprocess.run(serve, capture_output=True, text=True, env=env, timeout=120)

    assert refused.returncode == 2, refused.stderr
    assert f"platformbot: golden path from folder {package.resolve()}: {catalog.resolve()}:" in refused.stderr
    assert "Traceback" not in refused.stderr
