"""Buttons, modals and the App Home tab. Each listener acks first, then calls the workflow."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from bot.slack import present
from bot.slack import request_views as views
from bot.slack.conversations import direct_message
from bot.slack.modals import REJECT_FORM, REQUEST_FORM, form_errors, form_values, reject_modal, request_modal
from bot.slack.render import plain_text, render_blocks, render_text
from bot.slack.services import SlackServices, user_errors
from intents import IntentError, build_form, intent_from_form


def register(app: App, services: SlackServices) -> None:
    workflow = services.workflow

    def tell(respond: Respond) -> Callable[[str], None]:
        """An answer only the clicking user sees, where they clicked (through the response_url,
        which works whether or not they are a member of the channel)."""

        def send(message: str) -> None:
            respond(text=message, response_type="ephemeral", replace_original=False)

        return send

    @app.action("approve")
    def approve(ack: Ack, body: dict[str, Any], action: dict[str, Any], respond: Respond) -> None:
        ack()
        request_id, plan_hash = present.parse_button_value(str(action.get("value", "")))
        send = tell(respond)
        with user_errors(send):
            result = workflow.approve(request_id, body["user"]["id"], plan_hash)
            send(present.decision_reply(result, "replies/approval_recorded", request_id))

    @app.action("reject")
    def reject(
        ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient, respond: Respond
    ) -> None:
        ack()
        value = str(action.get("value", ""))
        request_id, _ = present.parse_button_value(value)
        send = tell(respond)
        with user_errors(send):
            # Someone who cannot reject is told now, privately, not after typing a reason.
            refused = workflow.rejection_refused(request_id, body["user"]["id"])
            if refused is not None:
                send(refused.message)
                return
            client.views_open(trigger_id=body["trigger_id"], view=reject_modal(request_id, value))

    @app.view(REJECT_FORM)
    def reject_submitted(ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient) -> None:
        reason_block = _state_values(view).get("reason")
        reason_input = reason_block.get("reason") if isinstance(reason_block, dict) else None
        reason = (
            str((reason_input or {}).get("value") or "").strip() if isinstance(reason_input, dict) else ""
        )
        if not reason:
            ack(response_action="errors", errors={"reason": "Say why, so the requester can fix it."})
            return
        request_id, _ = present.parse_button_value(str(view.get("private_metadata", "")))
        user = body["user"]["id"]
        # A refusal known before the ack (not a member, decided meanwhile) shows in the modal.
        refusals: list[str] = []
        with user_errors(refusals.append):
            refused = workflow.rejection_refused(request_id, user)
            if refused is not None:
                refusals.append(refused.message)
        if refusals:
            ack(response_action="errors", errors={"reason": plain_text(refusals[0])[:2000]})
            return
        ack()
        # The modal has closed and has no response_url: a refusal after this (a race) goes by DM.
        send = direct_message(client, user)
        with user_errors(send):
            result = workflow.reject(request_id, user, reason)
            if not result.accepted:
                send(result.message)

    @app.action("open_request_form")
    def open_form(
        ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient, respond: Respond
    ) -> None:
        ack()
        send = tell(respond)
        seed = _form_seed(action.get("value"))
        if seed is None:
            send(render_text("replies/unknown_action"))
            return
        with user_errors(send):
            try:
                form = build_form(services.catalog, *seed)
            except IntentError:  # a path that is not (or no longer) in the catalog
                send(render_text("replies/unknown_action"))
                return
            client.views_open(trigger_id=body["trigger_id"], view=request_modal(form))

    @app.view(REQUEST_FORM)
    def request_submitted(ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient) -> None:
        state = _state_values(view)
        metadata = _json_object(view.get("private_metadata"))
        if metadata is None or not isinstance(metadata.get("path"), str) or not state:
            # Not what this bot put in the modal: answer beside the first field, change nothing.
            ack(
                response_action="errors",
                errors={next(iter(state), "name"): render_text("replies/unknown_action")},
            )
            return
        path = metadata["path"]
        values = form_values(state)
        try:
            intent = intent_from_form(services.catalog, path, values)
        except IntentError as error:
            ack(response_action="errors", errors=form_errors(error, list(state)))
            return
        if intent.path in services.unavailable:
            first = next(iter(state), "name")
            ack(
                response_action="errors",
                errors={first: f"Unavailable here: {services.unavailable[intent.path]}"},
            )
            return
        ack()
        user = body["user"]["id"]
        # The modal has closed and has no response_url: what goes wrong from here (a person the
        # form names who is no person of the workspace, a store error) goes to the user by DM.
        with user_errors(direct_message(client, user)):
            # A view_submission retry carries the same view id and hash: the dedupe key.
            dedupe = f"view:{view.get('id')}:{view.get('hash')}"
            workflow.submit(
                intent, services.actor(user), services.config.channels.requests, dedupe_key=dedupe
            )

    @app.event("app_home_opened")
    def home(event: dict[str, Any], client: WebClient) -> None:
        user = str(event["user"])
        with user_errors(lambda message: None):
            zone = services.time_zones.zone(client, user)
            approvals = [views.request_view(r, tz=zone) for r in workflow.pending_approvals_for(user)[:15]]
            mine = [views.request_view(r, tz=zone) for r in workflow.list_for(user, "mine", limit=15)]
            blocks = render_blocks("home", approvals=approvals, mine=mine)
            client.views_publish(user_id=user, view={"type": "home", "blocks": blocks})


def _json_object(raw: object) -> dict[str, Any] | None:
    """A JSON object this bot wrote (a button value, a modal's private_metadata), or None for
    anything else: tampered, truncated or from another app."""
    if not isinstance(raw, str):
        return None
    try:
        data = json.loads(raw)
    except (ValueError, RecursionError):
        return None
    return data if isinstance(data, dict) else None


def _form_seed(raw: object) -> tuple[str, dict[str, str | list[str]]] | None:
    """An `open_request_form` button's value: the path and the values given so far."""
    data = _json_object(raw)
    if data is None or not isinstance(data.get("path"), str):
        return None
    given = data.get("given") or {}
    if not isinstance(given, dict):
        return None
    for key, value in given.items():
        if not isinstance(key, str):
            return None
        if not isinstance(value, str) and not (
            isinstance(value, list) and all(isinstance(v, str) for v in value)
        ):
            return None
    return data["path"], given


def _state_values(view: dict[str, Any]) -> dict[str, Any]:
    state = view.get("state")
    values = state.get("values") if isinstance(state, dict) else None
    return values if isinstance(values, dict) else {}
