"""`/platform ...`: parse (pure, microseconds) before the ack, everything else after it.

Bolt sends the HTTP response as soon as `ack()` is called and keeps running the listener on its
executor, so the ack always comes first and within Slack's 3 seconds; previews and applies go
further, to the workflow's background worker.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from bot.slack import present
from bot.slack.modals import request_modal
from bot.slack.render import render_blocks, render_text
from bot.slack.services import SlackServices, user_errors
from bot.workflow import Request
from intents import (
    CancelCommand,
    CatalogCommand,
    DestroyCommand,
    HelpCommand,
    IntentError,
    ListCommand,
    RequestCommand,
    RulebookCommand,
    StatusCommand,
    build_form,
    parse_command,
)

HELP = [
    ("request <path> [name] key=value …", "ask for a golden path; the bot answers in a thread"),
    ("catalog [path]", "the golden paths and their parameters"),
    ("status <PB-n>", "where a request stands"),
    ("list [mine|pending|all]", "your requests, approvals waiting for you, or everything open"),
    ("cancel <PB-n>", "cancel a request before it is applied"),
    ("destroy <PB-n>", "remove what a request built (same rules and approvals)"),
    ("drift [PB-n]", "check for drift now"),
    ("feedback", "tell the platform team how it is going"),
    ("stats [7d|30d|90d]", "the platform's outcome metrics"),
    ("rulebook [rule-id]", "the rules every request is checked against"),
    ("help", "this message"),
]
MAX_LISTED = 15
RULES_SHOWN = 40


def register(app: App, services: SlackServices) -> None:
    @app.command("/platform")
    def platform(ack: Ack, command: dict[str, Any], respond: Respond, client: WebClient) -> None:
        text = str(command.get("text") or "")
        user = str(command["user_id"])
        try:
            parsed = parse_command(text, services.catalog)
        except IntentError as error:
            _reject_input(ack, client, services, command, text, error)
            return
        handler = _HANDLERS.get(parsed.kind)
        if handler is None:
            extra = services.extra_commands.get(parsed.kind)
            if extra is None:
                ack(response_type="ephemeral", text=render_text("replies/not_enabled", kind=parsed.kind))
                return
            ack()
            with user_errors(lambda message: respond(text=message, response_type="ephemeral")):
                extra(parsed, user, respond, command)
            return
        handler(services, parsed, user, ack, respond, command, client)


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
    if error.path is not None:
        value = json.dumps({"path": error.path, "given": error.given})
        form_value = value if len(value) <= 2000 else json.dumps({"path": error.path, "given": {}})
    problems = [p.model_dump() for p in error.problems]
    blocks = render_blocks(
        "intent_error", text=text[:200], path=error.path, problems=problems, form_value=form_value
    )
    ack(response_type="ephemeral", blocks=blocks, text="That command was not accepted.")


Handler = Callable[[SlackServices, Any, str, Ack, Respond, dict[str, Any], WebClient], None]


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
    ack(response_type="ephemeral", text=received)
    with user_errors(lambda message: respond(text=message, response_type="ephemeral")):
        # Slack re-sends the same trigger_id on a retry: the workflow stores it as a dedupe key.
        services.workflow.submit(
            intent, services.actor(user), channel, dedupe_key=str(command.get("trigger_id") or "") or None
        )


def _help(services: SlackServices, cmd: HelpCommand, user: str, ack: Ack, *_: Any) -> None:
    ack(
        response_type="ephemeral",
        blocks=render_blocks("help", commands=HELP, paths=services.catalog.names),
        text="platformbot help",
    )


def _catalog(services: SlackServices, cmd: CatalogCommand, user: str, ack: Ack, *_: Any) -> None:
    if cmd.path is None:
        paths = [
            {
                "name": p.name,
                "aliases": list(p.aliases),
                "description": p.description,
                "owner": p.owner,
                "environments": list(p.environments),
                "unavailable": services.unavailable.get(p.name),
            }
            for p in services.catalog.paths
        ]
        ack(response_type="ephemeral", blocks=render_blocks("catalog", paths=paths), text="Golden paths")
        return
    golden = services.catalog.resolve(cmd.path)
    form = build_form(services.catalog, golden.name)
    parameters = [
        {
            "name": f.key,
            "kind": f.type.value + (" list" if f.multiple and f.type.value != "list" else ""),
            "required": f.required,
            "default": ",".join(f.default) if isinstance(f.default, tuple) else f.default,
            "help": f.help,
            "constraint": f.expected,
        }
        for f in form.fields
    ]
    example = " ".join([golden.name] + [f"{f.key}=…" for f in form.fields if f.required])
    view = {
        "name": golden.name,
        "description": golden.description,
        "owner": golden.owner,
        "environments": list(golden.environments),
        "unavailable": services.unavailable.get(golden.name),
        "parameters": parameters,
        "example": example,
    }
    ack(response_type="ephemeral", blocks=render_blocks("catalog_path", path=view), text=golden.name)


def _status(services: SlackServices, cmd: StatusCommand, user: str, ack: Ack, *_: Any) -> None:
    with user_errors(lambda message: ack(response_type="ephemeral", text=message)):
        status = services.workflow.status(cmd.request_id)
        ack(
            response_type="ephemeral",
            blocks=render_blocks("status", request=_view(status.request)),
            text=status.request.id,
        )


def _list(services: SlackServices, cmd: ListCommand, user: str, ack: Ack, respond: Respond, *_: Any) -> None:
    # `pending` asks Slack who is in which approver group: ack first, answer through response_url.
    ack()
    with user_errors(lambda message: respond(text=message, response_type="ephemeral")):
        if cmd.scope == "pending":
            requests, title = services.workflow.pending_approvals_for(user), "Waiting for your approval"
        else:
            requests = services.workflow.list_for(user, cmd.scope, limit=MAX_LISTED + 1)
            title = "Your requests" if cmd.scope == "mine" else "All requests"
        shown = [_view(r) for r in requests[:MAX_LISTED]]
        more = max(len(requests) - MAX_LISTED, 0)
        blocks = render_blocks("request_list", title=title, requests=shown, more=more)
        respond(blocks=blocks, text=title, response_type="ephemeral")


def _cancel(
    services: SlackServices, cmd: CancelCommand, user: str, ack: Ack, respond: Respond, *_: Any
) -> None:
    ack()
    with user_errors(lambda message: respond(text=message, response_type="ephemeral")):
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
    *_: Any,
) -> None:
    channel = services.config.channels.requests
    asked = render_text(
        "replies/destroy_asked", request_id=cmd.request_id, channel=present.channel_link(channel)
    )
    ack(response_type="ephemeral", text=asked)
    with user_errors(lambda message: respond(text=message, response_type="ephemeral")):
        services.workflow.request_destroy(
            cmd.request_id,
            services.actor(user),
            channel,
            dedupe_key=str(command.get("trigger_id") or "") or None,
        )


def _rulebook(services: SlackServices, cmd: RulebookCommand, user: str, ack: Ack, *_: Any) -> None:
    book = services.rulebook
    rules = list(book.rules)
    if cmd.rule_id is not None:
        rule = book.rule(cmd.rule_id)
        if rule is None:
            ids = [r.id for r in rules[:RULES_SHOWN]]
            ack(
                response_type="ephemeral",
                text=render_text("replies/no_rule", rule_id=cmd.rule_id[:80], ids=ids),
            )
            return
        rules = [rule]
    shown = [
        {
            "id": r.id,
            "stage": r.stage.value,
            "effect": r.effect.value + (f" {r.approval.count}×{r.approval.group}" if r.approval else ""),
            "description": r.description,
            "condition": r.condition.strip(),
            "remediation": r.remediation,
        }
        for r in rules[:RULES_SHOWN]
    ]
    blocks = render_blocks(
        "rules",
        name=book.name,
        version=book.version[:12],
        rules=shown,
        detail=cmd.rule_id is not None,
        more=max(len(rules) - RULES_SHOWN, 0),
    )
    ack(response_type="ephemeral", blocks=blocks, text="Rulebook")


def _view(request: Request) -> dict[str, Any]:
    return present.request_view(request)


_HANDLERS: dict[str, Handler] = {
    "request": _request,
    "help": _help,
    "catalog": _catalog,
    "status": _status,
    "list": _list,
    "cancel": _cancel,
    "destroy": _destroy,
    "rulebook": _rulebook,
}
