"""The sandbox walk of issue 10 in a real browser: two developers of different teams and an approver.

Riley (payments) creates a production database; Dana (search) then asks for the same one by its
name. The takeover must be routed to the owners: the thread and the asks say whose it is, security
alone cannot apply it, Dana cannot approve her own, and the new credentials go to the owning team,
never to Dana. The tests of this module run in order on one sandbox (module-scoped fixture): each
step builds on the one before, and each waits for its own new message, not for `.last` of a list
an earlier step filled.
"""

from __future__ import annotations

import os
import re
from typing import Any

import psycopg
import pytest

try:
    from playwright.sync_api import Locator, Page, expect
except ImportError:  # a skip on a laptop; in CI the import error fails the run, as it should
    if os.environ.get("CI"):
        raise
    pytest.skip("Playwright is not installed in the venv: run `make setup`", allow_module_level=True)

from bot.devtools.sandbox.runtime import Sandbox
from bot.workflow import Workflow
from tests.support.browser import open_page

pytestmark = [pytest.mark.browser, pytest.mark.postgres, pytest.mark.engine]

APPLY_TIMEOUT = 120_000
# Unique in the session's shared PostgreSQL (roles persist across modules): not `billing`.
NAME = "walkledger"
DATABASE = f"{NAME}_prod"
OWNER_ROLE = f"{DATABASE}_owner"
REQUEST_TEXT = f"/platform request postgres-database {NAME} env=prod"
COMPOSER = "[data-testid=composer]"
THREAD = "[data-testid=thread]"

# What the steps learnt, for the steps after them (the tests of this module run in file order).
walk: dict[str, Any] = {}


def _as(page: Page, user: str, channel: str) -> None:
    page.select_option("[data-testid=whoami]", user)
    page.click(f"[data-testid=nav-{channel}]")


def _send(page: Page, text: str) -> Locator:
    """Sends `text` from the composer and returns the bot's new ephemeral answer."""
    replies = page.locator("main [data-testid=ephemeral]")
    before = replies.count()
    page.fill(COMPOSER, text)
    page.press(COMPOSER, "Enter")
    expect(replies).to_have_count(before + 1)
    return replies.nth(before)


def _new_root(page: Page, before: int) -> Locator:
    """The request's root message: the one after the `before` roots already in the channel."""
    roots = page.locator("main [data-testid=message]", has_text=f"name={NAME} env=prod")
    expect(roots).to_have_count(before + 1, timeout=30_000)
    return roots.nth(before)


def _roots(page: Page) -> int:
    return page.locator("main [data-testid=message]", has_text=f"name={NAME} env=prod").count()


def _open_thread(page: Page, request_id: str) -> Locator:
    _as(page, page.eval_on_selector("[data-testid=whoami]", "(s) => s.value"), "C0REQUESTS")
    root = page.locator("main [data-testid=message]", has=page.locator(".block-header", has_text=request_id))
    root.locator("[data-testid=thread-summary]").click()
    thread = page.locator(THREAD)
    expect(thread.locator("[data-testid=message]").first).to_contain_text(request_id)
    return thread


def _request_id(root: Locator) -> str:
    found = re.search(r"PB-\d+", root.locator(".block-header").inner_text())
    assert found is not None
    return found[0]


def _approve(page: Page, ask: Locator, request_id: str) -> Locator:
    """Clicks Approve on `ask`, confirms, and returns the new ephemeral answer (anywhere)."""
    replies = page.locator("[data-testid=ephemeral]")
    before = replies.count()
    ask.locator("[data-action-id=approve]").click()
    expect(page.locator("[data-testid=confirm]")).to_contain_text(f"Approve {request_id}?")
    page.click("[data-testid=confirm-ok]")
    expect(replies).to_have_count(before + 1)
    return replies.nth(before)


def _workflow(sandbox: Sandbox) -> Workflow:
    assert sandbox.bot is not None
    return sandbox.bot.workflow


def _seen_only_by(sandbox: Sandbox, user: str) -> str:
    """Everything the bot sent `user` alone (DMs, their edits, ephemerals), as one string."""
    assert sandbox.slack is not None
    sent = [*sandbox.slack.dms(user), *sandbox.slack.ephemerals(user, include_removed=True)]
    return "\n".join(repr(m) for m in sent)


def test_riley_creates_a_production_database_of_payments(page: Page, sandbox: Sandbox) -> None:
    open_page(page, sandbox, "#user=U0REQ&channel=C0REQUESTS")
    before = _roots(page)
    expect(_send(page, REQUEST_TEXT)).to_contain_text("Received")
    root = _new_root(page, before)
    request_id = _request_id(root)
    walk["created"] = request_id
    root.locator("[data-testid=thread-summary]").click()
    thread = page.locator(THREAD)
    expect(thread).to_contain_text("Rulebook (plan): needs approval", timeout=APPLY_TIMEOUT)
    expect(thread).to_contain_text("security: 0/1")
    expect(thread).not_to_contain_text("owned by")

    _as(page, "U0SEC1", "C0SECURITY")
    ask = page.locator("main [data-testid=message]", has_text=f"{request_id} needs 1 approval from security")
    expect(ask).to_contain_text(f"creates a new postgres-database {NAME} for payments")
    expect(_approve(page, ask, request_id)).to_contain_text(f"Your approval of {request_id} is recorded for")

    thread = _open_thread(page, request_id)
    expect(thread).to_contain_text(f"{request_id} succeeded", timeout=APPLY_TIMEOUT)
    expect(thread).to_contain_text("sent to @Riley Requester by direct message only")

    _as(page, "U0REQ", "D0REQ")
    dm = page.locator("main [data-testid=message]", has_text=f"{request_id} is ready")
    dsn = dm.locator(".code-block").inner_text().strip()
    assert dsn.startswith(f"postgresql://{OWNER_ROLE}:")
    with psycopg.connect(dsn, connect_timeout=10) as conn:
        assert conn.execute("select current_database()").fetchone() == (DATABASE,)
    walk["riley_dsn"] = dsn


def test_dana_asking_for_the_same_database_is_told_it_is_payments_and_needs_its_approval(
    page: Page, sandbox: Sandbox
) -> None:
    created = walk.get("created")
    if created is None:
        pytest.skip("needs the database Riley created in the step before")
    open_page(page, sandbox, "#user=U0DEV2&channel=C0REQUESTS")
    before = _roots(page)
    expect(_send(page, REQUEST_TEXT)).to_contain_text("Received")
    root = _new_root(page, before)
    request_id = _request_id(root)
    walk["takeover"] = request_id
    owned = f"changes {created}'s {NAME}, owned by payments (@Riley Requester)"
    expect(root).to_contain_text(owned, timeout=APPLY_TIMEOUT)
    expect(root).to_contain_text(
        "state awaiting approval (waiting for 1 from security, 1 from team payments)", timeout=APPLY_TIMEOUT
    )

    root.locator("[data-testid=thread-summary]").click()
    thread = page.locator(THREAD)
    expect(thread).to_contain_text("Rulebook (plan): needs approval", timeout=APPLY_TIMEOUT)
    expect(thread).to_contain_text(
        f"exists ({created}) and belongs to team payments: the owners must approve"
    )
    expect(thread).to_contain_text("team payments: 0/1")
    expect(thread).to_contain_text("security: 0/1")
    owners_ask = thread.locator(
        "[data-testid=message]", has_text=f"{request_id} needs 1 approval from team payments"
    )
    expect(owners_ask).to_contain_text(owned)
    expect(owners_ask).to_contain_text("Requested by @Dana Developer")

    _as(page, "U0SEC1", "C0SECURITY")
    security_ask = page.locator(
        "main [data-testid=message]", has_text=f"{request_id} needs 1 approval from security"
    )
    expect(security_ask).to_contain_text(owned)
    expect(security_ask).to_contain_text("Requested by @Dana Developer")


def test_dana_cannot_approve_her_own_takeover(page: Page, sandbox: Sandbox) -> None:
    request_id = walk.get("takeover")
    if request_id is None:
        pytest.skip("needs Dana's request from the step before")
    open_page(page, sandbox, "#user=U0DEV2&channel=C0REQUESTS")
    thread = _open_thread(page, request_id)
    owners_ask = thread.locator(
        "[data-testid=message]", has_text=f"{request_id} needs 1 approval from team payments"
    )

    answer = _approve(page, owners_ask, request_id)

    expect(answer).not_to_contain_text("is recorded")
    expect(answer).to_contain_text("You can't approve your own request.")
    expect(thread).to_contain_text("team payments: 0/1")
    expect(thread).not_to_contain_text("approved by @Dana Developer")


def test_security_alone_does_not_apply_another_teams_database(page: Page, sandbox: Sandbox) -> None:
    request_id = walk.get("takeover")
    if request_id is None:
        pytest.skip("needs Dana's request from the step before")
    open_page(page, sandbox, "#user=U0SEC1&channel=C0SECURITY")
    ask = page.locator("main [data-testid=message]", has_text=f"{request_id} needs 1 approval from security")

    expect(_approve(page, ask, request_id)).to_contain_text(f"Your approval of {request_id} is recorded for")

    thread = _open_thread(page, request_id)
    expect(thread).to_contain_text("security: 1/1 — approved by @Sam Sentinel")
    expect(thread).to_contain_text("team payments: 0/1")
    expect(thread).to_contain_text("waiting for 1 more")
    assert _workflow(sandbox).get(request_id).state.value == "awaiting_approval"
    expect(thread).not_to_contain_text(f"{request_id} succeeded")


def test_a_second_security_approver_cannot_stand_in_for_the_owners(page: Page, sandbox: Sandbox) -> None:
    request_id = walk.get("takeover")
    if request_id is None:
        pytest.skip("needs Dana's request from the step before")
    open_page(page, sandbox, "#user=U0SEC2&channel=C0REQUESTS")
    thread = _open_thread(page, request_id)
    owners_ask = thread.locator(
        "[data-testid=message]", has_text=f"{request_id} needs 1 approval from team payments"
    )

    answer = _approve(page, owners_ask, request_id)

    expect(answer).not_to_contain_text("is recorded")
    expect(thread).to_contain_text("team payments: 0/1")
    expect(thread).not_to_contain_text("approved by @Sky Shield")
    assert _workflow(sandbox).get(request_id).state.value == "awaiting_approval"
    walk["sky_answer"] = answer.inner_text()


def test_after_riley_approves_the_credentials_go_to_riley_not_to_dana(page: Page, sandbox: Sandbox) -> None:
    request_id = walk.get("takeover")
    if request_id is None:
        pytest.skip("needs Dana's request from the step before")
    open_page(page, sandbox, "#user=U0REQ&channel=C0REQUESTS")
    thread = _open_thread(page, request_id)
    owners_ask = thread.locator(
        "[data-testid=message]", has_text=f"{request_id} needs 1 approval from team payments"
    )

    expect(_approve(page, owners_ask, request_id)).to_contain_text(
        f"Your approval of {request_id} is recorded for team payments."
    )

    expect(thread).to_contain_text(f"{request_id} succeeded", timeout=APPLY_TIMEOUT)
    expect(thread.locator("[data-testid=message]").first).to_contain_text("state succeeded")
    expect(thread).to_contain_text("team payments: 1/1 — approved by @Riley Requester")
    expect(thread).to_contain_text("security: 1/1 — approved by @Sam Sentinel")
    expect(thread).not_to_contain_text("waiting for")
    expect(thread).to_contain_text("dsn sent to @Riley Requester by direct message only.")
    expect(thread).to_contain_text(
        f"The credentials of {NAME} belong to payments (@Riley Requester), so they were not sent to"
        " @Dana Developer: they went to @Riley Requester by direct message only."
    )

    _as(page, "U0REQ", "D0REQ")
    dm = page.locator("main [data-testid=message]", has_text=f"{request_id} ")
    expect(dm).to_contain_text("a resource your team owns")
    expect(dm).to_contain_text("asked for by @Dana Developer")
    dsn = dm.locator(".code-block").inner_text().strip()
    assert dsn.startswith(f"postgresql://{OWNER_ROLE}:")
    with psycopg.connect(dsn, connect_timeout=10) as conn:
        assert conn.execute("select current_database()").fetchone() == (DATABASE,)

    dana = _seen_only_by(sandbox, "U0DEV2")
    assert "postgresql://" not in dana
    password = dsn.split("://", 1)[1].split("@", 1)[0].split(":", 1)[1]
    assert password not in dana
    _as(page, "U0DEV2", "C0REQUESTS")
    assert password not in page.locator("body").inner_text()


SERVICE = "walksvc"


def test_riley_names_the_owners_of_a_payments_service_with_a_mention(page: Page, sandbox: Sandbox) -> None:
    open_page(page, sandbox, "#user=U0REQ&channel=C0REQUESTS")
    composer = page.locator(COMPOSER)
    composer.press_sequentially(
        f"/platform request service name={SERVICE} team=payments language=go owners=@ri"
    )
    expect(page.locator("[data-testid=mention-menu]")).to_contain_text("Riley Requester")
    composer.press("Tab")  # picks Riley: the composer sends <@U0REQ>, as Slack does
    roots = page.locator("main [data-testid=message]", has_text=f"name={SERVICE}")
    before = roots.count()
    replies = page.locator("main [data-testid=ephemeral]")
    answered = replies.count()
    composer.press("Enter")
    expect(replies).to_have_count(answered + 1)
    expect(replies.nth(answered)).to_contain_text("owners=U0REQ")
    expect(roots).to_have_count(before + 1, timeout=30_000)
    root = roots.nth(before)
    request_id = _request_id(root)
    root.locator("[data-testid=thread-summary]").click()
    expect(page.locator(THREAD)).to_contain_text(f"{request_id} succeeded", timeout=APPLY_TIMEOUT)
    assert _workflow(sandbox).get(request_id).intent.params["owners"] == ("U0REQ",)
    walk["service"] = request_id


def test_dana_naming_herself_owner_of_paymentss_service_in_the_form_is_routed_to_payments(
    page: Page, sandbox: Sandbox
) -> None:
    created = walk.get("service")
    if created is None:
        pytest.skip("needs the service Riley created in the step before")
    open_page(page, sandbox, "#user=U0DEV2&channel=C0REQUESTS")
    composer = page.locator(COMPOSER)
    composer.press_sequentially(f"/platform request service name={SERVICE} owners=@dan")
    expect(page.locator("[data-testid=mention-menu]")).to_contain_text("Dana Developer")
    composer.press("Tab")
    replies = page.locator("main [data-testid=ephemeral]")
    answered = replies.count()
    composer.press("Enter")
    expect(replies).to_have_count(answered + 1)
    replies.nth(answered).get_by_text("Finish it in a form").click()
    modal = page.locator("[data-testid=modal]")
    picker = modal.locator("[data-block-id=owners] [data-testid=picker]")
    expect(picker.locator("input[value=U0DEV2]")).to_be_checked()
    expect(picker.locator("input[value=U0REQ]")).not_to_be_checked()
    expect(modal.locator("[data-block-id=name] input")).to_have_value(SERVICE)
    modal.locator("[data-block-id=team] input").fill("search")
    modal.locator("[data-block-id=language] select").select_option("go")
    roots = page.locator("main [data-testid=message]", has_text=f"name={SERVICE}")
    before = roots.count()
    modal.locator(".modal-submit").click()
    expect(modal).to_have_count(0)

    expect(roots).to_have_count(before + 1, timeout=30_000)
    root = roots.nth(before)
    request_id = _request_id(root)
    assert _workflow(sandbox).get(request_id).intent.params["owners"] == ("U0DEV2",)
    expect(root).to_contain_text(
        f"changes {created}'s {SERVICE}, owned by payments (@Riley Requester)", timeout=APPLY_TIMEOUT
    )
    root.locator("[data-testid=thread-summary]").click()
    thread = page.locator(THREAD)
    expect(thread).to_contain_text("team payments: 0/1", timeout=APPLY_TIMEOUT)
    expect(thread).to_contain_text(
        f"exists ({created}) and belongs to team payments: the owners must approve"
    )
    assert _workflow(sandbox).get(request_id).state.value == "awaiting_approval"
    walk["service_takeover"] = request_id


def test_when_riley_rejects_the_takeover_the_thread_stops_waiting(page: Page, sandbox: Sandbox) -> None:
    request_id = walk.get("service_takeover")
    if request_id is None:
        pytest.skip("needs Dana's service request from the step before")
    open_page(page, sandbox, "#user=U0REQ&channel=C0REQUESTS")
    thread = _open_thread(page, request_id)
    owners_ask = thread.locator(
        "[data-testid=message]", has_text=f"{request_id} needs 1 approval from team payments"
    )
    owners_ask.locator("[data-action-id=reject]").click()
    modal = page.locator("[data-testid=modal]")
    modal.locator("textarea, input").first.fill("walksvc is ours")
    modal.locator(".modal-submit").click()
    expect(modal).to_have_count(0)

    root = thread.locator("[data-testid=message]").first
    expect(root).to_contain_text("state rejected by @Riley Requester")
    expect(thread).not_to_contain_text("waiting for")
    assert _workflow(sandbox).get(request_id).state.value == "rejected"
    owners = _workflow(sandbox).get(walk["service"]).intent.params["owners"]
    assert owners == ("U0REQ",)


def test_the_stats_chart_after_the_walk_shows_as_a_picture(page: Page, sandbox: Sandbox) -> None:
    assert sandbox.slack is not None
    open_page(page, sandbox, "#user=U0REQ&channel=C0PLATFORM")
    reports = page.locator("main [data-testid=message]", has_text="Platform outcomes")
    before = reports.count()
    page.fill(COMPOSER, "/platform stats")
    page.press(COMPOSER, "Enter")
    expect(reports).to_have_count(before + 1, timeout=30_000)
    reports.nth(before).locator("[data-testid=thread-summary]").click()

    image = page.locator("[data-testid=thread] [data-testid=file] img.file-image")
    expect(image).to_be_visible()
    charts = [f for f in sandbox.slack.files if (f.content or b"").startswith(b"\x89PNG\r\n\x1a\n")]
    assert charts, "no PNG was uploaded"
    src = image.get_attribute("src")
    assert src == f"/api/files/{charts[-1].id}"
    # Decoded by the browser: a PNG the page could not read would have no width.
    assert image.evaluate("(img) => img.complete && img.naturalWidth") > 0
    assert page.request.get(sandbox.page_url.rstrip("/") + src).body() == charts[-1].content
    expect(page.locator("[data-testid=thread] [data-testid=file] pre")).to_have_count(0)
