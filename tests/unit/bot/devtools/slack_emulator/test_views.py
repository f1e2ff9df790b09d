"""views.open / push / update / publish, with trigger expiry on the emulator's clock."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.clock import ManualClock
from bot.devtools.slack_emulator import SlackEmulator


def _modal(title: str = "Request", **extra: Any) -> dict[str, Any]:
    return {
        "type": "modal",
        "callback_id": "request_form",
        "title": {"type": "plain_text", "text": title},
        "submit": {"type": "plain_text", "text": "Submit"},
        "blocks": [
            {
                "type": "input",
                "block_id": "name",
                "label": {"type": "plain_text", "text": "Name"},
                "element": {"type": "plain_text_input", "action_id": "value"},
            }
        ],
        **extra,
    }


def _error(call: Any, **kwargs: Any) -> str:
    with pytest.raises(SlackApiError) as failure:
        call(**kwargs)
    return str(failure.value.response["error"])


def test_views_open_with_a_fresh_trigger_opens_a_modal(client: WebClient, slack: SlackEmulator) -> None:
    trigger = slack.mint_trigger("U0REQ")
    view = client.views_open(trigger_id=trigger, view=_modal(private_metadata="PB-1"))["view"]
    assert view["id"].startswith("V")
    assert view["hash"]
    assert view["callback_id"] == "request_form"
    opened = slack.views_for("U0REQ")
    assert [v.id for v in opened] == [view["id"]]
    assert opened[0].private_metadata == "PB-1"
    assert slack.views_for("U0DEV2") == []


def test_a_trigger_older_than_three_seconds_is_expired(
    client: WebClient, slack: SlackEmulator, clock: ManualClock
) -> None:
    trigger = slack.mint_trigger("U0REQ")
    clock.advance(timedelta(seconds=3.01))
    assert _error(client.views_open, trigger_id=trigger, view=_modal()) == "expired_trigger_id"


def test_a_trigger_just_under_three_seconds_still_works(
    client: WebClient, slack: SlackEmulator, clock: ManualClock
) -> None:
    trigger = slack.mint_trigger("U0REQ")
    clock.advance(timedelta(seconds=2.9))
    assert client.views_open(trigger_id=trigger, view=_modal())["ok"]


def test_an_unknown_trigger_is_expired(client: WebClient) -> None:
    assert _error(client.views_open, trigger_id="123.456.abc", view=_modal()) == "expired_trigger_id"


def test_a_trigger_works_once(client: WebClient, slack: SlackEmulator) -> None:
    trigger = slack.mint_trigger("U0REQ")
    client.views_open(trigger_id=trigger, view=_modal())
    assert _error(client.views_open, trigger_id=trigger, view=_modal()) == "exchanged_trigger_id"


def test_a_malformed_view_is_invalid_arguments_and_does_not_spend_the_trigger(
    client: WebClient, slack: SlackEmulator
) -> None:
    trigger = slack.mint_trigger("U0REQ")
    assert _error(client.views_open, trigger_id=trigger, view=_modal(title="t" * 25)) == "invalid_arguments"
    assert client.views_open(trigger_id=trigger, view=_modal())["ok"]


def test_push_stacks_views_up_to_three(client: WebClient, slack: SlackEmulator) -> None:
    root = client.views_open(trigger_id=slack.mint_trigger("U0REQ"), view=_modal("Root"))["view"]
    pushed = client.views_push(trigger_id=slack.mint_trigger("U0REQ"), view=_modal("Second"))["view"]
    assert pushed["root_view_id"] == root["id"]
    assert pushed["previous_view_id"] == root["id"]
    client.views_push(trigger_id=slack.mint_trigger("U0REQ"), view=_modal("Third"))
    assert [v.title for v in slack.views_for("U0REQ")] == ["Root", "Second", "Third"]
    trigger = slack.mint_trigger("U0REQ")
    assert _error(client.views_push, trigger_id=trigger, view=_modal("Fourth")) == "push_limit_reached"


def test_update_needs_the_current_hash_when_one_is_given(client: WebClient, slack: SlackEmulator) -> None:
    view = client.views_open(trigger_id=slack.mint_trigger("U0REQ"), view=_modal())["view"]
    updated = client.views_update(view_id=view["id"], hash=view["hash"], view=_modal("Planning"))["view"]
    assert updated["hash"] != view["hash"]
    assert slack.view(view["id"]).title == "Planning"
    stale = _error(client.views_update, view_id=view["id"], hash=view["hash"], view=_modal("Late"))
    assert stale == "hash_conflict"


def test_update_finds_views_by_external_id(client: WebClient, slack: SlackEmulator) -> None:
    client.views_open(trigger_id=slack.mint_trigger("U0REQ"), view=_modal(external_id="req-PB-7"))
    assert (
        client.views_update(external_id="req-PB-7", view=_modal("Found"))["view"]["title"]["text"] == "Found"
    )


def test_updating_an_unknown_view_is_not_found(client: WebClient) -> None:
    assert _error(client.views_update, view_id="V0NOPE", view=_modal()) == "not_found"


def test_publish_sets_each_users_home_tab(client: WebClient, slack: SlackEmulator) -> None:
    home = {
        "type": "home",
        "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "Your requests"}}],
    }
    first = client.views_publish(user_id="U0REQ", view=home)["view"]
    second = client.views_publish(user_id="U0REQ", view=home, hash=first["hash"])["view"]
    assert first["id"] == second["id"]
    published = slack.home("U0REQ")
    assert published is not None and "Your requests" in published.all_text
    assert slack.home("U0DEV2") is None
    assert _error(client.views_publish, user_id="U0REQ", view=home, hash=first["hash"]) == "hash_conflict"


def test_publish_refuses_modals_and_unknown_users(client: WebClient) -> None:
    assert _error(client.views_publish, user_id="U0REQ", view=_modal()) == "invalid_arguments"
    home = {"type": "home", "blocks": []}
    assert _error(client.views_publish, user_id="U0GHOST", view=home) == "user_not_found"


def test_a_modal_takes_up_to_100_blocks(client: WebClient, slack: SlackEmulator) -> None:
    section = {"type": "section", "text": {"type": "mrkdwn", "text": "x"}}
    ok = _modal(blocks=[section] * 100)
    assert client.views_open(trigger_id=slack.mint_trigger("U0REQ"), view=ok)["ok"]
    too_many = _modal(blocks=[section] * 101)
    assert (
        _error(client.views_open, trigger_id=slack.mint_trigger("U0REQ"), view=too_many)
        == "invalid_arguments"
    )


def test_push_without_an_open_modal_is_not_found(client: WebClient, slack: SlackEmulator) -> None:
    assert _error(client.views_push, trigger_id=slack.mint_trigger("U0REQ"), view=_modal()) == "not_found"


def _select_modal(element: dict[str, Any]) -> dict[str, Any]:
    block = {
        "type": "input",
        "block_id": "pick",
        "label": {"type": "plain_text", "text": "Pick"},
        "element": element,
    }
    return _modal(blocks=[block])


def _choice(value: str) -> dict[str, Any]:
    return {"text": {"type": "plain_text", "text": value}, "value": value}


@pytest.mark.parametrize(
    "element",
    [
        {
            "type": "static_select",
            "action_id": "v",
            "options": [_choice("small")],
            "initial_option": _choice("huge"),
        },
        {
            "type": "multi_static_select",
            "action_id": "v",
            "option_groups": [{"label": {"type": "plain_text", "text": "g"}, "options": [_choice("a")]}],
            "initial_options": [_choice("a"), _choice("b")],
        },
        {
            "type": "multi_users_select",
            "action_id": "v",
            "initial_users": ["U0REQ", "U0DEV2"],
            "max_selected_items": 1,
        },
    ],
)
def test_a_view_whose_initial_values_slack_would_refuse_is_refused(
    client: WebClient, slack: SlackEmulator, element: dict[str, Any]
) -> None:
    trigger = slack.mint_trigger("U0REQ")
    with pytest.raises(SlackApiError) as failure:
        client.views_open(trigger_id=trigger, view=_select_modal(element))
    assert failure.value.response["error"] == "invalid_arguments"
    assert "json-pointer:/view/blocks/0/element" in str(failure.value.response["response_metadata"])


def test_preselected_pickers_and_selects_open_and_keep_their_initial_values(
    client: WebClient, slack: SlackEmulator
) -> None:
    element = {
        "type": "static_select",
        "action_id": "v",
        "options": [_choice("small")],
        "initial_option": _choice("small"),
    }
    users = {
        "type": "multi_users_select",
        "action_id": "v",
        "initial_users": ["U0REQ"],
        "max_selected_items": 2,
    }
    blocks = [
        {"type": "input", "block_id": b, "label": {"type": "plain_text", "text": b}, "element": e}
        for b, e in (("size", element), ("owners", users))
    ]
    view = client.views_open(trigger_id=slack.mint_trigger("U0REQ"), view=_modal(blocks=blocks))["view"]
    assert view["blocks"][0]["element"]["initial_option"] == _choice("small")
    assert view["blocks"][1]["element"]["initial_users"] == ["U0REQ"]
