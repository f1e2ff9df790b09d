"""SandboxApi: what one person sees, and actions that reach the bot as Slack would send them."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any, TypeVar

import pytest

from bot.clock import ManualClock
from bot.devtools.sandbox.api import ApiError, SandboxApi
from bot.devtools.sandbox.runtime import Sandbox

T = TypeVar("T")


def _channel(snapshot: dict[str, Any], channel_id: str) -> dict[str, Any]:
    return next(c for c in snapshot["channels"] if c["id"] == channel_id)


def _eventually(api: SandboxApi, read: Callable[[], T | None]) -> T:
    """Bolt acks first and acts after (views.open, views.publish): wait for it to land."""
    return api.slack.wait_for(read, timeout=10)


def _modal(api: SandboxApi, user: str) -> dict[str, Any]:
    return _eventually(api, lambda: api.snapshot(user)["modal"])


def _ephemeral_text(api: SandboxApi, user: str) -> str:
    return "\n".join(e["text"] + str(e["blocks"]) for e in api.snapshot(user)["ephemerals"])


def test_snapshot_shows_public_channels_and_only_your_own_dm(api: SandboxApi) -> None:
    snapshot = api.snapshot("U0REQ")

    ids = [c["id"] for c in snapshot["channels"]]
    assert ids[:3] == ["C0REQUESTS", "C0SECURITY", "C0PLATFORM"]
    assert "D0REQ" in ids and "D0SEC1" not in ids
    assert _channel(snapshot, "D0REQ") | {"messages": [], "threads": {}} == _channel(snapshot, "D0REQ")
    assert snapshot["modal"] is None and snapshot["home"] is None


def test_people_carry_the_roles_the_config_gives_them(api: SandboxApi) -> None:
    people = {p["id"]: p for p in api.snapshot("U0REQ")["people"]}

    assert people["U0REQ"]["roles"] == ["requester"] and people["U0REQ"]["team"] == "payments"
    assert people["U0SEC1"]["roles"] == ["security approver"]
    assert people["U0ONCALL"]["roles"] == ["on-call engineer", "platform admin"]
    assert people["U0DEV2"]["roles"] == ["developer"]
    assert people["U0BOT"]["is_bot"] and people["U0BOT"]["roles"] == []


def test_clock_says_whether_the_rulebook_counts_it_as_business_hours(
    api: SandboxApi, sandbox: Sandbox
) -> None:
    clock = api.snapshot("U0REQ")["clock"]
    assert clock["label"] == "Mon 23 Nov 10:00 Europe/Berlin"
    assert clock["business_hours"] is True and clock["business_hours_label"] == "Mon–Fri 9–18h"

    assert isinstance(api.clock, ManualClock)
    api.clock.set(api.clock.now().replace(hour=19))
    late = api.snapshot("U0REQ")["clock"]
    assert late["business_hours"] is False
    assert late["after_hours_rules"] == [
        "Production changes outside business hours need the on-call engineer to be ready."
    ]


def test_a_slash_commands_answer_shows_as_an_ephemeral_to_whoever_typed_it(api: SandboxApi) -> None:
    api.command("U0REQ", "C0REQUESTS", "/platform help")

    mine = api.snapshot("U0REQ")["ephemerals"]
    assert len(mine) == 1 and mine[0]["channel"] == "C0REQUESTS"
    assert "golden paths, self-service" in str(mine[0]["blocks"])
    assert api.snapshot("U0SEC1")["ephemerals"] == []


def test_the_catalog_says_why_postgres_is_unavailable_in_this_sandbox(api: SandboxApi) -> None:
    api.command("U0REQ", "C0REQUESTS", "/platform catalog")

    assert "the sandbox was started with --no-postgres" in _ephemeral_text(api, "U0REQ")


def test_only_the_installed_slash_command_is_accepted(api: SandboxApi) -> None:
    with pytest.raises(ApiError, match="not a command in this workspace"):
        api.command("U0REQ", "C0REQUESTS", "/deploy everything")


def test_a_request_with_only_the_path_opens_the_form_and_errors_come_back_per_field(api: SandboxApi) -> None:
    api.command("U0REQ", "C0REQUESTS", "/platform request service")
    modal = _modal(api, "U0REQ")
    assert modal["title"]["text"] == "New service"

    answer = api.submit_view("U0REQ", modal["id"], {"name": "Bad Name"})

    assert answer["errors"] is not None and "bad-name" in answer["errors"]["name"]
    assert api.snapshot("U0REQ")["modal"]["errors"] == answer["errors"]
    api.close_view("U0REQ", modal["id"])
    assert api.snapshot("U0REQ")["modal"] is None


def test_a_modal_belongs_to_the_person_it_was_opened_for(api: SandboxApi) -> None:
    api.command("U0REQ", "C0REQUESTS", "/platform request service")
    modal = _modal(api, "U0REQ")

    with pytest.raises(ApiError, match="someone else") as refused:
        api.submit_view("U0SEC1", modal["id"], {})
    assert refused.value.status == 403


def test_a_button_on_an_ephemeral_reaches_the_bot(api: SandboxApi) -> None:
    api.command("U0REQ", "C0REQUESTS", "/platform request service name=Bad_Name")
    refusal = api.snapshot("U0REQ")["ephemerals"][-1]
    target = {"kind": "ephemeral", "channel": refusal["channel"], "ts": refusal["ts"]}

    api.click("U0REQ", target, "open_request_form")

    assert _modal(api, "U0REQ")["callback_id"] == "request_form"


def test_opening_home_makes_the_bot_publish_it(api: SandboxApi) -> None:
    api.open_home("U0SEC1")

    home = _eventually(api, lambda: api.snapshot("U0SEC1")["home"])
    assert "Approvals waiting for you" in str(home["blocks"])


def test_people_can_talk_in_channels_and_threads_but_not_to_the_app(api: SandboxApi) -> None:
    api.post_message("U0REQ", "C0REQUESTS", "anyone around?", None)
    parent = _channel(api.snapshot("U0REQ"), "C0REQUESTS")["messages"][-1]
    api.post_message("U0SEC1", "C0REQUESTS", "yes", parent["ts"])

    channel = _channel(api.snapshot("U0REQ"), "C0REQUESTS")
    assert channel["messages"][-1]["reply_count"] == 1
    assert channel["threads"][parent["ts"]][0]["text"] == "yes"
    with pytest.raises(ApiError, match="turned off"):
        api.post_message("U0REQ", "D0REQ", "hello bot", None)


def test_commands_work_in_your_dm_with_the_app_before_it_has_written_there(api: SandboxApi) -> None:
    api.command("U0REQ", "D0REQ", "/platform help")

    assert api.snapshot("U0REQ")["ephemerals"][0]["channel"] == "D0REQ"
    with pytest.raises(ApiError, match="no channel"):
        api.command("U0REQ", "D0SEC1", "/platform help")


def test_unknown_people_and_targets_are_refused(api: SandboxApi) -> None:
    with pytest.raises(ApiError):
        api.snapshot("U0NOBODY")
    with pytest.raises(ApiError):
        api.snapshot("U0BOT")
    with pytest.raises(ApiError, match="gone"):
        api.click("U0REQ", {"kind": "message", "channel": "C0REQUESTS", "ts": "1.000001"}, "approve")
    with pytest.raises(ApiError, match="unknown target"):
        api.click("U0REQ", {"kind": "reaction"}, "approve")


def test_wait_returns_once_something_visible_changes(api: SandboxApi) -> None:
    seq = api.snapshot("U0REQ")["seq"]
    timer = threading.Timer(0.2, lambda: api.post_message("U0DEV2", "C0REQUESTS", "ping", None))
    timer.start()

    changed, visible = api.wait(seq, timeout=10)

    timer.join()
    assert visible and changed > seq
    assert api.wait(changed, timeout=0.1) == (changed, False)


def test_web_api_calls_alone_do_not_end_the_wait(api: SandboxApi, sandbox: Sandbox) -> None:
    seq = api.snapshot("U0REQ")["seq"]
    assert sandbox.bot is not None
    sandbox.bot.client.auth_test()  # recorded by the emulator, shows nothing to anyone

    moved, visible = api.wait(seq, timeout=0.3)
    assert moved > seq and not visible
    assert api.snapshot("U0REQ")["channels"][0]["messages"] == []
