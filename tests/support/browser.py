"""What a browser test does first: open the sandbox's page and wait until its script is ready."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from playwright.sync_api import Page

    from bot.devtools.sandbox.runtime import Sandbox


def open_page(page: Page, sandbox: Sandbox, fragment: str = "") -> None:
    page.goto(sandbox.page_url + fragment)
    page.wait_for_selector("body[data-ready='1']")
