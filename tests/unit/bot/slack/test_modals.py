"""The request form as a Slack modal: which Block Kit element each field becomes, what it starts
with, and reading Slack's view_submission state back into form values."""

from __future__ import annotations

from typing import Any

import pytest
from slack_sdk.models.blocks import Block

from bot.devtools.slack_emulator.view_state import build_state_values
from bot.slack.modals import form_errors, form_values, request_modal
from bot.slack.render import plain_text
from intents import (
    Catalog,
    IntentError,
    build_form,
    intent_from_form,
    load_catalog,
    parse_catalog,
    parse_command,
)


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return load_catalog()


PICKERS = """\
version: 1
patterns:
  platform-name: {regex: "[a-z][a-z0-9-]{2,39}", words: lower-case words}
  slack-user-id: {regex: "[UW][A-Z0-9]{1,20}", words: a Slack user id}
  slack-channel-id: {regex: "[CG][A-Z0-9]{1,20}", words: a Slack channel id}
paths:
  - name: notify
    description: Where alerts go.
    owner: team-test
    program: notify
    environments: [dev]
    default_env: dev
    parameters:
      name: {type: string, required: true, pattern: platform-name}
      lead: {type: string, pattern: slack-user-id}
      room: {type: string, pattern: slack-channel-id}
      rooms: {type: list, pattern: slack-channel-id, max: 2}
      debug: {type: bool, default: false}
      zones: {type: list, allowed: [a, b, c], default: [a, b]}
"""


def _elements(view: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {b["block_id"]: b["element"] for b in view["blocks"] if b["type"] == "input"}


def _validated(view: dict[str, Any]) -> list[dict[str, Any]]:
    """The blocks as slack_sdk's models read them: raises when Block Kit would refuse them."""
    return [block.to_dict() for block in Block.parse_all(view["blocks"])]


def test_owners_is_a_people_picker_preselected_with_the_mentioned_people(catalog: Catalog) -> None:
    with pytest.raises(IntentError) as caught:
        parse_command("request service demo owners=<@U0DEV2|dana d>, U0REQ, @Riley", catalog)
    error = caught.value
    view = request_modal(build_form(catalog, "service", error.given, error.problems))

    owners = _elements(view)["owners"]
    assert owners["type"] == "multi_users_select"
    assert owners["initial_users"] == ["U0DEV2", "U0REQ"]
    assert owners["max_selected_items"] == 10
    assert "placeholder" in owners and "initial_value" not in owners


def test_a_people_picker_without_a_value_starts_empty(catalog: Catalog) -> None:
    owners = _elements(request_modal(build_form(catalog, "service")))["owners"]
    assert owners["type"] == "multi_users_select" and "initial_users" not in owners


def test_a_single_choice_preselects_its_default(catalog: Catalog) -> None:
    elements = _elements(request_modal(build_form(catalog, "postgres-database")))

    assert elements["size"]["type"] == "static_select"
    assert elements["size"]["initial_option"] == {
        "text": {"type": "plain_text", "text": "small"},
        "value": "small",
    }
    assert "initial_option" not in elements["env"]  # required, no default: the person must choose


def test_a_given_value_the_select_cannot_show_falls_back_to_the_default(catalog: Catalog) -> None:
    form = build_form(catalog, "postgres-database", {"size": "huge", "env": "prod"})
    elements = _elements(request_modal(form))
    assert elements["size"]["initial_option"]["value"] == "small"
    assert elements["env"]["initial_option"]["value"] == "prod"


def test_allowed_values_become_a_multi_select_with_defaults_preselected() -> None:
    notify = parse_catalog(PICKERS)
    elements = _elements(request_modal(build_form(notify, "notify")))
    assert elements["zones"]["type"] == "multi_static_select"
    assert [o["value"] for o in elements["zones"]["initial_options"]] == ["a", "b"]
    given = _elements(request_modal(build_form(notify, "notify", {"zones": "c, x"})))
    assert [o["value"] for o in given["zones"]["initial_options"]] == ["c"]


def test_single_people_and_channel_fields_get_single_pickers_and_bools_read_typed_words() -> None:
    notify = parse_catalog(PICKERS)
    form = build_form(
        notify, "notify", {"lead": "<@U1|riley>", "room": "<#C1|ops>", "rooms": "C1,C2,C3", "debug": "yes"}
    )
    elements = _elements(request_modal(form))

    assert (elements["lead"]["type"], elements["lead"]["initial_user"]) == ("users_select", "U1")
    assert (elements["room"]["type"], elements["room"]["initial_channel"]) == ("channels_select", "C1")
    # More than the picker may hold cannot be preselected; the field's error says why.
    assert elements["rooms"]["type"] == "multi_channels_select"
    assert elements["rooms"]["initial_channels"] == ["C1", "C2"]
    assert elements["debug"]["initial_option"]["value"] == "true"


@pytest.mark.parametrize(
    ("path", "given"),
    [
        ("service", {}),
        ("service", {"owners": "<@U0DEV2|dana>,U0REQ", "language": "go", "env": "prod"}),
        ("postgres-database", {}),
        ("postgres-database", {"extensions": "citext,pgcrypto", "size": "large", "name": "Bad Name"}),
    ],
)
def test_every_request_modal_is_block_kit_slack_sdk_accepts_unchanged(
    catalog: Catalog, path: str, given: dict[str, str]
) -> None:
    view = request_modal(build_form(catalog, path, given))
    assert _validated(view) == view["blocks"]


def test_pickers_and_selects_of_the_notify_form_are_valid_block_kit() -> None:
    notify = parse_catalog(PICKERS)
    view = request_modal(build_form(notify, "notify", {"lead": "U1", "rooms": "<#C1|a>", "room": "C2"}))
    assert _validated(view) == view["blocks"]


def test_form_values_read_each_element_in_slacks_submission_shape() -> None:
    state = {
        "owners": {"value": {"type": "multi_users_select", "selected_users": ["U0REQ", "U0DEV2"]}},
        "lead": {"value": {"type": "users_select", "selected_user": "U1"}},
        "room": {"value": {"type": "channels_select", "selected_channel": "C1"}},
        "rooms": {"value": {"type": "multi_channels_select", "selected_channels": ["C1"]}},
        "size": {
            "value": {
                "type": "static_select",
                "selected_option": {
                    "text": {"type": "plain_text", "text": "small", "emoji": True},
                    "value": "small",
                },
            }
        },
        "extensions": {
            "value": {
                "type": "multi_static_select",
                "selected_options": [{"text": {"type": "plain_text", "text": "citext"}, "value": "citext"}],
            }
        },
        "name": {"value": {"type": "plain_text_input", "value": "billing"}},
        "nobody": {"value": {"type": "multi_users_select", "selected_users": []}},
        "no_lead": {"value": {"type": "users_select", "selected_user": None}},
        "no_size": {"value": {"type": "static_select", "selected_option": None}},
    }
    assert form_values(state) == {
        "owners": ["U0REQ", "U0DEV2"],
        "lead": "U1",
        "room": "C1",
        "rooms": ["C1"],
        "size": "small",
        "extensions": ["citext"],
        "name": "billing",
    }


def test_a_form_submitted_untouched_carries_its_preselected_values_into_the_intent(catalog: Catalog) -> None:
    form = build_form(
        catalog, "service", {"name": "demo", "team": "payments", "language": "go", "owners": "<@U0DEV2|dana>"}
    )
    view = request_modal(form)

    state = build_state_values(view["blocks"], {})
    intent = intent_from_form(catalog, "service", form_values(state))

    assert state["owners"]["value"] == {"type": "multi_users_select", "selected_users": ["U0DEV2"]}
    assert state["env"]["value"]["selected_option"]["value"] == "dev"
    assert intent.params["owners"] == ("U0DEV2",) and intent.env == "dev"


def test_people_picked_in_the_form_become_the_owners(catalog: Catalog) -> None:
    view = request_modal(build_form(catalog, "service"))
    picked = {"name": "demo", "team": "payments", "language": "go", "owners": ["U0REQ", "U0DEV2"]}

    state = build_state_values(view["blocks"], picked)
    intent = intent_from_form(catalog, "service", form_values(state))

    assert intent.params["owners"] == ("U0DEV2", "U0REQ")


def test_field_errors_are_plain_text_without_backticks_bold_or_slack_markup(catalog: Catalog) -> None:
    # Slack shows `response_action: errors` as plain text: mrkdwn there is raw characters.
    given = {
        "name": "X*y*",
        "env": "nope",
        "team": "payments",
        "language": "cobol",
        "owners": "<@U0REQ|riley>, x",
    }
    with pytest.raises(IntentError) as caught:
        intent_from_form(catalog, "service", given)
    keys = [f.key for f in build_form(catalog, "service").fields]

    errors = form_errors(caught.value, keys)

    assert {"name", "env", "language"} <= set(errors)
    for message in errors.values():
        assert not any(mark in message for mark in ("`", "<", ">", "&lt;", "&gt;")), message
    assert errors["env"] == "“env” cannot be “nope”: expected one of: dev, staging, prod."
    # A value as typed keeps its own characters inside the quotes.
    assert "“X*y*”" in errors["name"]


def test_plain_text_turns_mrkdwn_into_what_a_reader_should_see() -> None:
    shown = plain_text("*Required*: `size` for <@U0REQ|riley> at <https://x.example|the docs> &amp; more")

    assert shown == "Required: “size” for @riley at the docs & more"


def test_a_fields_hint_and_placeholder_carry_no_mrkdwn(catalog: Catalog) -> None:
    with pytest.raises(IntentError) as caught:
        parse_command("request service name=Bad! env=dev team=payments language=python", catalog)
    form = build_form(catalog, "service", dict(caught.value.given), caught.value.problems)
    blocks = request_modal(form)["blocks"]

    plain = [b["hint"]["text"] for b in blocks if "hint" in b]
    plain += [b["element"]["placeholder"]["text"] for b in blocks if "placeholder" in b.get("element", {})]
    assert any(text.startswith("⚠ ") for text in plain)
    assert not any("`" in text or "*" in text for text in plain)
