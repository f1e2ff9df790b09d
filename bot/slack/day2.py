"""`/platform update`, `/platform rotate`, and the live resources `/platform list mine` shows.

The handlers only convert: the workflow (bot/workflow/day2.py) opens the request, and the thread
tells the rest as for any request (plan, verdict, approvals, outcome, secrets by DM).
"""

from __future__ import annotations

from datetime import tzinfo
from decimal import Decimal
from typing import Any

from slack_bolt import Ack, Respond

from bot.slack import present
from bot.slack.render import render_blocks, render_text
from bot.slack.request_views import moment
from bot.slack.services import SlackServices, acked
from bot.workflow.day2 import LiveResource
from intents import IntentError, RotateCommand, UpdateCommand
from rulebook import Actor


def answer_update(
    services: SlackServices,
    cmd: UpdateCommand,
    user: str,
    ack: Ack,
    respond: Respond,
    command: dict[str, Any],
    *_: Any,
) -> None:
    channel = services.config.channels.requests
    actor = services.actor(user)
    with acked(ack, respond):
        try:
            request = services.workflow.update(
                cmd.request_id, cmd.changes, actor, channel, dedupe_key=_dedupe(command)
            )
        except IntentError as error:
            # Checked against the live intent: every problem at once, as for a request.
            typed = " ".join(["update", cmd.request_id, *(f"{k}={v}" for k, v in cmd.changes)])
            problems = [p.model_dump() for p in error.problems]
            blocks = render_blocks(
                "intent_error", text=typed, path=error.path, problems=problems, form_value=""
            )
            respond(blocks=blocks, text="That update was not accepted.", response_type="ephemeral")
            return
        respond(
            text=_asked("replies/update_asked", services, request, cmd.request_id, actor),
            response_type="ephemeral",
        )


def answer_rotate(
    services: SlackServices,
    cmd: RotateCommand,
    user: str,
    ack: Ack,
    respond: Respond,
    command: dict[str, Any],
    *_: Any,
) -> None:
    channel = services.config.channels.requests
    actor = services.actor(user)
    with acked(ack, respond):
        request = services.workflow.rotate(cmd.request_id, actor, channel, dedupe_key=_dedupe(command))
        respond(
            text=_asked("replies/rotate_asked", services, request, cmd.request_id, actor),
            response_type="ephemeral",
        )


def _asked(template: str, services: SlackServices, request: Any, named: str, actor: Actor) -> str:
    """The answer names the new request, and whose approval it needs when the resource is not
    the asker's (the ownership rules route it to the owners; the secret goes to them, not here)."""
    ref = request.resource
    owners = ""
    if ref is not None and not _insider(actor, ref.owner_team, ref.owner):
        owners = f"team {ref.owner_team}" if ref.owner_team else "its owner"
    return render_text(
        template,
        request_id=request.id,
        target_id=named,
        intent_text=request.intent_text,
        channel=present.channel_link(services.config.channels.requests),
        owners=owners,
        denied=request.state == "denied",
    )


def _insider(actor: Actor, owner_team: str | None, owner: str | None) -> bool:
    return actor.user_id == owner or (owner_team is not None and owner_team in actor.teams)


def _dedupe(command: dict[str, Any]) -> str | None:
    # Slack re-sends the same trigger_id on a retry: the workflow stores it as a dedupe key.
    return str(command.get("trigger_id") or "") or None


def resource_views(resources: list[LiveResource], tz: tzinfo | None = None) -> list[dict[str, Any]]:
    """`list mine`'s lines: what it is, whose, which request built and last changed it, when it
    expires and what it costs a month (when an estimate is stored)."""
    return [
        {
            "path": r.path,
            "name": r.name,
            "env": r.env,
            "owner": f"team {r.owner_team}" if r.owner_team else present.mention(r.owner or ""),
            "created_by": r.created_by,
            "last_request": r.last_request if r.last_request != r.created_by else "",
            "expires": moment(r.expires_at, tz) if r.expires_at is not None else "",
            "monthly": _money(r.monthly, r.currency),
        }
        for r in resources
    ]


def _money(amount: Decimal | None, currency: str | None) -> str:
    if amount is None:
        return ""
    return f"{amount.quantize(Decimal('0.01'))} {currency or ''}".strip()
