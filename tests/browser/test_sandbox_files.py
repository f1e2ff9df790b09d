"""The sandbox page in a real browser: the stats chart as a picture, shortcodes as emoji.

A sandbox without PostgreSQL or the engine is enough here: `/platform stats` needs neither.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest

try:
    from playwright.sync_api import Page, expect
except ImportError:  # a skip on a laptop; in CI the import error fails the run, as it should
    if os.environ.get("CI"):
        raise
    pytest.skip("Playwright is not installed in the venv: run `make setup`", allow_module_level=True)

from bot.clock import ManualClock
from bot.devtools.sandbox.config import SandboxOptions
from bot.devtools.sandbox.runtime import Sandbox
from tests.support.browser import open_page
from tests.support.clock import MONDAY_MORNING

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sandbox]:
    options = SandboxOptions(
        data_dir=tmp_path_factory.mktemp("sandbox"),
        port=0,
        postgres=False,
        rabbitmq=False,
        clock=ManualClock(MONDAY_MORNING),
    )
    with Sandbox(options) as started:
        yield started


def _message(page: Page, text: str) -> Any:
    return page.locator("main [data-testid=message]", has_text=text).last


def test_the_stats_chart_shows_as_a_picture_in_its_thread(page: Page, sandbox: Sandbox) -> None:
    assert sandbox.slack is not None
    open_page(page, sandbox, "#user=U0REQ&channel=C0PLATFORM")

    page.fill("[data-testid=composer]", "/platform stats")
    page.press("[data-testid=composer]", "Enter")
    _message(page, "Platform outcomes").locator("[data-testid=thread-summary]").click()

    image = page.locator("[data-testid=thread] [data-testid=file] img.file-image")
    expect(image).to_be_visible()
    [chart] = sandbox.slack.files
    assert image.get_attribute("src") == f"/api/files/{chart.id}"
    # Decoded by the browser: a PNG the page could not read would have no width.
    assert image.evaluate("(img) => img.complete && img.naturalWidth") > 0
    expect(page.locator("[data-testid=thread] [data-testid=file] pre")).to_have_count(0)


def test_a_shortcode_in_a_reply_shows_as_an_emoji_not_as_text(page: Page, sandbox: Sandbox) -> None:
    open_page(page, sandbox, "#user=U0REQ&channel=C0REQUESTS")

    page.fill("[data-testid=composer]", "/platform catalog")
    page.press("[data-testid=composer]", "Enter")

    reply = page.locator("main [data-testid=ephemeral]").last
    # One per golden path the sandbox cannot offer (it runs without PostgreSQL and RabbitMQ here).
    assert sandbox.bot is not None
    unavailable = len(sandbox.bot.services.unavailable)
    assert unavailable >= 1
    expect(reply.locator(".emoji[aria-label=no_entry]")).to_have_count(unavailable)
    expect(reply).not_to_contain_text(":no_entry:")
