"""Every template, rendered with hostile user text in every place a user's words are shown, keeps
the structure it has with harmless text: the same code blocks and spans, the same formatting
markers, the same mentions and links, valid JSON. Text users type cannot end the template's
markup early, add markup of its own, or mention anyone.

The approval asks (approval_*.json.j2) belong to another part of the work and are not listed here.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.feedback.slack import question
from bot.slack import present
from bot.slack import request_views as views
from bot.slack.render import TEMPLATE_DIR, Trusted, render_blocks, render_text
from bot.workflow import RequestState
from provisioners import Plan, ResourceChange
from tests.support.request_snapshots import AT, make_request

HOSTILE = [
    "```sh\nmake run\n```",
    "`",
    "``",
    "a `b` c",
    "<!channel> <!here> <@U0BOSS> <#C0SECRET> <https://evil.example|click>",
    "*bold* _italic_ ~strike~",
    "&lt;@U0BOSS&gt; &amp; & <",
    "line one\n> quoted\n• bullet",
    "x*",
    "_x",
    '"quotes" \\ backslash',
]
# The characters that matter to mrkdwn and JSON, mixed with ordinary ones.
ALPHABET = list('`*_~<>&!@#|\n"\\ :.-=') + list("abcU0")
USER_TEXT = st.one_of(st.sampled_from(HOSTILE), st.text(alphabet=ALPHABET, min_size=1, max_size=40)).filter(
    lambda text: bool(text.strip())
)


def _request(user: str, **overrides: Any) -> Any:
    return make_request(intent_text=user, **overrides)


def _view(user: str, **overrides: Any) -> dict[str, Any]:
    return views.request_view(_request(user, **overrides), permalink="https://slack.example/archives/C0/p1")


def _plan(user: str) -> Plan:
    change = ResourceChange(
        urn="urn:pulumi:s::p::platformbot:RepoFile::readme",
        type="platformbot:RepoFile",
        name="readme",
        op="create",
        keys=("content",),
        after={"content": user},
    )
    return Plan.build("service.demo.dev", [change])


def _notice_context(user: str) -> dict[str, Any]:
    failure = {"stack": "service.demo.dev", "request_id": "PB-3", "message": user}
    return {
        "request": _view(user),
        "error": user,
        "reason": user,
        "actor": Trusted("<@U0SEC1>"),
        "ttl": "72 hours",
        "old_hash": "aaaa",
        "new_hash": "bbbb",
        "changes": user,
        "stack": "service.demo.dev",
        "holder": "PB-3",
        "waiting": "PB-8",
        "by": Trusted("PB-9 by <@U0DEV2>"),
        "others": "PB-3",
        "group": "security",
        "short_hash": "abcd",
        "needs": "1 from security",
        "expires": views.moment(AT),
        "keys": "dsn, password",
        "user": Trusted("<@U0REQ>"),
        "finding_id": 4,
        "how": "PB-9 ran.",
        "kind": "Reconcile",
        "follow_up_id": "PB-9",
        "reasons": ["set by hand"],
        "until": views.moment(AT),
        "count": 1,
        "failures": [failure],
        "since": views.moment(AT),
        "target": "PB-3",
        "checked": 3,
        # Expiring environments (bot/slack/expiry_posts.py).
        "cause": "expiry",
        "destroy_id": "PB-9",
        "destroy_state": "evaluated",
        "then": "the bot opens its destroy within 1 minute of that.",
        "warnings": "Its owners get a DM 24 hours and 1 hour before, with Extend, Keep and Destroy now.",
        "drifting": 1,
        "posted": 1,
        "resolved": 0,
        "busy": "service.search.dev",
        "name": Trusted("`demo`"),
        "owners": Trusted("payments (<@U0OWNER>)"),
        "team": "payments",
        "recipient": Trusted("<@U0OWNER>"),
        "requester": Trusted("<@U0REQ>"),
    }


def _reply_context(user: str) -> dict[str, Any]:
    return {
        "kind": "stats",
        "path": "postgres-database",
        "reason": "no admin DSN",
        "intent_text": user,
        "channel": Trusted("<#C0REQUESTS>"),
        "request_id": "PB-7",
        "changed": True,
        "rule_id": user,
        "ids": ["prod-needs-security"],
        "ref": "ab12cd34",
        "requester": Trusted("<@U0REQ>"),
        "thread": Trusted("<https://slack.example/archives/C0REQUESTS/p1|thread>"),
        "target_id": "PB-3",
    }


BLOCK_CONTEXTS: dict[str, Callable[[str], dict[str, Any]]] = {
    "request_root": lambda u: {
        "request": _view(u, state=RequestState.REJECTED, error=f"Rejected by <@U0SEC1>: {u}")
    },
    "status": lambda u: {"request": _view(u, state=RequestState.EXPIRED, error=u)},
    "request_list": lambda u: {"title": "All requests", "requests": [_view(u)], "more": 2},
    "home": lambda u: {"approvals": [_view(u) | {"ownership": None}], "mine": [_view(u)]},
    "plan": lambda u: {"plan": present.plan_view(_plan(u)).context},
    "progress": lambda u: {"icon": ":hourglass:", "title": "Applying", "lines": [u, u], "footer": "PB-1"},
    "succeeded": lambda u: {
        "request": _view(u),
        "duration": views.duration(timedelta(seconds=5.9)),
        "apply_duration": "",
        "summary": "1 to create",
        "outputs": present.outputs_view({"description": u, "url": "https://x.example"}),
        "secret_keys": [],
    },
    "secrets_dm": lambda u: {
        "request": _view(u),
        "secrets": present.outputs_view({"password": u}),
        "recipient": Trusted("<@U0OWNER>"),
    },
    "stats": lambda u: {
        "title": "Platform outcomes",
        "figures": [{"label": "Lead time", "value": "4.0 h", "detail": "6 requests"}],
        "paths": [{"label": "service", "value": "3", "detail": "3 succeeded"}],
        "teams": [],
        "comments": [u, u],
        "footer": "last 30 days",
    },
    # Team names come from the config, stack names from the names people typed.
    "costs": lambda u: {
        "title": "Monthly cost of live resources",
        "teams": [
            {
                "name": u,
                "spend": "EUR 16/month",
                "detail": "1 live resource",
                "top": [{"stack": f"service-{u}", "path": "service", "monthly": "EUR 16/month"}],
            }
        ],
        "footer": "All teams: EUR 16/month.",
    },
    "verdict": lambda u: {
        "verdict": {
            "icon": ":red_circle:",
            "stage": "intent",
            "label": "denied",
            "approvals": "",
            "matches": [],
            "failures": [{"rule_id": "broken", "reason": u}],
            "version": "abc123",
        }
    },
    "drift": lambda u: {
        "finding": {
            "id": 4,
            "stack": "service.demo.dev",
            "summary": "Drift in 1 of 2 resource(s).",
            "diff_chunks": [u],
            "as_file": False,
            "detected_label": views.moment(AT),
        },
        "request": _view(u),
        "note": None,
        "buttons": True,
        "status": None,
        "where": None,
    },
    "feedback_thanks": lambda u: {"score": 8, "question": question("csat", 7, u), "poll_id": 3},
    "feedback_poll": lambda u: {
        "question": question("csat", 7, u),
        "buttons": [{"action_id": "feedback_score_1", "value": "3:1", "label": "1"}],
        "scale_hint": "1 = bad.",
        "fatigue_days": 14,
    },
    "intent_error": lambda u: {
        "text": u,
        "path": "service",
        "problems": [{"key": "name", "message": "name is required.", "expected": None, "suggestions": []}],
        "form_value": json.dumps({"path": "service", "given": {"description": u}}),
    },
}
TEXT_CONTEXTS = {
    f"{folder}/{path.name.removesuffix('.txt.j2')}": (
        _notice_context if folder == "notices" else _reply_context
    )
    for folder in ("notices", "replies")
    for path in sorted((TEMPLATE_DIR / folder).glob("*.txt.j2"))
}

_FENCED = re.compile(r"```.*?```", re.DOTALL)
_SPAN = re.compile(r"`[^`\n]*`")
# Slack opens or closes *bold*, _italic_, ~strike~ only at a word boundary; `<…>` is markup.
_MARKUP = re.compile(r"(?<![^\W_])[*_~]|[*_~](?![^\W_])|`|<[^<>]*>|>|<")


def structure(text: str) -> tuple[int, int, list[str], int]:
    """What mrkdwn makes of the text, with the code's contents left out: code blocks, inline code
    spans, every marker and `<…>` token outside them, and quoted lines."""
    blocks = _FENCED.findall(text)
    outside = _FENCED.sub(" ", text)
    spans = _SPAN.findall(outside)
    rest = _SPAN.sub(" ", outside)
    quoted = sum(line.startswith(">") for line in text.split("\n"))
    return len(blocks), len(spans), _MARKUP.findall(rest), quoted


def _texts(node: Any) -> list[str]:
    if isinstance(node, dict):
        found = [node["text"]] if node.get("type") == "mrkdwn" else []
        return found + [t for value in node.values() for t in _texts(value)]
    if isinstance(node, list):
        return [t for item in node for t in _texts(item)]
    return []


HARMLESS = "x"


@pytest.mark.parametrize("name", sorted(BLOCK_CONTEXTS))
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.filter_too_much])
@given(user=USER_TEXT)
def test_hostile_user_text_keeps_every_block_templates_mrkdwn_structure(name: str, user: str) -> None:
    expected = [structure(t) for t in _texts(render_blocks(name, **BLOCK_CONTEXTS[name](HARMLESS)))]
    rendered = render_blocks(name, **BLOCK_CONTEXTS[name](user))  # parses: the JSON is valid

    assert [structure(t) for t in _texts(rendered)] == expected


@pytest.mark.parametrize("name", sorted(TEXT_CONTEXTS))
@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.filter_too_much])
@given(user=USER_TEXT)
def test_hostile_user_text_keeps_every_notice_and_replys_mrkdwn_structure(name: str, user: str) -> None:
    expected = structure(render_text(name, **TEXT_CONTEXTS[name](HARMLESS)))

    assert structure(render_text(name, **TEXT_CONTEXTS[name](user))) == expected


def test_every_block_template_outside_the_approval_asks_is_walked_with_hostile_text() -> None:
    names = {p.name.removesuffix(".json.j2") for p in TEMPLATE_DIR.glob("*.json.j2")}
    # Templates that show no user-typed text have nothing hostile to walk.
    without_user_text = {
        "catalog",
        "catalog_path",
        "feedback_modal",
        "feedback_received",
        "help",
        "notice",
        "reject_modal",
        "request_modal",
        "rules",
    }
    assert names - {n for n in names if n.startswith("approval_")} - without_user_text == set(BLOCK_CONTEXTS)


@given(user=USER_TEXT)
@settings(max_examples=25, deadline=None)
def test_the_form_buttons_value_is_exactly_what_slack_will_hand_back(user: str) -> None:
    value = json.dumps({"path": "service", "given": {"description": user, "owners": ["<@U0REQ>"]}})
    blocks = render_blocks("intent_error", **BLOCK_CONTEXTS["intent_error"](user) | {"form_value": value})

    [button] = [e for b in blocks if b["type"] == "actions" for e in b["elements"]]
    assert button["value"] == value


def test_a_multi_line_comment_stays_one_quoted_line() -> None:
    blocks = render_blocks("stats", **BLOCK_CONTEXTS["stats"]("first line\n> not a quote\nthird"))

    [comments] = [t for t in _texts(blocks) if t.startswith("*Latest comments*")]
    assert comments.split("\n")[1:3] == ["> first line &gt; not a quote third"] * 2


def test_a_rejected_reason_with_markup_reads_literally_in_the_root() -> None:
    rejected = _request(
        "service name=demo",
        state=RequestState.REJECTED,
        error="Rejected by <@U0SEC1>: use `size=small`, *not* <!channel>",
    )
    context = json.dumps(views.root_blocks(rejected), ensure_ascii=False)

    assert "*rejected* by <@U0SEC1>: use ˋsize=smallˋ, ∗not∗ @channel" in context
    assert "<!channel>" not in context
    assert "Rejected by" not in context
