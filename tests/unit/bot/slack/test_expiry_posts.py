"""The expiry warning DM and its buttons: valid Block Kit, readable names, why Extend cannot, and
button values that only parse when they are ours."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from slack_sdk.models.blocks import Block

from bot.slack.expiry_posts import button_value, parse_value, warning_blocks
from bot.store.expiry import WARN_DAY, WARN_HOUR
from bot.workflow.expiry import ExpiryNotice
from bot.workflow.expiry_actions import Click
from tests.support.request_snapshots import make_request

EXPIRES = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)


def _notice(**changes: object) -> ExpiryNotice:
    values: dict[str, object] = {
        "request": make_request(),
        "stack_name": "service-dev-demo",
        "owner": "U0REQ",
        "owner_team": "payments",
        "expires_at": EXPIRES,
        "step": WARN_DAY,
        "removes": ("ServiceRepository demo", "CodeOwners demo"),
        "plan_read": True,
        "extend_to": EXPIRES + timedelta(days=1),
        "extend_by": "1d",
        "longest": "3d",
    }
    values.update(changes)
    return ExpiryNotice(**values)  # type: ignore[arg-type]


def _text(blocks: list[dict[str, object]]) -> str:
    return str(blocks)


def test_the_warning_lists_what_the_destroy_removes_and_is_valid_block_kit() -> None:
    blocks = warning_blocks(_notice())
    assert [b.to_dict() for b in Block.parse_all(blocks)] == blocks
    text = _text(blocks)
    assert "ServiceRepository demo" in text and "CodeOwners demo" in text
    assert "in 24 hours" in text and "Tue 24 Nov 09:00 UTC" in text and "Extend by 1d" in text


def test_at_its_maximum_the_extend_button_says_why_not() -> None:
    blocks = warning_blocks(_notice(extend_to=None, step=WARN_HOUR))
    text = _text(blocks)
    assert "Can't extend: 3d max" in text and "in 1 hour" in text


def test_a_destroy_plan_that_could_not_be_read_is_said_so() -> None:
    text = _text(warning_blocks(_notice(removes=(), plan_read=False)))
    assert "could not be read" in text


def test_button_values_round_trip_and_anything_else_is_refused() -> None:
    click = Click("service-dev-demo", "PB-7", EXPIRES)
    assert parse_value(button_value(click)) == (click, None)
    assert parse_value(button_value(click, "U0REQ")) == (click, "U0REQ")
    for tampered in (
        "",
        "7",
        "[]",
        '{"s": "x", "r": "PB-7"}',
        '{"s":"x","r":"PB-7","e":"2026-11-24T09:00"}',
        None,
    ):
        assert parse_value(tampered) is None


def test_typed_text_and_resource_names_cannot_ping_or_break_the_warning() -> None:
    hostile = "<!channel> ```end``` *bold* <https://evil.example|click>"
    notice = _notice(request=make_request(intent_text=hostile), removes=(hostile,))
    blocks = warning_blocks(notice)
    assert [b.to_dict() for b in Block.parse_all(blocks)] == blocks
    text = _text(blocks)
    assert "<!channel>" not in text and "<https://evil.example" not in text and "```" not in text
