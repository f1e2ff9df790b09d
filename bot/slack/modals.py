"""The request form as a Slack modal, and modal state back into form values.

The neutral form comes from intents.build_form; this module only picks Block Kit elements for
each field and reads the submitted state, so intents stays free of Slack.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from bot.slack.render import plain_text, render_blocks
from intents import Form, FormField, IntentError, ParamType
from intents.values import FALSE_WORDS, TRUE_WORDS, Reference

REQUEST_FORM = "request_form"
REJECT_FORM = "reject_modal"
ELEMENT = "value"  # every input's action_id: block_id already names the field


def request_modal(form: Form) -> dict[str, Any]:
    fields = [
        {
            "key": f.key,
            "label": f.label[:2000],
            "required": f.required,
            "hint": _hint(f),
            "element": _element(f),
        }
        for f in form.fields
    ]
    return {
        "type": "modal",
        "callback_id": REQUEST_FORM,
        "private_metadata": json.dumps({"path": form.path}),
        "title": {"type": "plain_text", "text": form.title[:24]},
        "submit": {"type": "plain_text", "text": "Request"},
        "close": {"type": "plain_text", "text": "Cancel"},
        "blocks": render_blocks("request_modal", form=form, fields=fields),
    }


def reject_modal(request_id: str, button_value: str) -> dict[str, Any]:
    return {
        "type": "modal",
        "callback_id": REJECT_FORM,
        "private_metadata": button_value,
        "title": {"type": "plain_text", "text": f"Reject {request_id}"[:24]},
        "submit": {"type": "plain_text", "text": "Reject"},
        "close": {"type": "plain_text", "text": "Back"},
        "blocks": render_blocks("reject_modal", request_id=request_id),
    }


def _hint(field: FormField) -> str:
    # A hint is plain_text: Slack shows mrkdwn there as raw characters.
    if field.error:
        return f"⚠ {plain_text(field.error)}"[:2000]
    return plain_text(" ".join(part for part in (field.help, field.expected) if part))[:2000]


# Slack's pickers for a field that takes people or channels: (element, initial key) for one / several.
_PICKERS = {
    Reference.USER: (("users_select", "initial_user"), ("multi_users_select", "initial_users")),
    Reference.CHANNEL: (
        ("channels_select", "initial_channel"),
        ("multi_channels_select", "initial_channels"),
    ),
}
# What a submitted picker carries, by element type (Slack's view_submission state shapes).
_PICKED_ONE = {"users_select": "selected_user", "channels_select": "selected_channel"}
_PICKED_MANY = {"multi_users_select": "selected_users", "multi_channels_select": "selected_channels"}
PICKER_PLACEHOLDER = {Reference.USER: "Pick people", Reference.CHANNEL: "Pick channels"}


def _option(value: str) -> dict[str, Any]:
    return {"text": {"type": "plain_text", "text": value[:75]}, "value": value}


def _items(value: str | tuple[str, ...] | None) -> tuple[str, ...]:
    if value is None:
        return ()
    return (value,) if isinstance(value, str) else value


def _element(field: FormField) -> dict[str, Any]:
    # What was given when it fits the element, else the catalog default: a select never starts
    # empty when the catalog says what it should be.
    if field.reference is not None:
        return _picker(field, field.reference)
    if field.options:
        values = [o.value for o in field.options]
        if field.multiple:
            element: dict[str, Any] = {
                "type": "multi_static_select",
                "action_id": ELEMENT,
                "options": [_option(v) for v in values],
            }
            chosen = _fitting(field, lambda v: [item for item in _items(v) if item in values])
            if chosen:
                element["initial_options"] = [_option(v) for v in chosen[: field.max]]
            if field.max is not None:
                element["max_selected_items"] = field.max
            return element
        element = {"type": "static_select", "action_id": ELEMENT, "options": [_option(v) for v in values]}
        picked = _fitting(field, lambda v: [o for o in [_option_value(field, v)] if o in values])
        if picked:
            element["initial_option"] = _option(picked[0])
        return element
    current = field.current if field.current is not None else field.default
    if field.type is ParamType.INT and not field.multiple:
        element = {"type": "number_input", "action_id": ELEMENT, "is_decimal_allowed": False}
        if field.min is not None:
            element["min_value"] = str(field.min)
        if field.max is not None:
            element["max_value"] = str(field.max)
    else:
        element = {"type": "plain_text_input", "action_id": ELEMENT}
    text = ",".join(current) if isinstance(current, tuple) else current
    if text and not field.secret:
        element["initial_value"] = text
    if field.expected and element["type"] == "plain_text_input":
        element["placeholder"] = {"type": "plain_text", "text": plain_text(field.expected)[:150]}
    return element


def _fitting(field: FormField, fit: Callable[[str | tuple[str, ...] | None], list[str]]) -> list[str]:
    """The given value's items that the element can show, or else the default's."""
    return fit(field.current) or fit(field.default)


def _option_value(field: FormField, value: str | tuple[str, ...] | None) -> str | None:
    if not isinstance(value, str):
        return None
    if field.type is ParamType.BOOL:
        # `debug=yes` was typed; the select's options are true and false.
        word = value.strip().lower()
        return "true" if word in TRUE_WORDS else "false" if word in FALSE_WORDS else None
    return value


def _picker(field: FormField, reference: Reference) -> dict[str, Any]:
    (one, one_initial), (many, many_initial) = _PICKERS[reference]
    chosen = _fitting(field, lambda v: list(_items(v)))
    element: dict[str, Any] = {
        "type": many if field.multiple else one,
        "action_id": ELEMENT,
        "placeholder": {"type": "plain_text", "text": PICKER_PLACEHOLDER[reference]},
    }
    if field.multiple:
        if chosen:
            element[many_initial] = chosen[: field.max]
        if field.max is not None:
            element["max_selected_items"] = field.max
    elif chosen:
        element[one_initial] = chosen[0]
    return element


def form_values(state: Mapping[str, Any]) -> dict[str, str | list[str]]:
    """`view.state.values` -> field key -> text (or list for multi-selects and pickers); empty
    inputs left out. Reads each element type in the shape Slack's view_submission gives it."""
    values: dict[str, str | list[str]] = {}
    for key, elements in state.items():
        element = elements.get(ELEMENT) or {}
        kind = element.get("type")
        if kind == "multi_static_select":
            chosen = [o["value"] for o in element.get("selected_options") or []]
            if chosen:
                values[key] = chosen
        elif kind == "static_select":
            option = element.get("selected_option")
            if option:
                values[key] = option["value"]
        elif kind in _PICKED_MANY:
            picked = [str(item) for item in element.get(_PICKED_MANY[kind]) or []]
            if picked:
                values[key] = picked
        elif kind in _PICKED_ONE:
            one = element.get(_PICKED_ONE[kind])
            if one:
                values[key] = str(one)
        else:
            text = element.get("value")
            if text not in (None, ""):
                values[key] = str(text)
    return values


def form_errors(error: IntentError, field_keys: Sequence[str]) -> dict[str, str]:
    """Problems as `response_action: errors` (block_id -> message); loose ones go on the first field.

    Slack shows these errors as plain text under the field, so the messages (mrkdwn, for the
    ephemeral answer) lose their backticks, bold and `<...>` markup here."""
    errors: dict[str, list[str]] = {}
    first = field_keys[0] if field_keys else "name"
    for problem in error.problems:
        key = problem.key if problem.key is not None and problem.key in field_keys else first
        errors.setdefault(key, []).append(plain_text(problem.message))
    return {key: " ".join(messages)[:2000] for key, messages in errors.items()}
