"""`/platform ...`: parse (pure, microseconds) before the ack, everything else after it.

Bolt sends the HTTP response as soon as `ack()` is called and keeps running the listener on its
executor, so the ack always comes first and within Slack's 3 seconds; previews and applies go
further, to the workflow's background worker. The commands that only read (help, catalog, status,
list, rulebook) answer from bot/slack/reading.py; this module dispatches and answers those that
change something.
"""

from __future__ import annotations

import json
from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from bot.slack import day2, present, reading
from bot.slack import request_views as views
from bot.slack.conversations import permalink
from bot.slack.modals import request_modal
from bot.slack.render import render_blocks, render_text
from bot.slack.services import Handler, Section, SlackServices, acked, user_errors
from intents import (
    ApproveCommand,
    CancelCommand,
    DestroyCommand,
    IntentError,
    ProblemCode,
    RejectCommand,
    RequestCommand,
    TransferCommand,
    build_form,
    parse_command,
)
from intents.intent import format_value


def register(app: App, services: SlackServices) -> None:
    for kind, usage, summary, handler, section in _CORE:
        services.commands.add(kind, usage, summary, handler, section=section)

    @app.command("/platform")
    def platform(ack: Ack, command: dict[str, Any], respond: Respond, client: WebClient) -> None:
        text = str(command.get("text") or "")
        user = str(command["user_id"])
        try:
            parsed = parse_command(text, services.catalog)
        except IntentError as error:
            _reject_input(ack, client, services, command, text, error)
            return
        registered = services.commands.get(parsed.kind)
        if registered is None:
            ack(response_type="ephemeral", text=render_text("replies/not_enabled", kind=parsed.kind))
            return
        registered.handler(services, parsed, user, ack, respond, command, client)


def _reject_input(
    ack: Ack,
    client: WebClient,
    services: SlackServices,
    command: dict[str, Any],
    text: str,
    error: IntentError,
) -> None:
    """Nothing is stored. A request with only the path opens the form; other errors offer it."""
    only_path = error.path is not None and not error.given and text.split()[:1] == ["request"]
    if only_path and error.path is not None and error.path not in services.unavailable:
        ack()
        form = build_form(services.catalog, error.path)
        with user_errors(lambda message: None):
            client.views_open(trigger_id=command["trigger_id"], view=request_modal(form))
        return
    form_value = ""
    understood = _understood(text, error, services)
    if understood is not None:
        path, given = understood
        value = json.dumps({"path": path, "given": given})
        form_value = value if len(value) <= 2000 else json.dumps({"path": path, "given": {}})
    problems = [p.model_dump() for p in error.problems]
    blocks = render_blocks(
        "intent_error", text=text[:200], path=error.path, problems=problems, form_value=form_value
    )
    ack(response_type="ephemeral", blocks=blocks, text="That command was not accepted.")


def _understood(text: str, error: IntentError, services: SlackServices) -> tuple[str, dict[str, Any]] | None:
    """The golden path and the parameters a rejected request was understood to mean, for a form.

    A misspelt path or verb (`postgres-databse`, `reqest`) is read once more with its first
    suggestion, so the form still opens on the path meant and keeps what was typed after it.
    """
    if error.path is not None:
        return (error.path, dict(error.given)) if error.path not in services.unavailable else None
    problem = next(
        (p for p in error.problems if p.code in (ProblemCode.UNKNOWN_PATH, ProblemCode.UNKNOWN_COMMAND)), None
    )
    if problem is None or not problem.suggestions or not problem.given:
        return None
    words = text.split()
    at = next((i for i, w in enumerate(words) if w.lower() == problem.given.lower()), None)
    if at is None:
        return None
    retried = " ".join([*words[:at], problem.suggestions[0], *words[at + 1 :]])
    if retried.split()[:1] != ["request"]:
        return None
    try:
        parsed = parse_command(retried, services.catalog)
    except IntentError as again:
        if again.path is None or again.path in services.unavailable:
            return None
        return again.path, dict(again.given)
    if not isinstance(parsed, RequestCommand) or parsed.intent.path in services.unavailable:
        return None
    intent = parsed.intent
    given = {"name": intent.name, "env": intent.env, **{k: format_value(v) for k, v in intent.params.items()}}
    return intent.path, given


def _request(
    services: SlackServices,
    cmd: RequestCommand,
    user: str,
    ack: Ack,
    respond: Respond,
    command: dict[str, Any],
    client: WebClient,
) -> None:
    intent = cmd.intent
    if intent.path in services.unavailable:
        reason = services.unavailable[intent.path]
        ack(
            response_type="ephemeral",
            text=render_text("replies/unavailable", path=intent.path, reason=reason),
        )
        return
    channel = services.config.channels.requests
    golden = services.catalog.find(intent.path)
    shown = intent.describe(redact=golden.secret_keys if golden else ())
    received = render_text("replies/received", intent_text=shown, channel=present.channel_link(channel))
    # One answer: "received" once the request is stored, or why it was not (never both).
    with acked(ack, respond):
        # Slack re-sends the same trigger_id on a retry: the workflow stores it as a dedupe key.
        services.workflow.submit(
            intent, services.actor(user), channel, dedupe_key=str(command.get("trigger_id") or "") or None
        )
        respond(text=received, response_type="ephemeral")


def _cancel(
    services: SlackServices, cmd: CancelCommand, user: str, ack: Ack, respond: Respond, *_: Any
) -> None:
    with acked(ack, respond):
        outcome = services.workflow.cancel(cmd.request_id, user)
        text = outcome.message or render_text(
            "replies/cancel_done", request_id=outcome.request.id, changed=outcome.changed
        )
        respond(text=text, response_type="ephemeral")


def _destroy(
    services: SlackServices,
    cmd: DestroyCommand,
    user: str,
    ack: Ack,
    respond: Respond,
    command: dict[str, Any],
    client: WebClient,
    *_: Any,
) -> None:
    channel = services.config.channels.requests
    # One answer: the destroy is asked for, or the reason it cannot be (never both).
    with acked(ack, respond):
        destroy = services.workflow.request_destroy(
            cmd.request_id,
            services.actor(user),
            channel,
            dedupe_key=str(command.get("trigger_id") or "") or None,
        )
        if destroy.requester != user:
            # Someone else's open destroy was returned: nothing was asked in this person's name.
            link = permalink(client, destroy.channel, destroy.thread_ts) if destroy.thread_ts else None
            view = views.request_view(destroy, link)
            asked = render_text(
                "replies/destroy_already_asked",
                request_id=destroy.id,
                requester=view["requester_mention"],
                thread=view["thread_link"],
                target_id=cmd.request_id,
            )
        else:
            asked = render_text(
                "replies/destroy_asked", request_id=cmd.request_id, channel=present.channel_link(channel)
            )
        respond(text=asked, response_type="ephemeral")


def _approve(
    services: SlackServices, cmd: ApproveCommand, user: str, ack: Ack, respond: Respond, *_: Any
) -> None:
    # Membership may ask Slack (usergroups.users.list): ack first, answer through response_url.
    with acked(ack, respond):
        request = services.workflow.get(cmd.request_id)
        # The plan shown now is the one approved: a later re-plan voids it, as for the button.
        result = services.workflow.approve(request.id, user, request.plan_hash or "")
        respond(
            text=present.decision_reply(result, "replies/approval_recorded", request.id),
            response_type="ephemeral",
        )


def _reject(
    services: SlackServices, cmd: RejectCommand, user: str, ack: Ack, respond: Respond, *_: Any
) -> None:
    with acked(ack, respond):
        result = services.workflow.reject(cmd.request_id, user, cmd.reason)
        text = present.decision_reply(result, "replies/rejection_recorded", cmd.request_id)
        respond(text=text, response_type="ephemeral")


def _transfer(
    services: SlackServices, cmd: TransferCommand, user: str, ack: Ack, respond: Respond, *_: Any
) -> None:
    with acked(ack, respond):
        outcome = services.workflow.transfer(cmd.request_id, cmd.team, user)
        respond(text=outcome.message, response_type="ephemeral")


# What `help` lists for the core commands, with the handler that answers each; the features add
# theirs when they register (bot/drift, bot/feedback, bot/metrics).
_CORE: list[tuple[str, str, str, Handler, Section]] = [
    (
        "request",
        "request <path> [name] key=value …",
        "ask for a golden path; the bot answers in a thread",
        _request,
        Section.REQUESTS,
    ),
    (
        "catalog",
        "catalog [path]",
        "the golden paths and their parameters",
        reading.answer_catalog,
        Section.REQUESTS,
    ),
    ("status", "status <PB-n>", "where a request stands", reading.answer_status, Section.REQUESTS),
    (
        "list",
        "list [mine|pending|all]",
        "what you own that is live and your requests, approvals waiting for you, or everything open",
        reading.answer_list,
        Section.REQUESTS,
    ),
    ("cancel", "cancel <PB-n>", "cancel a request before it is applied", _cancel, Section.REQUESTS),
    (
        "destroy",
        "destroy <PB-n>",
        "remove what a request built (same rules and approvals)",
        _destroy,
        Section.REQUESTS,
    ),
    (
        "approve",
        "approve <PB-n>",
        "approve a request's current plan (as its Approve button does)",
        _approve,
        Section.REQUESTS,
    ),
    (
        "reject",
        "reject <PB-n> <reason>",
        "reject a request; the requester sees the reason",
        _reject,
        Section.REQUESTS,
    ),
    (
        "transfer",
        "transfer <PB-n> team=<team>",
        "hand what a request built to another team (platform admins)",
        _transfer,
        Section.REQUESTS,
    ),
    (
        "update",
        "update <PB-n> key=value …",
        "change parameters of what a request built (same rules and approvals)",
        day2.answer_update,
        Section.REQUESTS,
    ),
    (
        "rotate",
        "rotate <PB-n>",
        "new credentials for what a request built, by DM; the old ones stop working",
        day2.answer_rotate,
        Section.REQUESTS,
    ),
    (
        "rulebook",
        "rulebook [rule-id]",
        "the rules every request is checked against",
        reading.answer_rulebook,
        Section.REFERENCE,
    ),
    ("help", "help", "this message", reading.answer_help, Section.REFERENCE),
]
