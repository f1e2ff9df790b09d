"""A request as Slack shows it, from its stored snapshot alone. Pure.

Everything that shows a request (the thread root, approval asks, the approval status, `status`,
the App Home) takes its state, its ownership and its times from here, so each message says what
the database says. Times in channel messages are Slack date tokens, which Slack renders in each
reader's own time zone; answers to one person (ephemeral, App Home) use that person's zone.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta, tzinfo
from typing import Any

from bot.clock import as_utc, format_utc
from bot.cost.present import cost_line
from bot.slack.render import Trusted, as_typed, code, escape_mrkdwn, literal, render_blocks
from bot.workflow import Request, RequestState
from bot.workflow.ownership import OWNER_GROUP, TEAM_GROUP, declared_team
from intents.text import SLACK_MARKUP, unescape_entities
from rulebook import OWNING_TEAM

_ESCAPED_MENTION = re.compile(r"&lt;@([UW][A-Z0-9]{1,20})&gt;")
STATE_LABELS = {
    RequestState.EVALUATED: "planning",
    RequestState.PLANNED: "planned",
    RequestState.AWAITING_APPROVAL: "awaiting approval",
    RequestState.APPROVED: "approved",
    RequestState.APPLYING: "applying",
    RequestState.SUCCEEDED: "succeeded",
    RequestState.FAILED: "failed",
    RequestState.DENIED: "denied",
    RequestState.REJECTED: "rejected",
    RequestState.EXPIRED: "expired",
    RequestState.CANCELLED: "cancelled",
}
# How an approval ask ends, once the request no longer waits for approvals.
ASK_OUTCOMES = {
    RequestState.APPROVED: "Approved.",
    RequestState.APPLYING: "Approved.",
    RequestState.SUCCEEDED: "Approved.",
    RequestState.FAILED: "Approved; the apply failed.",
    RequestState.DENIED: "Denied by the rulebook.",
    RequestState.EXPIRED: "Expired without the approvals it needed.",
    RequestState.CANCELLED: "Cancelled.",
}


def with_mentions(text: str) -> str:
    """An error made literal (see render.literal) in which the workflow's own `<@U…>` mention
    still works: only in its head (`Rejected by <@U…>: `), never in the reason a person typed.
    The reason reads as Slack showed it while typing (`@dana`, `runbook (https://…)`), as text."""
    head, colon, tail = text.partition(": ")
    if not colon or not _ESCAPED_MENTION.search(literal(head)):
        return literal(text)
    return _ESCAPED_MENTION.sub(r"<@\1>", literal(head)) + colon + literal(readable(tail))


def readable(typed: str) -> str:
    """Slack's markup in typed text as words (`<@U…|dana>` is @dana, `<https://x|runbook>` is
    `runbook (https://x)`), so nothing typed shows as raw markup and nothing typed pings anyone."""

    def shown(found: re.Match[str]) -> str:
        target, _, label = found.group()[1:-1].partition("|")
        if target.lower().startswith(("http://", "https://", "mailto:")) and label and label != target:
            return f"{label} ({target})"
        return as_typed(found.group())

    return unescape_entities(SLACK_MARKUP.sub(shown, typed))


def moment(at: datetime | None, tz: tzinfo | None = None) -> str:
    """`at` for a channel (tz None: a Slack date token, UTC as its fallback) or for one reader."""
    if at is None:
        return ""
    if tz is None:
        unix = int(as_utc(at).timestamp())
        return Trusted(f"<!date^{unix}^{{date_short_pretty}} {{time}}|{escape_mrkdwn(format_utc(at))}>")
    local = as_utc(at).astimezone(tz)
    return local.strftime("%Y-%m-%d %H:%M ") + (local.tzname() or "UTC")


def duration(delta: timedelta) -> str:
    """`5.9 s`, `42 s`, `3 min`, `2 h`, `3 days`."""
    seconds = max(delta.total_seconds(), 0.0)
    if seconds < 10:
        return f"{seconds:.1f} s"
    if seconds < 120:
        return f"{int(seconds)} s"
    if seconds < 7200:
        return f"{int(seconds) // 60} min"
    if seconds < 2 * 86400:
        return f"{int(seconds) // 3600} h"
    return f"{int(seconds) // 86400} days"


def lead_time(request: Request) -> timedelta | None:
    """From asking to done: what the requester waited, approvals included."""
    return None if request.finished_at is None else request.finished_at - request.created_at


def apply_time(request: Request) -> timedelta | None:
    if request.finished_at is None or request.apply_started_at is None:
        return None
    return request.finished_at - request.apply_started_at


def is_closed(request: Request) -> bool:
    """Nobody is waited for any more: a final state, or a request that is past its approvals."""
    return request.state.is_final or request.state in (RequestState.APPROVED, RequestState.APPLYING)


def owners_label(request: Request) -> str:
    ref = request.resource
    if ref is None:
        return ""
    owner = f"<@{ref.owner}>" if ref.owner else ""
    if ref.owner_team and owner:
        return f"{escape_mrkdwn(ref.owner_team)} ({owner})"
    return escape_mrkdwn(ref.owner_team or "") or owner or "nobody"


def ownership_line(request: Request, *, always: bool = False) -> Trusted | None:
    """`changes PB-3's `billing`, owned by payments (<@U0REQ>)` for a request on a resource that is
    someone else's, `destroys ...` for a destroy; None for a new resource or one's own (unless
    `always`, as approval asks show it)."""
    ref = request.resource
    name = code(request.intent.name)
    if ref is None:
        if not always:
            return None
        # What is created and for whom: the team it declares (else the requester's) owns it.
        owner_team = declared_team(request.intent) or request.requester_team
        team = f" for {escape_mrkdwn(owner_team)}" if owner_team else ""
        return Trusted(f"creates a new {escape_mrkdwn(request.path)} {name}{team}")
    if not (always or request.action == "destroy" or request.requester != ref.owner):
        return None
    verb = "destroys" if request.action == "destroy" else "changes"
    built = f"{ref.request_id}'s " if ref.request_id else ""
    return Trusted(f"{verb} {built}{name}, owned by {owners_label(request)}")


def group_label(group: str) -> str:
    """An approver group as people read it: `team:payments` is team payments, `owner:U…` the
    resource's owner, a rule's `owning-team` (not resolved yet) the owning team."""
    if group.startswith(TEAM_GROUP):
        return f"team {group.removeprefix(TEAM_GROUP)}"
    if group.startswith(OWNER_GROUP):
        return "its owner"
    return "the owning team" if group == OWNING_TEAM else group


def awaited(request: Request) -> str:
    """Who an awaiting request still waits for: the approvals its round lacks, once the snapshot
    carries them (an approval already given is not asked for again); else what was required."""
    if request.missing_approvals is None:
        return ", ".join(
            f"{n} from {escape_mrkdwn(group_label(g))}" for g, n in sorted(request.required_approvals.items())
        )
    missing = sorted((g, n) for g, n in request.missing_approvals.items() if n > 0)
    if not missing:
        return "all approvals given"
    return "waiting for " + ", ".join(f"{n} from {escape_mrkdwn(group_label(g))}" for g, n in missing)


def state_line(request: Request) -> Trusted:
    """The state as the root shows it: what happened last, and to whom it belongs now."""
    label = f"*{STATE_LABELS[request.state]}*"
    if request.state is RequestState.AWAITING_APPROVAL and request.required_approvals:
        label += f" ({awaited(request)})"
    elif request.state is RequestState.SUCCEEDED:
        lead = lead_time(request)
        if lead is not None:
            label += f" in {duration(lead)}"
            applied = apply_time(request)
            if applied is not None and applied != lead:
                label += f" (apply {duration(applied)})"
    elif request.state in (RequestState.REJECTED, RequestState.FAILED) and request.error:
        # The workflow's error says "Rejected by <@U>: reason"; the label already says rejected.
        first = request.error.splitlines()[0][:300]
        if request.state is RequestState.REJECTED and first.startswith("Rejected by "):
            label += f" {with_mentions(first.removeprefix('Rejected '))}"
        else:
            label += f": {with_mentions(first)}"
    if request.destroyed_by:
        label += f" · *destroyed* by {request.destroyed_by}"
        if request.destroyed_at:
            label += f" on {moment(request.destroyed_at)}"
    elif request.superseded_by:
        label += f" · *superseded* by {request.superseded_by}"
    return Trusted(label)


def ask_outcome(request: Request) -> str:
    """How an approval ask of this request ended, or "" while it still waits for approvals."""
    if request.state is RequestState.REJECTED:
        return with_mentions(request.error or "Rejected.")
    if request.state is RequestState.CANCELLED and request.superseded_by:
        # Ended by a later request on the same resource: say which one to look at instead.
        return f"Superseded by {request.superseded_by}."
    return ASK_OUTCOMES.get(request.state, "")


def request_view(request: Request, permalink: str | None = None, tz: tzinfo | None = None) -> dict[str, Any]:
    """What every template shows of a request. `tz`: the reader's zone (None in channels)."""
    thread = Trusted(f"<{permalink}|thread>") if permalink else Trusted(f"<#{request.channel}>")
    return {
        "id": request.id,
        "action_label": "destroy" if request.action == "destroy" else "create/update",
        "path": request.path,
        "intent_text": request.intent_text,
        "requester_mention": Trusted(f"<@{request.requester}>"),
        "state_label": STATE_LABELS[request.state],
        "state_line": state_line(request),
        "ownership": ownership_line(request),
        "ask_ownership": ownership_line(request, always=True),
        "created_label": moment(request.created_at, tz),
        "thread_link": thread,
        # A superseded request's error repeats what its state line says already.
        "error": Trusted(with_mentions(request.error))
        if request.error and not request.superseded_by
        else None,
        "closed": is_closed(request),
        "cost_line": cost_text(request),
    }


def cost_text(request: Request) -> str:
    """The estimate line of the request's current plan (thread and approval ask), or "" when it
    has none: not planned yet, or a bot without a price book."""
    if request.cost is None:
        return ""
    return cost_line(request.cost.estimate, request.cost.budget)


def root_blocks(request: Request) -> list[dict[str, Any]]:
    """The thread's first message for this snapshot (every state, superseded, destroyed)."""
    return render_blocks("request_root", request=request_view(request))


def root_text(request: Request) -> str:
    return f"{request.id} ({STATE_LABELS[request.state]}): {request.intent_text}"
