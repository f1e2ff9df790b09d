"""Test values -> Slack's `view.state.values` shapes, by element type."""

from __future__ import annotations

from typing import Any

import pytest

from bot.devtools.slack_emulator import DriverError
from bot.devtools.slack_emulator.view_state import build_state_values


def _input(block_id: str, element: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": "input",
        "block_id": block_id,
        "label": {"type": "plain_text", "text": block_id},
        "element": element,
    }


def _option(value: str) -> dict[str, Any]:
    return {"text": {"type": "plain_text", "text": value.title()}, "value": value}


BLOCKS = [
    {"type": "section", "text": {"type": "mrkdwn", "text": "not an input"}},
    _input("name", {"type": "plain_text_input", "action_id": "name_input", "initial_value": "draft"}),
    _input(
        "env", {"type": "static_select", "action_id": "env", "options": [_option("dev"), _option("prod")]}
    ),
    _input(
        "exts",
        {"type": "checkboxes", "action_id": "exts", "options": [_option("citext"), _option("pgcrypto")]},
    ),
    _input("owners", {"type": "multi_users_select", "action_id": "owners"}),
    _input("lead", {"type": "users_select", "action_id": "lead", "initial_user": "U0REQ"}),
    _input("team", {"type": "external_select", "action_id": "team"}),
]


def test_values_take_the_shape_of_their_element() -> None:
    values = build_state_values(
        BLOCKS,
        {
            "name": "billing",
            "env": "prod",
            "exts": ["citext"],
            "owners": ["U0REQ", "U0DEV2"],
            "team": "payments",
        },
    )
    assert values["name"] == {"name_input": {"type": "plain_text_input", "value": "billing"}}
    assert values["env"]["env"]["selected_option"] == _option("prod")
    assert values["exts"]["exts"]["selected_options"] == [_option("citext")]
    assert values["owners"]["owners"]["selected_users"] == ["U0REQ", "U0DEV2"]
    assert values["team"]["team"]["selected_option"]["value"] == "payments"


def test_inputs_left_alone_carry_their_initial_values() -> None:
    values = build_state_values(BLOCKS, {})
    assert values["name"]["name_input"]["value"] == "draft"
    assert values["env"]["env"]["selected_option"] is None
    assert values["exts"]["exts"]["selected_options"] == []
    assert values["lead"]["lead"]["selected_user"] == "U0REQ"


def test_values_may_be_keyed_by_action_id() -> None:
    assert build_state_values(BLOCKS, {"name_input": "x"})["name"]["name_input"]["value"] == "x"


def test_an_empty_text_is_submitted_as_null_like_slack_does() -> None:
    assert build_state_values(BLOCKS, {"name": ""})["name"]["name_input"]["value"] is None


def test_a_value_in_slacks_own_shape_is_passed_through() -> None:
    raw = {"type": "plain_text_input", "value": "as is"}
    assert build_state_values(BLOCKS, {"name": raw})["name"]["name_input"] is raw


def test_an_option_the_select_does_not_offer_is_a_driver_error() -> None:
    with pytest.raises(DriverError, match="no option 'staging'"):
        build_state_values(BLOCKS, {"env": "staging"})


def test_a_key_that_matches_no_input_is_a_driver_error() -> None:
    with pytest.raises(DriverError, match="nmae"):
        build_state_values(BLOCKS, {"nmae": "typo"})


PICKERS = [
    _input("owners", {"type": "multi_users_select", "action_id": "value", "initial_users": ["U0REQ"]}),
    _input(
        "exts",
        {
            "type": "multi_static_select",
            "action_id": "value",
            "options": [_option("citext"), _option("pgcrypto"), _option("hstore")],
            "initial_options": [_option("citext")],
            "max_selected_items": 2,
        },
    ),
    _input(
        "size",
        {
            "type": "static_select",
            "action_id": "value",
            "options": [_option("small"), _option("large")],
            "initial_option": _option("small"),
        },
    ),
    _input("lead", {"type": "users_select", "action_id": "lead"}),
]
PEOPLE = {"U0REQ", "U0DEV2"}


def test_pickers_left_alone_submit_their_initial_values_in_slacks_shapes() -> None:
    values = build_state_values(PICKERS, {}, users=PEOPLE)
    assert values["owners"]["value"] == {"type": "multi_users_select", "selected_users": ["U0REQ"]}
    assert values["exts"]["value"] == {"type": "multi_static_select", "selected_options": [_option("citext")]}
    assert values["size"]["value"] == {"type": "static_select", "selected_option": _option("small")}
    assert values["lead"]["lead"] == {"type": "users_select", "selected_user": None}


def test_picked_people_and_options_are_submitted_in_slacks_shapes() -> None:
    values = build_state_values(
        PICKERS,
        {"owners": "U0REQ, U0DEV2", "exts": ["pgcrypto", "hstore"], "size": "large", "lead": "U0DEV2"},
        users=PEOPLE,
    )
    assert values["owners"]["value"]["selected_users"] == ["U0REQ", "U0DEV2"]
    assert values["exts"]["value"]["selected_options"] == [_option("pgcrypto"), _option("hstore")]
    assert values["size"]["value"]["selected_option"] == _option("large")
    assert values["lead"]["lead"]["selected_user"] == "U0DEV2"
    assert build_state_values(PICKERS, {"owners": [], "lead": ""}, users=PEOPLE)["owners"]["value"] == {
        "type": "multi_users_select",
        "selected_users": [],
    }


def test_a_people_picker_offers_only_members_of_the_workspace() -> None:
    with pytest.raises(DriverError, match="no member"):
        build_state_values(PICKERS, {"owners": ["U0NOBODY"]}, users=PEOPLE)
    with pytest.raises(DriverError, match="no member"):
        build_state_values(PICKERS, {"lead": "@riley"}, users=PEOPLE)


def test_a_multi_select_takes_no_more_than_its_max_selected_items() -> None:
    with pytest.raises(DriverError, match="3 chosen, the element allows 2"):
        build_state_values(PICKERS, {"exts": ["citext", "pgcrypto", "hstore"]})
