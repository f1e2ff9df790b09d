"""The expiry warning DM and its buttons: valid Block Kit, readable names, why Extend cannot, the
time really left, button values that only parse when they are ours; against the Slack emulator, the
thread notices (Slack date tokens, one icon, which warnings will come) and the DMs and Keep asks
settled, without buttons, once their expiry is extended, kept or destroyed."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from slack_sdk import WebClient
from slack_sdk.models.blocks import Block

from bot.devtools.slack_emulator import Message, SlackEmulator
from bot.slack.expiry_posts import SlackExpiryPosts, button_value, parse_value, warning_blocks, warnings_line
from bot.store.expiry import WARN_DAY, WARN_HOUR
from bot.store.messages import MemoryRefs
from bot.workflow import Request, RequestState
from bot.workflow.expiry import ExpiryNotice, in_words
from bot.workflow.expiry_actions import Click
from intents import Intent
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
        "left": timedelta(hours=24),
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
    assert "in 24 hours" in text and "2026-11-24 09:00 UTC" in text and "Extend by 1d" in text


def test_at_its_maximum_the_extend_button_says_why_not() -> None:
    blocks = warning_blocks(_notice(extend_to=None, step=WARN_HOUR, left=timedelta(hours=1)))
    text = _text(blocks)
    assert "Can't extend: 3d max" in text and "in 1 hour" in text


def test_a_short_ttl_warning_says_the_time_really_left_not_the_step_it_was_sent_for() -> None:
    # ttl=3m: the 1 h step is the one due, with two minutes left.
    text = _text(warning_blocks(_notice(step=WARN_HOUR, left=timedelta(minutes=2, seconds=10))))
    assert "expires in 2 minutes" in text and "1 hour" not in text
    assert "<!date^" in text  # each reader sees the moment in their own zone


@pytest.mark.parametrize(
    ("delta", "said"),
    [
        (timedelta(seconds=20), "less than a minute"),
        (timedelta(minutes=1), "1 minute"),
        (timedelta(minutes=55), "55 minutes"),
        (timedelta(minutes=65), "1 hour 5 minutes"),
        (timedelta(hours=23, minutes=55), "24 hours"),
        (timedelta(days=3), "3 days"),
    ],
)
def test_spans_are_said_as_people_say_them(delta: timedelta, said: str) -> None:
    assert in_words(delta) == said


MINUTE = timedelta(minutes=1)


@pytest.mark.parametrize(
    ("ttl", "every", "promised"),
    [
        (timedelta(days=3), MINUTE, "Its owners get a DM 24 hours and 1 hour before,"),
        (
            timedelta(days=1),
            MINUTE,
            "Its owners get a DM within 1 minute (with the time left), then one 1 hour before,",
        ),
        (timedelta(hours=5), MINUTE, "a DM within 1 minute (with the time left), then one 1 hour before,"),
        (
            timedelta(minutes=3),
            MINUTE,
            "Its owners get a DM within 1 minute (with the time left), with Extend",
        ),
        (timedelta(minutes=1), MINUTE, "too short for a warning: no DM is promised"),
        (timedelta(minutes=3), timedelta(minutes=5), "too short for a warning: no DM is promised"),
        (timedelta(days=3), None, "too short for a warning"),
    ],
)
def test_the_thread_promises_only_the_warnings_that_can_come_given_the_ttl(
    ttl: timedelta, every: timedelta | None, promised: str
) -> None:
    assert promised in warnings_line(ttl, every)


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


# Against the Slack emulator ---------------------------------------------------------------------


def _expiring(ttl: str = "3m") -> Request:
    intent = Intent(path="service", name="demo", env="dev", params={"team": "payments", "ttl": ttl})
    return make_request(intent=intent, state=RequestState.SUCCEEDED)


def _buttons(message: Message) -> list[str]:
    return [
        e
        for e in ("expiry_extend", "expiry_keep", "expiry_destroy_now", "expiry_keep_approve")
        if message.find_element(e)
    ]


def _posts(client: WebClient) -> SlackExpiryPosts:
    return SlackExpiryPosts(client, MemoryRefs(), every=MINUTE)


def test_the_expiry_notice_has_one_hourglass_a_date_token_and_says_when_the_destroy_starts(
    slack: SlackEmulator, client: WebClient
) -> None:
    request = _expiring("3m")
    _posts(client).expiry_set(request, EXPIRES)
    (notice,) = slack.messages("C0REQUESTS")
    shown = notice.blocks[0]["text"]["text"]  # what the thread shows (the fallback text repeats it)
    assert shown.count(":hourglass:") == 1
    assert f"<!date^{int(EXPIRES.timestamp())}^" in notice.all_text
    assert "within 1 minute of that" in notice.all_text
    assert "24 hours" not in notice.all_text  # ttl=3m: no day warning is promised


def test_the_destroy_notice_reads_as_people_write_it(slack: SlackEmulator, client: WebClient) -> None:
    request = _expiring()
    destroy = make_request(id="PB-2", number=2, action="destroy", state=RequestState.EVALUATED)
    _posts(client).destroy_asked(request, destroy, "expiry", EXPIRES)
    text = "\n".join(m.all_text for m in slack.messages("C0REQUESTS"))
    assert "the bot opened *PB-2* to destroy it" in text
    assert "(evaluated)" not in text and "asked to destroy it as" not in text


def test_an_extend_settles_the_warning_dms_of_that_expiry_without_buttons_and_leaves_a_newer_one(
    slack: SlackEmulator, client: WebClient
) -> None:
    posts = _posts(client)
    request = _expiring("1d")
    posts.warn(_notice(request=request))
    later = EXPIRES + timedelta(days=1)
    posts.warn(_notice(request=request, expires_at=later))
    first, newer = slack.dms("U0REQ")
    assert _buttons(first) and _buttons(newer)

    posts.expiry_changed(request, "extended", "U0DEV2", later, EXPIRES)

    first, newer = slack.dms("U0REQ")
    assert _buttons(first) == [] and "<@U0DEV2> extended it: it now expires" in first.all_text
    assert _buttons(newer)  # about the new expiry: still live


def test_a_keep_ask_and_the_dm_say_how_it_ended_once_the_expiry_opens_the_destroy(
    slack: SlackEmulator, client: WebClient
) -> None:
    posts = _posts(client)
    request = _expiring("1d")
    posts.warn(_notice(request=request))
    posts.keep_asked(request, Click(request.stack_name, request.id, EXPIRES), "U0REQ", ("security",))
    (ask,) = [m for m in slack.messages("C0REQUESTS") if m.find_element("expiry_keep_approve")]
    destroy = make_request(id="PB-2", number=2, action="destroy", state=RequestState.EVALUATED)

    posts.destroy_asked(request, destroy, "expiry", EXPIRES)

    settled = next(m for m in slack.messages("C0REQUESTS") if m.ts == ask.ts)
    (dm,) = slack.dms("U0REQ")
    for message in (settled, dm):
        assert _buttons(message) == []
        assert "the bot opened *PB-2* to destroy it" in message.all_text

    done = replace(destroy, state=RequestState.SUCCEEDED)
    posts.destroyed(request, done)
    (dm,) = slack.dms("U0REQ")
    assert "Destroyed by *PB-2*" in dm.all_text


def test_a_settled_warning_is_valid_block_kit_and_typed_text_cannot_ping_from_it(
    slack: SlackEmulator, client: WebClient
) -> None:
    posts = _posts(client)
    hostile = "<!channel> ```end``` *bold*"
    request = replace(_expiring("1d"), intent_text=hostile)
    posts.warn(_notice(request=request))

    posts.expiry_changed(request, "kept", "U0DEV2", None, EXPIRES)

    (dm,) = slack.dms("U0REQ")
    assert [b.to_dict() for b in Block.parse_all(dm.blocks)] == dm.blocks
    assert "<!channel>" not in str(dm.blocks) and "```" not in str(dm.blocks)
    assert "<@U0DEV2> kept it: it no longer expires." in dm.all_text
