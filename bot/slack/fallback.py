"""The Bolt app's one error handler: what Slack hears when no listener takes a request, or when a
listener fails before it acks.

Bolt is built with `raise_error_for_unhandled_request=True`, so a request no listener matches
(a stale button from an older release, a forged action id or callback id) arrives here instead of
Bolt's warning, which logs the whole payload:

    block_actions    200 at once; "that button is not known, nothing changed" to the clicking
                     user, ephemerally through the payload's response_url (off the ack path)
    view_submission  response_action `errors` beside the form's first input, or `update` to a
                     one-line modal when the form has no input to put it beside
    anything else    an empty 200 (an event or a shortcut this bot does not subscribe to)

Any other exception is logged once, at ERROR with its stack trace and a reference, and the user
gets the generic answer with that reference, never `str(exc)`.
"""

from __future__ import annotations

import logging
import uuid
from concurrent.futures import Executor
from typing import Any

from slack_bolt import App, BoltContext, BoltResponse
from slack_bolt.error import BoltUnhandledRequestError

from bot.slack.render import render_text

log = logging.getLogger("bot.slack")

# A modal title is at most 24 characters.
_OUT_OF_DATE_TITLE = "Out of date"


def register_fallback(app: App, executor: Executor) -> None:
    """Installs the handler; `executor` posts the ephemeral answers, so the ack does not wait."""

    @app.error
    def answer(
        error: Exception, body: dict[str, Any], context: BoltContext, response: BoltResponse | None
    ) -> BoltResponse | None:
        kind = _kind(body)
        if isinstance(error, BoltUnhandledRequestError):
            return _unhandled(kind, body, context, executor)
        ref = uuid.uuid4().hex[:8]
        log.error("%s listener failed (ref %s): %s", kind, ref, type(error).__name__, exc_info=error)
        generic = render_text("replies/generic_error", ref=ref)
        if response is None:
            # Already acked: the listener failed after its answer; tell the user where they are.
            _tell(executor, context, generic)
            return None
        if kind == "command":
            return BoltResponse(status=200, body={"response_type": "ephemeral", "text": generic})
        if kind == "view_submission":
            return _view_answer(body, generic)
        _tell(executor, context, generic)
        return BoltResponse(status=200, body="")


def _unhandled(kind: str, body: dict[str, Any], context: BoltContext, executor: Executor) -> BoltResponse:
    level = logging.WARNING if kind in ("block_actions", "view_submission") else logging.INFO
    # The id names what was asked for, cut short: it is the sender's text, not ours.
    log.log(level, "no listener for %s %r; answered that nothing changed", kind, _asked_for(kind, body)[:60])
    if kind == "block_actions":
        _tell(executor, context, render_text("replies/unknown_action"))
    elif kind == "view_submission":
        return _view_answer(body, render_text("replies/unknown_action"))
    return BoltResponse(status=200, body="")


def _kind(body: dict[str, Any]) -> str:
    if "command" in body and "type" not in body:
        return "command"
    return str(body.get("type") or "unknown")


def _asked_for(kind: str, body: dict[str, Any]) -> str:
    if kind == "block_actions":
        actions = body.get("actions")
        first = actions[0] if isinstance(actions, list) and actions and isinstance(actions[0], dict) else {}
        return str(first.get("action_id", ""))
    if kind in ("view_submission", "view_closed"):
        view = body.get("view")
        return str(view.get("callback_id", "")) if isinstance(view, dict) else ""
    if kind == "event_callback":
        event = body.get("event")
        return str(event.get("type", "")) if isinstance(event, dict) else ""
    if kind == "command":
        return str(body.get("command", ""))
    return str(body.get("callback_id", ""))


def _view_answer(body: dict[str, Any], message: str) -> BoltResponse:
    """A submitted modal stays open with `message` beside its first input, or becomes a modal
    saying it; either way Slack shows the user something instead of closing the form silently."""
    view = body.get("view")
    state = view.get("state") if isinstance(view, dict) else None
    values = state.get("values") if isinstance(state, dict) else None
    if isinstance(values, dict) and values:
        first = next(iter(values))
        return BoltResponse(status=200, body={"response_action": "errors", "errors": {first: message}})
    modal = {
        "type": "modal",
        "title": {"type": "plain_text", "text": _OUT_OF_DATE_TITLE},
        "close": {"type": "plain_text", "text": "Close"},
        "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": message}}],
    }
    return BoltResponse(status=200, body={"response_action": "update", "view": modal})


def _tell(executor: Executor, context: BoltContext, message: str) -> None:
    respond = context.respond if context.response_url else None
    if respond is None:
        return

    def post() -> None:
        try:
            sent = respond(text=message, response_type="ephemeral", replace_original=False)
        except Exception as exc:  # a lost notice must not raise into the executor's void
            log.warning("could not answer through the response_url (%s)", type(exc).__name__)
            return
        if sent.status_code != 200:
            log.warning("the response_url refused the answer (status %d)", sent.status_code)

    executor.submit(post)
