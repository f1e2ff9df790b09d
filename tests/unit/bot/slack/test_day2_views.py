"""What `list mine` and the update / rotate answers say."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal

from bot.slack.day2 import resource_views
from bot.slack.render import Trusted, render_blocks, render_text
from bot.workflow.day2 import LiveResource

AT = datetime(2026, 12, 4, 9, 30, tzinfo=UTC)


def live(**over: object) -> LiveResource:
    values: dict[str, object] = {
        "stack_name": "postgres-database.billing.staging",
        "path": "postgres-database",
        "name": "billing",
        "env": "staging",
        "created_by": "PB-3",
        "last_request": "PB-3",
        "owner_team": "payments",
        "owner": "U0REQ",
        "expires_at": None,
        "monthly": None,
        "currency": None,
    }
    return LiveResource(**{**values, **over})  # type: ignore[arg-type]


def listed(*resources: LiveResource) -> str:
    blocks = render_blocks(
        "request_list",
        title="Your requests",
        requests=[],
        more=0,
        resources=resource_views(list(resources), UTC),
    )
    return json.dumps(blocks)


def test_a_live_resource_shows_its_team_its_requests_its_expiry_and_its_run_rate() -> None:
    text = listed(live(last_request="PB-9", expires_at=AT, monthly=Decimal("12.5"), currency="EUR"))

    assert "*postgres-database* `billing` in staging" in text
    assert "team payments" in text and "built by PB-3, last changed by PB-9" in text
    assert "expires 2026-12-04 09:30 UTC" in text and "12.50 EUR a month" in text


def test_without_an_estimate_or_expiry_nothing_is_guessed() -> None:
    text = listed(live(owner_team=None))

    assert "<@U0REQ>" in text and "expires" not in text and "a month" not in text
    assert "last changed" not in text


def test_nothing_live_says_so() -> None:
    assert "None: nothing of yours or your teams' is live." in listed()


def test_an_outsiders_rotation_says_who_approves_and_who_gets_the_secret() -> None:
    text = render_text(
        "replies/rotate_asked",
        request_id="PB-8",
        target_id="PB-3",
        channel=Trusted("<#C0REQUESTS>"),
        owners="team payments",
    )

    assert text.startswith("PB-8 asks to rotate the credentials of what PB-3 built")
    assert "It belongs to team payments: one of them must approve" in text
    assert "not to you" in text


def test_an_owners_update_names_the_new_intent_and_no_approvers() -> None:
    text = render_text(
        "replies/update_asked",
        request_id="PB-8",
        target_id="PB-3",
        channel=Trusted("<#C0REQUESTS>"),
        intent_text="postgres-database name=billing env=staging size=medium",
        owners="",
    )

    assert "PB-8 asks to change what PB-3 built to `postgres-database name=billing" in text
    assert "must approve" not in text
