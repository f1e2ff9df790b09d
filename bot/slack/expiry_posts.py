"""Expiring environments in Slack: the warning DM with Extend / Keep / Destroy now, the Keep ask in
the request's thread, and the thread's notices (the expiry set, moved, removed; the destroy asked).

Implements bot.workflow.expiry.ExpiryNotifier and bot.workflow.expiry_actions.ActionNotifier.
A button's value names the stack, the request and the expiry the message was sent about, so a
click is checked against the database as it is now, in whichever process gets it.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from slack_sdk import WebClient

from bot.slack.present import mention
from bot.slack.render import Trusted, render_blocks
from bot.slack.thread_posts import ThreadPosts
from bot.store.expiry import WARN_DAY
from bot.store.messages import MemoryRefs, MessageRefs
from bot.workflow.expiry import ExpiryNotice
from bot.workflow.expiry_actions import Click, when
from bot.workflow.model import Request
from bot.workflow.ownership import OWNER_GROUP, TEAM_GROUP
from intents.golden_path import TTL_KEY

ACTIONS = ("expiry_extend", "expiry_keep", "expiry_destroy_now")
APPROVE_KEEP = "expiry_keep_approve"


def button_value(click: Click, asker: str | None = None) -> str:
    data = {"s": click.stack_name, "r": click.request_id, "e": click.seen.isoformat()}
    if asker is not None:
        data["a"] = asker
    return json.dumps(data, separators=(",", ":"))


def parse_value(raw: object) -> tuple[Click, str | None] | None:
    """The click a button of ours stands for (and the Keep's asker), or None for anything else."""
    try:
        data = json.loads(raw) if isinstance(raw, str) else None
        if not isinstance(data, dict):
            return None
        stack, request_id, seen = data.get("s"), data.get("r"), data.get("e")
        asker = data.get("a")
        if not (isinstance(stack, str) and isinstance(request_id, str) and isinstance(seen, str)):
            return None
        moment = datetime.fromisoformat(seen)
    except (ValueError, RecursionError):
        return None
    if moment.tzinfo is None:
        return None
    return Click(stack, request_id, moment), asker if isinstance(asker, str) else None


def warning_blocks(notice: ExpiryNotice) -> list[dict[str, Any]]:
    click = Click(notice.stack_name, notice.request.id, notice.expires_at)
    if notice.extend_to is not None:
        extend_label = f"Extend by {notice.extend_by}"
    else:
        # Slack buttons cannot be disabled: the label says why, and a click answers it in full.
        extend_label = f"Can't extend: {notice.longest} max" if notice.longest else "Can't extend"
    policy = (
        f"Extend moves it {notice.extend_by} later, up to {notice.longest} after it was created."
        if notice.extend_by
        else "Its golden path no longer sets how far it may be extended."
    )
    if notice.extend_to is None and notice.longest:
        policy = f"It already expires {notice.longest} after it was created, the most its golden path allows."
    return render_blocks(
        "expiry/warning",
        request_id=notice.request.id,
        what=notice.request.intent_text,
        when_label="in 24 hours" if notice.step == WARN_DAY else "in 1 hour",
        expires=when(notice.expires_at),
        thread_link=Trusted(""),
        removes=list(notice.removes),
        plan_read=notice.plan_read,
        policy_line=policy + " Only its owners can use these buttons.",
        extend_to=notice.extend_to,
        extend_label=extend_label,
        value=button_value(click),
    )


def groups_text(groups: tuple[str, ...]) -> str:
    shown = []
    for group in groups:
        if group.startswith(TEAM_GROUP):
            shown.append("team " + group.removeprefix(TEAM_GROUP))
        elif group.startswith(OWNER_GROUP):
            shown.append(mention(group.removeprefix(OWNER_GROUP)))
        else:
            shown.append(group)
    return " or ".join(shown) or "nobody"


class SlackExpiryPosts:
    def __init__(self, client: WebClient, refs: MessageRefs | MemoryRefs) -> None:
        self._posts = ThreadPosts(client, refs)

    def warn(self, notice: ExpiryNotice) -> None:
        blocks = warning_blocks(notice)
        text = f"{notice.request.id} expires {when(notice.expires_at)}"
        self._posts.client.chat_postMessage(
            channel=self._posts.dm_channel(notice.owner), blocks=blocks, text=text
        )

    def expiry_set(self, request: Request, expires_at: datetime) -> None:
        ttl = str(request.intent.params.get(TTL_KEY, ""))
        self._posts.notice(request, ":hourglass:", "expiry_set", expires=when(expires_at), ttl=ttl)

    def expiry_changed(self, request: Request, kind: str, actor: str, expires_at: datetime | None) -> None:
        expires = when(expires_at) if expires_at is not None else ""
        self._posts.notice(request, "", "expiry_changed", kind=kind, actor=mention(actor), expires=expires)

    def keep_asked(self, request: Request, click: Click, asker: str, groups: tuple[str, ...]) -> None:
        blocks = render_blocks(
            "expiry/keep_ask",
            asker=mention(asker),
            request_id=request.id,
            expires=when(click.seen),
            groups=Trusted(groups_text(groups)),
            value=button_value(click, asker),
        )
        self._posts.reply(request, blocks, f"Keep {request.id}? One approval needed.")

    def destroy_asked(self, request: Request, destroy: Request, cause: str) -> None:
        self._posts.notice(
            request,
            "",
            "expiry_destroy",
            cause=cause,
            expires=when(destroy.created_at),
            destroy_id=destroy.id,
            destroy_state=str(destroy.state).replace("_", " "),
            actor=mention(destroy.requester),
        )
        # The destroy's own thread says why it exists, so its approvers see it was not asked by hand.
        self._posts.notice(destroy, "", "expiry_cause", cause=cause, target=request.id)
