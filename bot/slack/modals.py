"""The request form as a Slack modal, and modal state back into form values.

The neutral form comes from intents.build_form; this module only picks Block Kit elements for
each field and reads the submitted state, so intents stays free of Slack.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from bot.slack.render import render_blocks
from intents import Form, FormField, IntentError, ParamType

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
    if field.error:
        return f"⚠ {field.error}"[:2000]
    return " ".join(part for part in (field.help, field.expected) if part)[:2000]


def _option(value: str) -> dict[str, Any]:
    return {"text": {"type": "plain_text", "text": value[:75]}, "value": value}


def _element(field: FormField) -> dict[str, Any]:
    current = field.current if field.current is not None else field.default
    if field.options:
        values = [o.value for o in field.options]
        if field.multiple:
            element: dict[str, Any] = {
                "type": "multi_static_select",
                "action_id": ELEMENT,
                "options": [_option(v) for v in values],
            }
            chosen = [v for v in (current or ()) if v in values]
            if chosen:
                element["initial_options"] = [_option(v) for v in chosen]
            return element
        element = {"type": "static_select", "action_id": ELEMENT, "options": [_option(v) for v in values]}
        if isinstance(current, str) and current in values:
            element["initial_option"] = _option(current)
        return element
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
        element["placeholder"] = {"type": "plain_text", "text": field.expected[:150]}
    return element


def form_values(state: Mapping[str, Any]) -> dict[str, str | list[str]]:
    """`view.state.values` -> field key -> text (or list for multi-selects); empty inputs left out."""
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
        else:
            text = element.get("value")
            if text not in (None, ""):
                values[key] = str(text)
    return values


def form_errors(error: IntentError, field_keys: Sequence[str]) -> dict[str, str]:
    """Problems as `response_action: errors` (block_id -> message); loose ones go on the first field."""
    errors: dict[str, list[str]] = {}
    first = field_keys[0] if field_keys else "name"
    for problem in error.problems:
        key = problem.key if problem.key is not None and problem.key in field_keys else first
        errors.setdefault(key, []).append(problem.message)
    return {key: " ".join(messages)[:2000] for key, messages in errors.items()}
