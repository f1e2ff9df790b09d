"""views.open / push / update / publish: modals (stacked per user) and the App Home tab."""

from __future__ import annotations

from typing import Any

from bot.devtools.slack_emulator.blocks import check_view, with_block_ids
from bot.devtools.slack_emulator.errors import SlackMethodError
from bot.devtools.slack_emulator.methods.params import Handler, Params
from bot.devtools.slack_emulator.state import EmulatorState


def _view(p: Params, expected_type: str) -> dict[str, Any]:
    view = p.structured("view")
    check_view(view, expected_type=expected_type)
    problems = initial_value_problems(view.get("blocks") or [])
    if problems:
        raise SlackMethodError("invalid_arguments", messages=problems)
    return {**view, "blocks": with_block_ids(view.get("blocks") or [])}


def _options(element: dict[str, Any]) -> list[Any]:
    options = list(element.get("options") or [])
    for group in element.get("option_groups") or []:
        options += (group.get("options") or []) if isinstance(group, dict) else []
    return options


def initial_value_problems(blocks: list[Any]) -> list[str]:
    """Slack refuses a select whose initial option is not one of its options (text and value alike),
    and a multi-select or people picker that starts with more than `max_selected_items`."""
    problems: list[str] = []
    for index, block in enumerate(blocks):
        element = block.get("element") if isinstance(block, dict) else None
        if not isinstance(element, dict):
            continue
        pointer = f"/view/blocks/{index}/element"
        options = _options(element)
        initial = element.get("initial_option")
        if initial is not None and options and initial not in options:
            problems.append(f"[ERROR] must match one of the options [json-pointer:{pointer}/initial_option]")
        initials = element.get("initial_options") or []
        if options and any(option not in options for option in initials):
            problems.append(f"[ERROR] must match the options [json-pointer:{pointer}/initial_options]")
        picked = initials or element.get("initial_users") or element.get("initial_channels") or []
        limit = element.get("max_selected_items")
        if isinstance(limit, int) and len(picked) > limit:
            problems.append(f"[ERROR] more initial items than max_selected_items [json-pointer:{pointer}]")
    return problems


def open_view(state: EmulatorState, p: Params) -> dict[str, Any]:
    body = _view(p, "modal")
    # Arguments are checked before the trigger is spent, so a malformed view does not also
    # cost the user their trigger (and the test its second chance).
    trigger = state.use_trigger(p.text("trigger_id"))
    return {"view": state.view_json(state.open_modal(trigger.user, body))}


def push_view(state: EmulatorState, p: Params) -> dict[str, Any]:
    body = _view(p, "modal")
    trigger = state.use_trigger(p.text("trigger_id"))
    return {"view": state.view_json(state.push_modal(trigger.user, body))}


def update_view(state: EmulatorState, p: Params) -> dict[str, Any]:
    view = state.find_view(p.text("view_id"), p.text("external_id"))
    if view.closed:
        raise SlackMethodError("not_found")
    body = _view(p, view.type)
    expected_hash = p.text("hash")
    if expected_hash and expected_hash != view.hash:
        raise SlackMethodError("hash_conflict")
    return {"view": state.view_json(state.replace_view(view, body))}


def publish(state: EmulatorState, p: Params) -> dict[str, Any]:
    user = state.user(p.require("user_id", "invalid_arguments"))
    body = _view(p, "home")
    expected_hash = p.text("hash")
    with state.lock:
        current = state.views.get(state.homes.get(user.id, ""))
        if expected_hash and current is not None and expected_hash != current.hash:
            raise SlackMethodError("hash_conflict")
        return {"view": state.view_json(state.publish_home(user.id, body))}


HANDLERS: dict[str, Handler] = {
    "views.open": open_view,
    "views.push": push_view,
    "views.update": update_view,
    "views.publish": publish,
}
