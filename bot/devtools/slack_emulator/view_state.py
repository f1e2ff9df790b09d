"""What a user "typed" into a modal, in the shape Slack puts in `view.state.values`.

Tests say `{"name": "billing", "size": "small"}`; Slack sends
`{"name_block": {"name": {"type": "plain_text_input", "value": "billing"}}, ...}`.
The element type in the view decides the shape, so the same test values work whichever
input element the bot chose. Pickers take what their Slack counterpart lets a person choose:
people pickers only members of the workspace (as a list, or `"U1,U2"`), multi-selects no more
than `max_selected_items`. Inputs left alone submit their initial values, as in Slack.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from bot.devtools.slack_emulator.errors import DriverError

_TEXT_INPUTS = {
    "plain_text_input",
    "email_text_input",
    "url_text_input",
    "number_text_input",
    "rich_text_input",
}
_SINGLE_OPTION = {"static_select", "external_select", "radio_buttons", "overflow"}
_MULTI_OPTION = {"multi_static_select", "multi_external_select", "checkboxes"}
_SINGLE_PICK = {
    "users_select": ("selected_user", "initial_user"),
    "conversations_select": ("selected_conversation", "initial_conversation"),
    "channels_select": ("selected_channel", "initial_channel"),
    "datepicker": ("selected_date", "initial_date"),
    "timepicker": ("selected_time", "initial_time"),
}
_MULTI_PICK = {
    "multi_users_select": ("selected_users", "initial_users"),
    "multi_conversations_select": ("selected_conversations", "initial_conversations"),
    "multi_channels_select": ("selected_channels", "initial_channels"),
}


def _options(element: dict[str, Any]) -> list[dict[str, Any]]:
    options = list(element.get("options") or [])
    for group in element.get("option_groups") or []:
        options += group.get("options") or []
    return [o for o in options if isinstance(o, dict)]


def option_for(element: dict[str, Any], value: Any) -> dict[str, Any]:
    """The element's option with this value (so text comes from the view), or a made-up one for
    external selects, whose options the view does not carry."""
    if isinstance(value, dict):
        return value
    for option in _options(element):
        if option.get("value") == str(value):
            return option
    if element.get("type", "").startswith(("external", "multi_external")):
        return {"text": {"type": "plain_text", "text": str(value)}, "value": str(value)}
    known = ", ".join(str(o.get("value")) for o in _options(element))
    raise DriverError(f"{element.get('action_id')}: no option {value!r} (options: {known})")


def _picked(element: dict[str, Any], value: Any) -> list[Any]:
    if value is None:
        return []
    if isinstance(value, str):
        return [item.strip() for item in value.split(",") if item.strip()]
    return list(value) if isinstance(value, list | tuple) else [value]


def _check_picks(
    element: dict[str, Any], chosen: list[Any], users: Collection[str] | None, *, people: bool
) -> None:
    limit = element.get("max_selected_items")
    if isinstance(limit, int) and len(chosen) > limit:
        raise DriverError(f"{element.get('action_id')}: {len(chosen)} chosen, the element allows {limit}")
    unknown = [user for user in chosen if people and users is not None and user not in users]
    if unknown:
        raise DriverError(f"{element.get('action_id')}: no member {unknown} in the workspace to pick")


def element_state(
    element: dict[str, Any], value: Any, *, given: bool, users: Collection[str] | None = None
) -> dict[str, Any]:
    """One element's entry in `view.state.values`; `users` (when known) are the people a picker offers."""
    kind = str(element.get("type", ""))
    state: dict[str, Any] = {"type": kind}
    if isinstance(value, dict) and "type" in value and given:
        return value
    if kind in _TEXT_INPUTS:
        state["value"] = (
            (None if value in (None, "") else str(value)) if given else element.get("initial_value")
        )
    elif kind in _SINGLE_OPTION:
        if given:
            state["selected_option"] = None if value is None else option_for(element, value)
        else:
            state["selected_option"] = element.get("initial_option")
    elif kind in _MULTI_OPTION:
        values = value if isinstance(value, list | tuple) else [value]
        if given:
            state["selected_options"] = [option_for(element, v) for v in values if v is not None]
            _check_picks(element, state["selected_options"], users, people=False)
        else:
            state["selected_options"] = element.get("initial_options") or []
    elif kind in _SINGLE_PICK:
        key, initial = _SINGLE_PICK[kind]
        state[key] = (value or None) if given else element.get(initial)
        if given and state[key] is not None:
            _check_picks(element, [state[key]], users, people=kind == "users_select")
    elif kind in _MULTI_PICK:
        key, initial = _MULTI_PICK[kind]
        if given:
            state[key] = _picked(element, value)
            _check_picks(element, state[key], users, people=kind == "multi_users_select")
        else:
            state[key] = list(element.get(initial) or [])
    else:
        state["value"] = value if given else None
    return state


def build_state_values(
    blocks: list[dict[str, Any]], values: dict[str, Any], *, users: Collection[str] | None = None
) -> dict[str, Any]:
    """`view.state.values` for a submission: every input block, with `values` (keyed by block_id
    or action_id) filled in and the rest at their initial values; `users` as for element_state."""
    result: dict[str, Any] = {}
    used: set[str] = set()
    for block in blocks:
        element = block.get("element") if isinstance(block, dict) else None
        if block.get("type") != "input" or not isinstance(element, dict):
            continue
        block_id = str(block.get("block_id", ""))
        action_id = str(element.get("action_id", ""))
        key = block_id if block_id in values else action_id if action_id in values else None
        if key is not None:
            used.add(key)
        value = values.get(key) if key is not None else None
        result.setdefault(block_id, {})[action_id] = element_state(
            element, value, given=key is not None, users=users
        )
    unknown = set(values) - used
    if unknown:
        known = ", ".join(sorted(result))
        raise DriverError(f"no input block or action_id {sorted(unknown)} in the view (inputs: {known})")
    return result
