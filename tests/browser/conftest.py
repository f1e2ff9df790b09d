"""Real-browser tests: Debian's Chromium, driven by Playwright, against the sandbox in-process.

The sandbox runs the real bot, the Slack emulator and the page on loopback, with the session's
throwaway PostgreSQL. Its clock is a Monday, 10:00 in Berlin, so a production request needs
security alone (after hours the rulebook also asks on-call). A missing Chromium or Playwright is a
skip on a laptop and a failure in CI.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from bot.clock import ManualClock
from bot.devtools.sandbox.config import SandboxOptions
from bot.devtools.sandbox.runtime import Sandbox
from tests.support.clock import MONDAY_MORNING
from tests.support.postgres import PostgresServer
from tests.support.pulumi import require_pulumi_cli

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
VIEWPORT = {"width": 1440, "height": 900}


def _missing(reason: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(reason)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _missing("Playwright is not installed in the venv: run `make setup`")
    if not os.access(CHROMIUM, os.X_OK):
        _missing(f"{CHROMIUM} is missing: run `make setup` (it installs Debian's chromium)")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield launched
        finally:
            launched.close()


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory: pytest.TempPathFactory, postgres_server: PostgresServer) -> Iterator[Sandbox]:
    pulumi_bin_dir = require_pulumi_cli()
    options = SandboxOptions(
        data_dir=tmp_path_factory.mktemp("sandbox"),
        port=0,
        postgres_dsn=postgres_server.dsn(),
        # No browser test provisions a vhost: the node's start is not worth its seconds here.
        rabbitmq=False,
        clock=ManualClock(MONDAY_MORNING),
        pulumi_bin_dir=pulumi_bin_dir,
    )
    with Sandbox(options) as started:
        yield started


@pytest.fixture
def page(browser: Browser, sandbox: Sandbox) -> Iterator[Page]:
    """A fresh page on the sandbox. Any request beyond the sandbox's own origin is refused and
    fails the test, as does a script error on the page."""
    context = browser.new_context(viewport=VIEWPORT)  # type: ignore[arg-type]
    outside: list[str] = []
    errors: list[str] = []

    def only_the_sandbox(route: Any) -> None:
        url = route.request.url
        if url.startswith(sandbox.page_url) or url.startswith("data:"):
            route.continue_()
        else:
            outside.append(url)
            route.abort()

    context.route("**/*", only_the_sandbox)
    opened = context.new_page()
    opened.on("pageerror", lambda error: errors.append(str(error)))
    opened.set_default_timeout(30_000)
    try:
        yield opened
    finally:
        context.close()
    assert outside == [], f"the page reached beyond loopback: {outside}"
    assert errors == [], f"script errors on the page: {errors}"
