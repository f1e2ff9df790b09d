"""The sandbox page's composer and modal, as people use Slack: @-autocomplete makes mentions,
the form's people picker is preselected and submits ids."""

from __future__ import annotations

import os

import pytest

try:
    from playwright.sync_api import Page, expect
except ImportError:  # a skip on a laptop; in CI the import error fails the run, as it should
    if os.environ.get("CI"):
        raise
    pytest.skip("Playwright is not installed in the venv: run `make setup`", allow_module_level=True)

from bot.devtools.sandbox.runtime import Sandbox
from tests.support.browser import open_page

pytestmark = pytest.mark.browser
COMPOSER = "[data-testid=composer]"


def test_a_person_picked_with_at_is_sent_as_a_mention_and_becomes_an_owner(
    page: Page, sandbox: Sandbox
) -> None:
    open_page(page, sandbox, "#user=U0REQ&channel=C0REQUESTS")
    composer = page.locator(COMPOSER)
    composer.press_sequentially("/platform request service name=picked team=payments language=go owners=@da")
    menu = page.locator("[data-testid=mention-menu]")
    expect(menu).to_contain_text("Dana Developer")
    composer.press("Enter")  # picks, does not send
    expect(menu).to_have_count(0)
    expect(composer).to_have_value(
        "/platform request service name=picked team=payments language=go owners=@Dana Developer "
    )
    composer.press_sequentially(", @r")
    menu.locator("[data-user=U0REQ]").click()

    composer.press("Enter")

    reply = page.locator("main [data-testid=ephemeral]").last
    expect(reply).to_contain_text("owners=U0DEV2,U0REQ")


def test_a_typed_at_name_is_plain_text_and_the_answer_says_how_to_pick(page: Page, sandbox: Sandbox) -> None:
    open_page(page, sandbox, "#user=U0REQ&channel=C0REQUESTS")
    composer = page.locator(COMPOSER)
    composer.press_sequentially(
        "/platform request service name=typed team=payments language=go owners=@riley"
    )
    composer.press("Escape")  # closes the list: the name stays typed text
    composer.press("Enter")

    expect(page.locator("main [data-testid=ephemeral]").last).to_contain_text("is typed text, not a mention")


def test_the_forms_people_picker_is_preselected_and_submits_the_people_ticked(
    page: Page, sandbox: Sandbox
) -> None:
    open_page(page, sandbox, "#user=U0REQ&channel=C0REQUESTS")
    composer = page.locator(COMPOSER)
    composer.press_sequentially("/platform request service owners=@dan")
    expect(page.locator("[data-testid=mention-menu]")).to_contain_text("Dana Developer")
    composer.press("Tab")  # picks Dana
    replies = page.locator("main [data-testid=ephemeral]")
    before = replies.count()  # the sandbox is shared: earlier tests' answers are on the page
    composer.press("Enter")
    expect(replies).to_have_count(before + 1)
    replies.last.get_by_text("Finish it in a form").click()
    modal = page.locator("[data-testid=modal]")
    picker = modal.locator("[data-block-id=owners] [data-testid=picker]")
    expect(picker.locator("input[value=U0DEV2]")).to_be_checked()
    expect(picker.locator("input[value=U0REQ]")).not_to_be_checked()
    expect(modal.locator("[data-block-id=env] select")).to_have_value("dev")

    picker.locator("input[value=U0REQ]").check()
    modal.locator("[data-block-id=name] input").fill("formed")
    modal.locator("[data-block-id=team] input").fill("payments")
    modal.locator("[data-block-id=language] select").select_option("go")
    modal.locator(".modal-submit").click()

    expect(modal).to_have_count(0)
    request = sandbox.bot.workflow.list_for("U0REQ", "all", limit=20)[0]
    assert request.intent.params["owners"] == ("U0DEV2", "U0REQ")
