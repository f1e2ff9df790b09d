"""Every template renders valid Block Kit within Slack's limits, and user text cannot inject mrkdwn."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from bot.slack.render import TEMPLATE_DIR, Trusted, escape_mrkdwn, render_blocks, render_text

REQUEST = {
    "id": "PB-7",
    "action_label": "create",
    "path": "postgres-database",
    "intent_text": "postgres-database name=billing env=prod size=small",
    "requester_mention": Trusted("<@U0REQ>"),
    "state_label": "awaiting approval",
    "state_line": Trusted("*awaiting approval* (1 from security)"),
    "ownership": Trusted("changes PB-3's `billing`, owned by payments (<@U0OWNER>)"),
    "ask_ownership": Trusted("changes PB-3's `billing`, owned by payments (<@U0OWNER>)"),
    "closed": False,
    "created_label": "2026-11-21 10:00 UTC",
    "thread_link": "<https://slack.example/archives/C0REQUESTS/p1|thread>",
    "error": None,
}

SAMPLES: dict[str, dict[str, Any]] = {
    "request_root": {"request": REQUEST},
    "verdict": {
        "verdict": {
            "icon": ":large_orange_circle:",
            "stage": "intent",
            "label": "needs approval",
            "approvals": "1 from security",
            "matches": [
                {"icon": ":lock:", "rule_id": "prod-needs-security", "message": "prod", "remediation": "ask"},
                {"icon": ":lock:", "rule_id": "x", "message": "m", "remediation": None},
            ],
            "failures": [{"rule_id": "broken", "reason": "no such key 'sizes'"}],
            "version": "abc123",
        }
    },
    "plan": {
        "plan": {
            "summary": "2 to create",
            "highlights": ["1 to replace: `db`"],
            "diff_chunks": ["+ db\n+ role"],
            "as_file": True,
            "diff_lines": 400,
            "short_hash": "abcdef12",
        }
    },
    "approval_request": {
        "request": REQUEST,
        "need": {"group": "security", "count": 2, "members": ""},
        "plan_summary": "2 to create",
        "short_hash": "abcdef12",
        "expires_label": "in 72 hours",
        "button_value": "PB-7|abcdef1234",
    },
    "approval_status": {
        "short_hash": "abcdef12",
        "groups": [{"name": "security", "have": 1, "need": 2, "approvers": "<@U0SEC1>", "missing": 1}],
        "footer": "expires in 3 days",
        "outcome": "",
    },
    "progress": {"icon": ":hourglass:", "title": "Applying", "lines": ["+ db created"], "footer": "3 s"},
    "succeeded": {
        "request": REQUEST,
        "duration": "12 s",
        "apply_duration": "4.2 s",
        "summary": "2 created",
        "outputs": [("database", "billing_prod"), ("host", "127.0.0.1")],
        "secret_keys": ["dsn", "password"],
    },
    "secrets_dm": {
        "request": REQUEST,
        "secrets": [("dsn", "postgresql://u:p@h/db")],
        "recipient": Trusted("<@U0OWNER>"),
    },
    "notice": {"icon": ":x:", "text": Trusted("*PB-7 failed.*"), "context": "ctx"},
    "intent_error": {
        "text": "request postgres-databse name=x",
        "path": None,
        "problems": [
            {
                "key": None,
                "message": "Unknown golden path.",
                "expected": None,
                "suggestions": ["postgres-database"],
            }
        ],
        "form_value": "",
    },
    "help": {"commands": [("help", "this help")], "paths": ["service"]},
    "catalog": {
        "paths": [
            {
                "name": "service",
                "aliases": ["svc"],
                "description": "d",
                "owner": "platform",
                "environments": ["prod"],
                "unavailable": None,
            }
        ]
    },
    "catalog_path": {
        "path": {
            "name": "service",
            "description": "d",
            "owner": "platform",
            "environments": ["prod"],
            "unavailable": "no admin DSN configured",
            "parameters": [
                {
                    "name": "name",
                    "kind": "string",
                    "required": True,
                    "default": None,
                    "help": "h",
                    "constraint": "3-40",
                }
            ],
            "example": "service name=demo",
        }
    },
    "status": {"request": REQUEST},
    "request_list": {"title": "Your requests", "requests": [REQUEST], "more": 0},
    "home": {"approvals": [REQUEST], "mine": []},
    "reject_modal": {"request_id": "PB-7"},
    "approval_closed": {"request": REQUEST, "outcome": Trusted("Rejected by <@U0SEC1>.")},
    "request_modal": {
        "form": {"description": "A PostgreSQL database", "errors": ["name is required"]},
        "fields": [
            {
                "key": "size",
                "label": "Size",
                "required": False,
                "hint": "small, medium or large",
                "element": {"type": "static_select", "action_id": "value", "options": []},
            }
        ],
    },
    "rules": {
        "name": "default",
        "version": "abc",
        "rules": [
            {
                "id": "prod-needs-security",
                "stage": "intent",
                "effect": "require_approval",
                "description": "d",
                "condition": "intent.env == 'prod'",
                "remediation": "r",
            }
        ],
        "detail": True,
        "more": 3,
    },
    # Feedback polls and outcome metrics (bot/feedback, bot/metrics).
    "feedback_poll": {
        "question": Trusted("How did *PB-7* `postgres-database name=billing` go for you?"),
        "buttons": [
            {"action_id": f"feedback_score_{n}", "value": f"3:{n}", "label": str(n)} for n in range(11)
        ],
        "scale_hint": "0 = not at all, 10 = extremely.",
        "fatigue_days": 14,
    },
    "feedback_thanks": {"score": 4, "question": Trusted("How did *PB-7* go for you?"), "poll_id": 3},
    "feedback_modal": {"intro": "Tell us", "ask_score": True, "paths": ["postgres-database", "service"]},
    "feedback_received": {"score": 9},
    "stats": {
        "title": "Platform outcomes, last 30 days",
        "figures": [{"label": "Lead time", "value": "4.0 h median · 24.0 h p90", "detail": "6 requests"}] * 8,
        "paths": [{"label": "service", "value": "3", "detail": "3 succeeded"}],
        "teams": [{"label": "payments", "value": "2.0 h", "detail": ""}],
        "comments": ["Please add <!channel> Redis"],
        "footer": "2026-11-01 – 2026-11-30 UTC",
    },
    # Showback (bot/cost/slack.py).
    "costs": {
        "title": "Monthly cost of live resources",
        "teams": [
            {
                "name": "payments",
                "spend": "EUR 141/month of EUR 500 (EUR 359 left)",
                "detail": "3 live resources, 1 without an estimate (not counted)",
                "top": [{"stack": "service-ledger-prod", "path": "service", "monthly": "EUR 16/month"}] * 3,
            }
        ]
        * 15,
        "footer": "All teams: EUR 161/month.",
    },
    # Drift check-ins (bot/drift).
    "drift": {
        "finding": {
            "id": 4,
            "stack": "postgres-database.billing.prod",
            "summary": "Drift in 1 of 2 resource(s): 1 changed outside platformbot.",
            "diff_chunks": ["~ platformbot:PostgresRole owner (update)\n    ~ connection_limit: 10 => 37"],
            "as_file": True,
            "detected_label": "2026-11-23 09:00 UTC",
        },
        "request": REQUEST,
        "note": "The snooze is over and the drift is still there.",
        "buttons": True,
        "status": Trusted(":zzz: Snoozed by <@U0REQ> until 2026-11-30 09:00 UTC"),
        "where": Trusted("<https://slack.example/archives/C0REQUESTS/p2|in the thread>"),
    },
}

TEMPLATE_NAMES = sorted(p.name.removesuffix(".json.j2") for p in TEMPLATE_DIR.glob("*.json.j2"))


def _mrkdwn_texts(node: Any) -> list[str]:
    if isinstance(node, dict):
        found = [node["text"]] if node.get("type") == "mrkdwn" and isinstance(node.get("text"), str) else []
        return found + [t for value in node.values() for t in _mrkdwn_texts(value)]
    if isinstance(node, list):
        return [t for item in node for t in _mrkdwn_texts(item)]
    return []


def test_every_template_has_a_rendering_sample() -> None:
    assert sorted(SAMPLES) == TEMPLATE_NAMES


@pytest.mark.parametrize("name", TEMPLATE_NAMES)
def test_template_renders_blocks_within_slack_limits(name: str) -> None:
    blocks = render_blocks(name, **SAMPLES[name])
    assert blocks and all(isinstance(block, dict) and "type" in block for block in blocks)
    assert len(blocks) <= 50
    assert len(json.dumps(blocks)) <= 12_000
    for text in _mrkdwn_texts(blocks):
        assert len(text) <= 3000


def test_user_text_cannot_forge_mentions_or_links() -> None:
    hostile = dict(REQUEST, intent_text="service name=<!channel> & <https://evil|click>")
    blocks = render_blocks("request_root", request=hostile)
    text = json.dumps(blocks)
    assert "<!channel>" not in text
    assert "&lt;!channel&gt; &amp; &lt;https://evil|click&gt;" in text


def test_trusted_mentions_are_kept() -> None:
    text = json.dumps(render_blocks("request_root", request=REQUEST))
    assert "<@U0REQ>" in text


def test_quotes_and_newlines_in_user_text_keep_the_json_valid() -> None:
    hostile = dict(REQUEST, intent_text='service description="a \\"b\\"\nc"')
    (block,) = [b for b in render_blocks("request_root", request=hostile) if b["type"] == "section"]
    # Inline code holds one line: the newline shows as a space.
    assert 'description="a \\"b\\" c"' in block["text"]["text"]


@pytest.mark.parametrize("path", sorted((TEMPLATE_DIR / "notices").glob("*.txt.j2")), ids=lambda p: p.name)
def test_every_notice_renders_with_its_context(path: Path) -> None:
    context: dict[str, Any] = {
        "request": REQUEST,
        "error": "the database server refused the connection",
        "actor": Trusted("<@U0SEC1>"),
        "reason": "too big",
        "ttl": "72 hours",
        "old_hash": "aaaa",
        "new_hash": "bbbb",
        "changes": "size small -> large",
        "stack": "postgres-database.billing.prod",
        "holder": "PB-3 (apply by <@U0REQ>)",
        "waiting": "PB-8",
        "group": "security",
        "short_hash": "abcd",
        "needs": "1 from security",
        "expires": "in 2 hours",
        "keys": "dsn, password",
        "user": Trusted("<@U0REQ>"),
        # Drift notices.
        "finding_id": 4,
        "how": "PB-9 made the live state the desired state.",
        "kind": "Reconcile",
        "follow_up_id": "PB-9",
        "reasons": ["The owner role's connection limit was set to 37 by hand."],
        "until": "2026-11-30 09:00 UTC",
        "count": 2,
        "failures": [{"stack": "service.billing.prod", "request_id": "PB-3", "message": "cannot connect"}],
        "since": "2026-11-23 09:00 UTC",
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
        # Superseding.
        "by": Trusted("PB-9 by <@U0DEV2>"),
        "others": "PB-3",
        # Withheld credentials.
        "name": Trusted("`billing`"),
        "owners": Trusted("payments (<@U0OWNER>)"),
        "team": "payments",
        "recipient": Trusted("<@U0OWNER>"),
        "requester": Trusted("<@U0REQ>"),
    }
    text = render_text(f"notices/{path.name.removesuffix('.txt.j2')}", **context)
    assert text and "{{" not in text


def test_escape_mrkdwn_escapes_only_slack_control_characters() -> None:
    assert escape_mrkdwn("a & b < c > d * _ ~") == "a &amp; b &lt; c &gt; d * _ ~"


REPLY_CONTEXT: dict[str, Any] = {
    "kind": "stats",
    "path": "postgres-database",
    "reason": "no PostgreSQL admin DSN is configured",
    "intent_text": "service name=<!here>",
    "channel": Trusted("<#C0REQUESTS>"),
    "request_id": "PB-7",
    "changed": True,
    "rule_id": "nope",
    "ids": ["prod-needs-security-approval", "dev-is-self-service"],
    "ref": "ab12cd34",
    "requester": Trusted("<@U0REQ>"),
    "thread": Trusted("<https://slack.example/archives/C0REQUESTS/p1|thread>"),
    "target_id": "PB-3",
}


@pytest.mark.parametrize("path", sorted((TEMPLATE_DIR / "replies").glob("*.txt.j2")), ids=lambda p: p.name)
def test_every_short_reply_renders_and_escapes_user_text(path: Path) -> None:
    text = render_text(f"replies/{path.name.removesuffix('.txt.j2')}", **REPLY_CONTEXT)

    assert text and "{{" not in text and "<!here>" not in text


def test_the_received_reply_keeps_the_channel_link_and_escapes_the_intent() -> None:
    text = render_text("replies/received", **REPLY_CONTEXT)

    assert "<#C0REQUESTS>" in text and "&lt;!here&gt;" in text


def test_the_home_tabs_example_says_to_pick_yourself_rather_than_type_a_name() -> None:
    text = json.dumps(render_blocks("home", approvals=[], mine=[]))
    assert "owners=@you" not in text
    assert "owners=@` and pick yourself from the list" in text
