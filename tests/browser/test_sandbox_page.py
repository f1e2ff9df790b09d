"""The sandbox page in a real browser: the approval flow a newcomer walks, modals, Home, mrkdwn."""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path
from typing import Any

import psycopg
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

README_SCREENSHOT = (
    Path(__file__).resolve().parents[2] / "bot/devtools/sandbox/static/screenshot-request-thread.png"
)
APPLY_TIMEOUT = 120_000


def _message(page: Page, text: str) -> Any:
    """A message in the open channel (not the thread pane) that contains `text`."""
    return page.locator("main [data-testid=message]", has_text=text).last


def _save_readme_screenshot(shot: Path) -> None:
    """The README's picture is refreshed when missing or on request, not on every run: it would
    otherwise change (times, hashes) and dirty the working tree each time the tests run."""
    if not README_SCREENSHOT.exists() or os.environ.get("PLATFORMBOT_UPDATE_SCREENSHOTS"):
        shutil.copyfile(shot, README_SCREENSHOT)


@pytest.mark.postgres
@pytest.mark.engine
def test_requester_gets_a_production_database_after_a_security_approval(
    page: Page, sandbox: Sandbox, tmp_path: Path
) -> None:
    shots = tmp_path / "screenshots"
    shots.mkdir()
    open_page(page, sandbox, "#user=U0REQ&channel=C0REQUESTS")
    expect(page.locator("[data-testid=clock]")).to_have_text(
        "Bot time Mon 23 Nov 10:00 Europe/Berlin · business hours (Mon–Fri 9–18h)"
    )

    page.fill("[data-testid=composer]", "/platform request postgres-database billing env=prod")
    page.press("[data-testid=composer]", "Enter")
    expect(page.locator("main [data-testid=ephemeral]").last).to_contain_text("Received")
    root = _message(page, "name=billing env=prod")
    request_id = re.search(r"PB-\d+", root.locator(".block-header").inner_text())
    assert request_id is not None
    root.locator("[data-testid=thread-summary]").click()
    thread = page.locator("[data-testid=thread]")
    expect(thread).to_contain_text("Rulebook (plan): needs approval", timeout=APPLY_TIMEOUT)
    expect(thread).to_contain_text("security: 0/1")
    page.screenshot(path=shots / "01-requester-thread-awaiting-approval.png")

    page.select_option("[data-testid=whoami]", "U0SEC1")
    page.click("[data-testid=nav-C0SECURITY]")
    approval = _message(page, f"{request_id[0]} needs 1 approval from security")
    approval.locator("[data-action-id=approve]").click()
    confirm = page.locator("[data-testid=confirm]")
    expect(confirm).to_contain_text(f"Approve {request_id[0]}?")
    page.screenshot(path=shots / "02-approver-confirm-dialog.png")
    page.click("[data-testid=confirm-ok]")
    expect(page.locator("main [data-testid=ephemeral]").last).to_contain_text(
        f"Your approval of {request_id[0]} is recorded for"
    )
    expect(page.locator("main [data-testid=ephemeral]").last).to_contain_text("Only visible to you")

    page.click("[data-testid=nav-C0REQUESTS]")
    _message(page, "name=billing env=prod").locator("[data-testid=thread-summary]").click()
    expect(thread).to_contain_text(f"{request_id[0]} succeeded", timeout=APPLY_TIMEOUT)
    expect(thread).to_contain_text("sent to @Riley Requester by direct message only")
    page.screenshot(path=shots / "03-approver-thread-succeeded.png")
    _save_readme_screenshot(shots / "03-approver-thread-succeeded.png")

    page.select_option("[data-testid=whoami]", "U0REQ")
    expect(page.locator("[data-testid=nav-D0REQ] .badge")).to_have_text("1")
    page.click("[data-testid=nav-D0REQ]")
    dm = page.locator("main [data-testid=message]").last
    expect(dm).to_contain_text(f"{request_id[0]} is ready")
    page.screenshot(path=shots / "04-requester-dm-with-credentials.png")
    dsn = dm.locator(".code-block").inner_text().strip()
    assert dsn.startswith("postgresql://billing_prod_owner:")
    with psycopg.connect(dsn, connect_timeout=10) as conn:
        assert conn.execute("select current_database()").fetchone() == ("billing_prod",)


def test_request_form_shows_the_bots_errors_under_each_field_and_closes(page: Page, sandbox: Sandbox) -> None:
    open_page(page, sandbox, "#user=U0DEV2&channel=C0REQUESTS")

    page.fill("[data-testid=composer]", "/platform request service")
    page.press("[data-testid=composer]", "Enter")
    modal = page.locator("[data-testid=modal]")
    expect(modal.locator(".modal-title")).to_have_text("New service")
    expect(modal.locator("[data-block-id=language] option")).to_contain_text(
        ["python", "go", "node"], timeout=5000
    )
    modal.locator("[data-block-id=name] input").fill("Bad Name")
    modal.locator(".modal-submit").click()

    name_error = modal.locator("[data-block-id=name] .input-error")
    expect(name_error).to_contain_text("Did you mean \u201cbad-name\u201d?")  # plain text: quotes, no code
    expect(modal.locator("[data-block-id=team] .input-error")).to_contain_text("required")
    expect(modal.locator("[data-block-id=name] .input-hint")).to_contain_text("lower-case letters")
    expect(modal.locator("[data-block-id=name] input")).to_have_value("Bad Name")
    modal.locator(".modal-close").click()
    expect(modal).to_have_count(0)
    assert sandbox.slack is not None and sandbox.slack.views_for("U0DEV2") == []


def test_home_tab_is_published_when_opened(page: Page, sandbox: Sandbox) -> None:
    open_page(page, sandbox, "#user=U0SEC2&channel=C0REQUESTS")

    page.click("[data-testid=nav-home]")

    home = page.locator("[data-testid=home]")
    expect(home).to_contain_text("Approvals waiting for you")
    expect(home).to_contain_text("Your requests")
    assert sandbox.slack is not None and sandbox.slack.home("U0SEC2") is not None


MRKDWN_CASES = [
    (
        "*bold* _italic_ ~gone~ `x < y`",
        ["<b>bold</b>", "<i>italic</i>", "<s>gone</s>", "<code>x &lt; y</code>"],
    ),
    ("```a &lt; b\n  c```", ['<pre class="code-block">a &lt; b\n  c</pre>']),
    (
        "<https://example.com/a?b=1&amp;c=2|the docs>",
        ['href="https://example.com/a?b=1&amp;c=2"', ">the docs</a>"],
    ),
    (
        "<@U0REQ> and <#C0REQUESTS>",
        ["@Riley Requester</span>", 'data-channel="C0REQUESTS">#platform-requests</a>'],
    ),
    ("<!subteam^S0SECURITY> <!here>", ["@security</span>", "@here</span>"]),
    ("• one\n• two\n   more", ['<ul class="mrkdwn-list"><li>one</li><li>two<br>more</li></ul>']),
    ("1. first\n2. second", ['<ol class="mrkdwn-list"><li>first</li><li>second</li></ol>']),
    ("&lt;script&gt;alert(1)&lt;/script&gt; &amp;lt;", ["&lt;script&gt;alert(1)&lt;/script&gt; &amp;lt;"]),
    ("<javascript:alert(1)|click>", ['<span class="line">click</span>']),
    (":white_check_mark: done :no_such_emoji:", ['aria-label="white_check_mark"', ":no_such_emoji:"]),
    ("snake_case_name and 2*3*4", ["snake_case_name and 2*3*4"]),
    ("&gt; quoted", ["<blockquote>quoted</blockquote>"]),
]


def test_mrkdwn_becomes_html_as_slack_shows_it(page: Page, sandbox: Sandbox) -> None:
    open_page(page, sandbox)
    rendered = page.evaluate(
        """async (cases) => {
            const { mrkdwn } = await import("/static/mrkdwn.js");
            const ctx = {
              me: "U0SEC1",
              userName: (id) => ({ U0REQ: "Riley Requester" })[id] || null,
              channelName: (id) => ({ C0REQUESTS: "platform-requests" })[id] || null,
              groupHandle: (id) => ({ S0SECURITY: "security" })[id] || null,
              permalink: () => null,
            };
            return cases.map((text) => mrkdwn(text, ctx));
        }""",
        [text for text, _ in MRKDWN_CASES],
    )
    for (text, expected), html in zip(MRKDWN_CASES, rendered, strict=True):
        for fragment in expected:
            assert fragment in html, f"{text!r} rendered as {html!r}"
    assert "<script" not in "".join(rendered)
    assert "<i>" not in rendered[-2] and "<b>" not in rendered[-2]


MODAL_BLOCKS = [
    {
        "type": "input",
        "block_id": "reason",
        "label": {"type": "plain_text", "text": "Reason"},
        "hint": {"type": "plain_text", "text": "Say why"},
        "element": {
            "type": "plain_text_input",
            "action_id": "value",
            "multiline": True,
            "initial_value": "a\nb",
        },
    },
    {
        "type": "input",
        "block_id": "replicas",
        "optional": True,
        "label": {"type": "plain_text", "text": "Replicas"},
        "element": {
            "type": "number_input",
            "action_id": "value",
            "is_decimal_allowed": False,
            "min_value": "1",
        },
    },
    {
        "type": "input",
        "block_id": "size",
        "label": {"type": "plain_text", "text": "Size"},
        "element": {
            "type": "static_select",
            "action_id": "value",
            "options": [{"text": {"type": "plain_text", "text": s}, "value": s} for s in ("small", "large")],
            "initial_option": {"text": {"type": "plain_text", "text": "small"}, "value": "small"},
        },
    },
    {
        "type": "input",
        "block_id": "extensions",
        "label": {"type": "plain_text", "text": "Extensions"},
        "element": {
            "type": "multi_static_select",
            "action_id": "value",
            "options": [
                {"text": {"type": "plain_text", "text": e}, "value": e} for e in ("citext", "pgcrypto")
            ],
        },
    },
]


def test_modal_inputs_render_and_read_back_in_the_shape_the_api_takes(page: Page, sandbox: Sandbox) -> None:
    open_page(page, sandbox)
    page.evaluate(
        """async ({ blocks }) => {
            const { renderBlocks } = await import("/static/blocks.js");
            const env = { ctx: { userName: () => null, channelName: () => null, groupHandle: () => null },
                          errors: { size: "Pick a size" }, act: () => {}, confirm: async () => true };
            const root = document.createElement("div");
            root.id = "under-test";
            root.append(renderBlocks(blocks, env));
            document.body.append(root);
        }""",
        {"blocks": MODAL_BLOCKS},
    )
    root = page.locator("#under-test")
    expect(root.locator("[data-block-id=reason] textarea")).to_have_value("a\nb")
    expect(root.locator("[data-block-id=reason] .input-hint")).to_have_text("Say why")
    expect(root.locator("[data-block-id=replicas] .optional")).to_have_text(" (optional)")
    expect(root.locator("[data-block-id=size] .input-error")).to_have_text("Pick a size")
    root.locator("[data-block-id=replicas] input").fill("3")
    root.locator("[data-block-id=size] select").select_option("large")
    root.locator("[data-block-id=extensions] input[value=pgcrypto]").check()

    values = page.evaluate(
        """async () => {
            const { readInputs } = await import("/static/blocks.js");
            return readInputs(document.getElementById("under-test"));
        }"""
    )

    assert values == {"reason": "a\nb", "replicas": "3", "size": "large", "extensions": ["pgcrypto"]}
