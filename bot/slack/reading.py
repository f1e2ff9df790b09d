"""The `/platform` commands that only read: help, catalog, status, list and rulebook. Each is a
`Handler` of the command registry; bot/slack/commands.py registers them with the rest.
"""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, Respond
from slack_sdk import WebClient

from bot.slack import day2
from bot.slack import request_views as views
from bot.slack.render import render_blocks, render_text
from bot.slack.services import SlackServices, acked
from intents import CatalogCommand, HelpCommand, ListCommand, RulebookCommand, StatusCommand, build_form

MAX_LISTED = 15
RULES_SHOWN = 40


def answer_help(services: SlackServices, cmd: HelpCommand, user: str, ack: Ack, *_: Any) -> None:
    ack(
        response_type="ephemeral",
        blocks=render_blocks("help", commands=services.commands.help_rows(), paths=services.catalog.names),
        text="platformbot help",
    )


def answer_catalog(services: SlackServices, cmd: CatalogCommand, user: str, ack: Ack, *_: Any) -> None:
    if cmd.path is None:
        paths = [
            {
                "name": p.name,
                "aliases": list(p.aliases),
                "description": p.description,
                "owner": p.owner,
                **_origin(services, p.name),
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
        **_origin(services, golden.name),
        "environments": list(golden.environments),
        "unavailable": services.unavailable.get(golden.name),
        "parameters": parameters,
        "example": example,
    }
    ack(response_type="ephemeral", blocks=render_blocks("catalog_path", path=view), text=golden.name)


def _origin(services: SlackServices, path: str) -> dict[str, str | None]:
    """The version of the package that ships the path, and which package (or `built in`)."""
    version, source = services.path_origins.get(path, (None, None))
    return {"version": version, "source": source}


def answer_status(
    services: SlackServices,
    cmd: StatusCommand,
    user: str,
    ack: Ack,
    respond: Respond,
    command: Any,
    client: WebClient,
) -> None:
    # users.info (the reader's time zone) is a Web API call: ack first, answer through response_url.
    with acked(ack, respond):
        status = services.workflow.status(cmd.request_id)
        zone = services.time_zones.zone(client, user)
        respond(
            response_type="ephemeral",
            blocks=render_blocks("status", request=views.request_view(status.request, tz=zone)),
            text=status.request.id,
        )


def answer_list(
    services: SlackServices,
    cmd: ListCommand,
    user: str,
    ack: Ack,
    respond: Respond,
    command: Any,
    client: WebClient,
) -> None:
    # `pending` asks Slack who is in which approver group: ack first, answer through response_url.
    with acked(ack, respond):
        if cmd.scope == "pending":
            requests, title = services.workflow.pending_approvals_for(user), "Waiting for your approval"
        else:
            requests = services.workflow.list_for(user, cmd.scope, limit=MAX_LISTED + 1)
            title = "Your requests" if cmd.scope == "mine" else "All requests"
        zone = services.time_zones.zone(client, user)
        shown = [views.request_view(r, tz=zone) for r in requests[:MAX_LISTED]]
        more = max(len(requests) - MAX_LISTED, 0)
        extra: dict[str, Any] = {}
        if cmd.scope == "mine":
            # What the person owns that is live (their teams' too, whoever asked for it), first.
            owned = services.workflow.owned_by(services.actor(user))
            extra["resources"] = day2.resource_views(owned, tz=zone)
        blocks = render_blocks("request_list", title=title, requests=shown, more=more, **extra)
        respond(blocks=blocks, text=title, response_type="ephemeral")


def answer_rulebook(services: SlackServices, cmd: RulebookCommand, user: str, ack: Ack, *_: Any) -> None:
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
