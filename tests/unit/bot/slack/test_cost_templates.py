"""The estimate shows in the plan message and the approval ask; the intent shows as inline code."""

from __future__ import annotations

import json

from bot.slack.render import Trusted, escape_mrkdwn, render_blocks

LINE = "Est. +EUR 45/month; team payments: EUR 310 -> EUR 355 of EUR 500"
# As Slack receives it: `>` escaped, which Slack shows as `>` again.
SHOWN = escape_mrkdwn(LINE)
PLAN = {
    "summary": "2 to create",
    "highlights": [],
    "diff_chunks": ["+ db"],
    "as_file": False,
    "diff_lines": 1,
    "short_hash": "abcdef12",
}


def _request(intent_text: str, cost_line: str) -> dict[str, object]:
    return {
        "id": "PB-7",
        "intent_text": intent_text,
        "cost_line": cost_line,
        "ask_ownership": "",
        "requester_mention": Trusted("<@U0REQ>"),
        "thread_link": Trusted("<#C0REQ>"),
    }


def _ask(request: dict[str, object]) -> str:
    blocks = render_blocks(
        "approval_request",
        request=request,
        need={"group": "finance", "count": 1, "members": ""},
        plan_summary="2 to create",
        short_hash="abcdef12",
        expires_label="in 72 hours",
        button_value="PB-7:abcdef12:1",
    )
    return str(blocks[0]["text"]["text"])


def test_the_plan_message_shows_the_cost_line_after_the_summary() -> None:
    blocks = render_blocks("plan", plan=PLAN, cost=LINE)

    assert blocks[1]["text"]["text"] == f":moneybag: {SHOWN}"


def test_a_plan_without_an_estimate_has_no_cost_block() -> None:
    assert "moneybag" not in json.dumps(render_blocks("plan", plan=PLAN, cost=""))


def test_the_approval_ask_shows_the_same_cost_line() -> None:
    assert f":moneybag: {SHOWN}" in _ask(_request("service name=x env=prod", LINE))
    assert "moneybag" not in _ask(_request("service name=x env=prod", ""))


def test_a_backtick_in_the_intent_cannot_end_the_code_span_of_the_ask_or_its_closed_form() -> None:
    request = _request("service name=x` *bold* <!here>", LINE)
    closed = render_blocks("approval_closed", request=request, outcome=Trusted("Approved."))

    for text in (_ask(request), str(closed[0]["text"]["text"])):
        span = text.split("`")[1]  # exactly one span, the whole intent inside it
        assert text.count("`") == 2 and "name=x" in span and "bold" in span
        assert "<!here>" not in text
