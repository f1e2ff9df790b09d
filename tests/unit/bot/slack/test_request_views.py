"""The thread root and everything else that shows a request follow its stored snapshot alone."""

from __future__ import annotations

import json
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.slack import request_views as views
from bot.slack.render import Trusted, render_blocks, render_text
from bot.workflow import RequestState
from bot.workflow.model import ResourceRef
from tests.support.request_snapshots import AT, make_request

ROOT_STATES = {
    RequestState.EVALUATED: "*planning*",
    RequestState.PLANNED: "*planned*",
    RequestState.AWAITING_APPROVAL: "*awaiting approval* (1 from security)",
    RequestState.APPROVED: "*approved*",
    RequestState.APPLYING: "*applying*",
    RequestState.SUCCEEDED: "*succeeded* in 5.9 s (apply 3.0 s)",
    RequestState.FAILED: "*failed*: the engine said no",
    RequestState.DENIED: "*denied*",
    RequestState.REJECTED: "*rejected* by <@U0SEC1>: too big",
    RequestState.EXPIRED: "*expired*",
    RequestState.CANCELLED: "*cancelled*",
}
ERRORS = {RequestState.FAILED: "the engine said no", RequestState.REJECTED: "Rejected by <@U0SEC1>: too big"}


def _context(blocks: list[dict[str, object]]) -> str:
    (context,) = [b for b in blocks if b["type"] == "context"]
    return json.dumps(context, ensure_ascii=False)


@pytest.mark.parametrize("state", list(RequestState), ids=lambda s: s.value)
def test_the_root_shows_every_state_as_stored(state: RequestState) -> None:
    request = make_request(
        state=state,
        required_approvals={"security": 1},
        created_at=AT,
        apply_started_at=AT + timedelta(seconds=2.9),
        finished_at=AT + timedelta(seconds=5.9),
        error=ERRORS.get(state),
    )

    context = json.loads(_context(views.root_blocks(request)))["elements"][0]["text"]

    assert f"state {ROOT_STATES[state]} · " in context
    assert f"<!date^{int(AT.timestamp())}^" in context  # each reader sees their own time zone


def test_the_root_of_a_closed_request_never_lists_what_it_waited_for() -> None:
    request = make_request(state=RequestState.CANCELLED, required_approvals={"security": 1})

    assert "from security" not in _context(views.root_blocks(request))
    assert views.is_closed(request) and views.ask_outcome(request) == "Cancelled."


def test_a_destroyed_request_says_so_and_by_which_request() -> None:
    request = make_request(
        state=RequestState.SUCCEEDED, destroyed_by="PB-9", destroyed_at=AT + timedelta(hours=1)
    )

    context = _context(views.root_blocks(request))

    assert "*destroyed* by PB-9" in context and "*succeeded*" in context


def test_a_superseded_request_names_the_request_that_changed_it_since() -> None:
    request = make_request(state=RequestState.SUCCEEDED, superseded_by="PB-4")

    assert "*superseded* by PB-4" in _context(views.root_blocks(request))


def test_a_change_to_another_teams_resource_names_it_and_its_owners() -> None:
    ref = ResourceRef(
        stack_name="postgres-database.billing.prod", owner_team="payments", owner="U0REQ", request_id="PB-3"
    )
    intent = make_request().intent.model_copy(update={"name": "billing"})
    request = make_request(requester="U0OTHER", resource=ref, intent=intent)

    (section,) = [b for b in views.root_blocks(request) if b["type"] == "section"]

    assert "changes PB-3's `billing`, owned by payments (<@U0REQ>)" in section["text"]["text"]


def test_a_change_by_the_owner_needs_no_ownership_line_but_a_destroy_always_has_one() -> None:
    ref = ResourceRef(stack_name="s", owner_team="payments", owner="U0REQ", request_id="PB-3")
    mine = make_request(resource=ref)
    destroy = make_request(resource=ref, action="destroy", target_request_id="PB-3")

    assert views.ownership_line(mine) is None
    assert views.ownership_line(destroy) == "destroys PB-3's `demo`, owned by payments (<@U0REQ>)"
    assert views.ownership_line(make_request(), always=True) == "creates a new service `demo` for payments"


def test_a_moment_for_one_reader_is_in_their_time_zone() -> None:
    assert views.moment(AT, ZoneInfo("Europe/Berlin")) == "2026-11-23 10:00 CET"
    assert views.moment(None) == ""


def test_lead_time_counts_from_the_ask_not_from_the_apply() -> None:
    request = make_request(
        created_at=AT, apply_started_at=AT + timedelta(seconds=3), finished_at=AT + timedelta(seconds=5.9)
    )

    assert views.duration(views.lead_time(request) or timedelta()) == "5.9 s"
    assert views.duration(timedelta(minutes=5)) == "5 min"


@pytest.mark.parametrize(
    ("group", "label"),
    [
        ("team:payments", "team payments"),
        ("owner:U0RILEY", "its owner"),
        ("owning-team", "the owning team"),
        ("security", "security"),
    ],
)
def test_approver_groups_are_named_as_people_read_them(group: str, label: str) -> None:
    assert views.group_label(group) == label


def test_the_status_of_a_cancelled_request_mentions_who_cancelled_it_and_keeps_typed_text_literal() -> None:
    cancelled = make_request(
        state=RequestState.CANCELLED, error="Cancelled by <@U0REQ>: nothing was deployed."
    )
    (section,) = [
        b for b in render_blocks("status", request=views.request_view(cancelled)) if b["type"] == "section"
    ][:1]
    assert "Cancelled by <@U0REQ>: nothing was deployed." in section["text"]["text"]
    typed = make_request(state=RequestState.CANCELLED, error="Cancelled by <@U0REQ>: <!here>")
    (section,) = [
        b for b in render_blocks("status", request=views.request_view(typed)) if b["type"] == "section"
    ][:1]
    assert "<!here>" not in section["text"]["text"]


def test_lists_and_app_home_mark_destroys_and_say_what_destroyed_a_resource() -> None:
    built = make_request(
        state=RequestState.SUCCEEDED, destroyed_by="PB-29", destroyed_at=AT + timedelta(days=1)
    )
    destroy = make_request(id="PB-29", number=29, action="destroy", state=RequestState.SUCCEEDED)
    shown = [views.request_view(r) for r in (built, destroy)]
    (listed,) = render_blocks("request_list", title="Your requests", requests=shown, more=0)
    text = listed["text"]["text"]
    first, second = text.split("\n• ")[1:]
    assert "*destroyed* by PB-29" in first and "destroy `" not in first
    assert second.startswith("*PB-29* *succeeded*") and "· destroy `service name=demo" in second
    home = json.dumps(render_blocks("home", approvals=[], mine=shown), ensure_ascii=False)
    assert "*destroyed* by PB-29" in home and "destroy `service name=demo" in home


def test_a_rejected_destroy_says_nothing_was_destroyed_not_to_ask_again() -> None:
    destroy = make_request(action="destroy", state=RequestState.REJECTED)
    text = render_text(
        "notices/rejected", request=views.request_view(destroy), actor=Trusted("<@U0SEC1>"), reason="no"
    )
    assert "Nothing was destroyed" in text and "/platform request" not in text
    built = make_request(state=RequestState.REJECTED)
    text = render_text(
        "notices/rejected", request=views.request_view(built), actor=Trusted("<@U0SEC1>"), reason="no"
    )
    assert "Nothing was deployed. Change the request and ask again with `/platform request …`" in text
