"""Expiring environments in Slack: the warning DM with Extend / Keep / Destroy now, the Keep ask in
the request's thread, and the thread's notices (the expiry set, moved, removed; the destroy asked).
Moments are Slack date tokens, so each reader sees their own zone.

The DMs and Keep asks are stored as `ask` refs (keys `expiry-dm:…`, `expiry-keep:…`, naming the
expiry they are about): once that expiry is extended, kept or ends in a destroy, each is updated
to say so, without its buttons, in whichever process saw it happen.

Implements bot.workflow.expiry.ExpiryNotifier and bot.workflow.expiry_actions.ActionNotifier.
A button's value names the stack, the request and the expiry the message was sent about, so a
click is checked against the database as it is now, in whichever process gets it.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

from slack_sdk import WebClient

from bot.slack.present import mention
from bot.slack.render import Trusted, render_blocks
from bot.slack.request_views import moment
from bot.slack.thread_posts import ASK, ThreadPosts
from bot.store.messages import MemoryRefs, MessageRefs
from bot.workflow.expiry import ExpiryNotice, in_words, ttl_of, warnings_ahead
from bot.workflow.expiry_actions import Click
from bot.workflow.model import Request
from bot.workflow.ownership import OWNER_GROUP, TEAM_GROUP
from intents.golden_path import TTL_KEY

ACTIONS = ("expiry_extend", "expiry_keep", "expiry_destroy_now")
APPROVE_KEEP = "expiry_keep_approve"
# Ref keys of the messages an expiry's outcome settles (bot.slack.approval_posts.close_asks skips them).
DM_KEY, KEEP_KEY = "expiry-dm", "expiry-keep"
EXPIRY_KEYS = (DM_KEY + ":", KEEP_KEY + ":")


def ref_key(kind: str, seen: datetime, ts: str) -> str:
    return f"{kind}:{seen.isoformat()}:{ts}"


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
        when_label="in " + in_words(notice.left),
        expires=moment(notice.expires_at),
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


def warnings_line(ttl: timedelta | None, every: timedelta | None) -> str:
    """Which warning DMs the thread promises, given the ttl and how often the expiry job runs."""
    plan = warnings_ahead(ttl, every) if ttl is not None else None
    if plan is None or plan.none:
        return "That is too short for a warning: no DM is promised before it goes."
    parts = [f"a DM within {in_words(every)} (with the time left)"] if plan.at_once and every else []
    if plan.before:
        before = " and ".join(in_words(b) for b in plan.before) + " before"
        parts.append(("then one " if parts else "a DM ") + before)
    return f"Its owners get {', '.join(parts)}, with Extend, Keep and Destroy now."


class SlackExpiryPosts:
    def __init__(self, client: WebClient, refs: MessageRefs | MemoryRefs, *, every: timedelta | None) -> None:
        """`every`: how often the expiry job runs (config `schedules.expiry`; None: switched off)."""
        self._posts = ThreadPosts(client, refs)
        self._every = every

    def warn(self, notice: ExpiryNotice) -> None:
        blocks = warning_blocks(notice)
        text = f"{notice.request.id} expires in {in_words(notice.left)}"
        channel = self._posts.dm_channel(notice.owner)
        posted = self._posts.client.chat_postMessage(channel=channel, blocks=blocks, text=text)
        key = ref_key(DM_KEY, notice.expires_at, str(posted["ts"]))
        self._posts.refs.save(
            notice.request.number, ASK, str(posted.get("channel") or channel), str(posted["ts"]), key
        )

    def expiry_set(self, request: Request, expires_at: datetime) -> None:
        ttl = str(request.intent.params.get(TTL_KEY, ""))
        if self._every is None:
            then = (
                "but the expiry job is switched off (`schedules.expiry`): nothing destroys it until it runs."
            )
        else:
            then = f"the bot opens its destroy within {in_words(self._every)} of that."
        self._posts.notice(
            request,
            "",
            "expiry_set",
            expires=moment(expires_at),
            ttl=ttl,
            then=then,
            warnings=warnings_line(ttl_of(request.intent), self._every),
        )

    def expiry_changed(
        self, request: Request, kind: str, actor: str, expires_at: datetime | None, seen: datetime
    ) -> None:
        expires = moment(expires_at) if expires_at is not None else ""
        self._posts.notice(request, "", "expiry_changed", kind=kind, actor=mention(actor), expires=expires)
        if kind == "extended":
            outcome = f"{mention(actor)} extended it: it now expires {expires}."
        else:
            outcome = f"{mention(actor)} kept it: it no longer expires."
        self.settle(request, seen, outcome)

    def keep_asked(self, request: Request, click: Click, asker: str, groups: tuple[str, ...]) -> None:
        blocks = render_blocks(
            "expiry/keep_ask",
            asker=mention(asker),
            request_id=request.id,
            expires=moment(click.seen),
            groups=Trusted(groups_text(groups)),
            value=button_value(click, asker),
        )
        ts = self._posts.reply(request, blocks, f"Keep {request.id}? One approval needed.")
        self._posts.refs.save(request.number, ASK, request.channel, ts, ref_key(KEEP_KEY, click.seen, ts))

    def destroy_asked(self, request: Request, destroy: Request, cause: str, seen: datetime) -> None:
        self._posts.notice(
            request,
            "",
            "expiry_destroy",
            cause=cause,
            expires=moment(seen),
            destroy_id=destroy.id,
            actor=mention(destroy.requester),
        )
        # The destroy's own thread says why it exists, so its approvers see it was not asked by hand.
        self._posts.notice(destroy, "", "expiry_cause", cause=cause, target=request.id)
        if cause == "expiry":
            outcome = f"It expired at {moment(seen)}: the bot opened *{destroy.id}* to destroy it."
        else:
            outcome = f"{mention(destroy.requester)} chose Destroy now: *{destroy.id}* destroys it."
        self.settle(request, seen, outcome)

    def destroyed(self, target: Request, destroy: Request) -> None:
        """`destroy` removed what `target` built: every warning and Keep ask about it says so."""
        self.settle(target, None, f"Destroyed by *{destroy.id}* at {moment(destroy.finished_at)}.")

    def settle(self, request: Request, seen: datetime | None, outcome: str) -> None:
        """The DMs and Keep asks about the expiry `seen` (None: any) say `outcome`, without buttons."""
        for ref in self._posts.refs.of(request.number, ASK):
            kind, _, rest = ref.key.partition(":")
            if kind not in (DM_KEY, KEEP_KEY) or (
                seen is not None and not rest.startswith(seen.isoformat() + ":")
            ):
                continue
            blocks = render_blocks(
                "expiry/settled",
                icon=Trusted(":hourglass:" if kind == DM_KEY else ":lock:"),
                lead="Expiry warning" if kind == DM_KEY else "Keep ask",
                request_id=request.id,
                what=request.intent_text,
                outcome=Trusted(outcome),
            )
            self._posts.update(ref.channel, ref.ts, blocks, f"{request.id}: {outcome}")
