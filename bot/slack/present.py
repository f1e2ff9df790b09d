"""Turns workflow snapshots into the plain values the templates show.

Kept apart from the notifier so the shaping (labels, diff chunking, button values) is pure and
tested without Slack.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from bot.approvals import ApprovalResult, RejectionResult
from bot.slack.render import Trusted, code, code_block, escape_mrkdwn, render_text
from bot.slack.request_views import group_label, moment
from bot.workflow import Request
from provisioners.plan import Plan
from rulebook import Decision, Effect, Verdict

# State labels live once, in request_views (STATE_LABELS), which the status and list views read too.
VERDICT_LABELS = {
    Verdict.ALLOW: (":large_green_circle:", "allowed"),
    Verdict.WARN: (":large_yellow_circle:", "allowed, with warnings"),
    Verdict.REQUIRE_APPROVAL: (":large_orange_circle:", "needs approval"),
    Verdict.DENY: (":red_circle:", "denied"),
}
EFFECT_ICONS = {
    Effect.ALLOW: ":white_check_mark:",
    Effect.WARN: ":warning:",
    Effect.REQUIRE_APPROVAL: ":lock:",
    Effect.DENY: ":no_entry:",
}
# What one diff chunk may take on the wire: its whole code block (fences, mrkdwn escapes, broken
# fences) as slack_sdk's JSON encodes it. A section holds 3,000 characters and a message about
# 12,000 characters of block JSON, so two chunks fit beside the rest however the diff is written.
DIFF_CHUNK_CHARS = 2_800
# Inline at most this many chunks; a longer diff is summarised and attached as a file.
MAX_INLINE_CHUNKS = 2


def mention(user_id: str) -> Trusted:
    return Trusted(f"<@{user_id}>")


def channel_link(channel: str) -> Trusted:
    return Trusted(f"<#{channel}>")


def link(url: str, label: str) -> Trusted:
    return Trusted(f"<{url}|{escape_mrkdwn(label)}>")


# One time format in channel messages: a Slack date token (each reader sees their own zone) with
# the UTC time as its fallback, the same as the thread root and the approval asks.
when = moment


def approvals_label(decision: Decision) -> str:
    return ", ".join(f"{need.count} from {group_label(need.group)}" for need in decision.approvals)


def verdict_view(decision: Decision) -> dict[str, Any]:
    icon, label = VERDICT_LABELS[decision.verdict]
    if decision.failures:
        label = "denied: a rule could not be evaluated"
    denied = decision.verdict is Verdict.DENY
    # A denied request needs nobody and is not self-service: only what refused or warns is shown.
    shown = [m for m in decision.matches if not denied or m.effect in (Effect.DENY, Effect.WARN)]
    return {
        "icon": Trusted(icon),
        "stage": decision.stage.value,
        "label": label,
        "approvals": "" if denied else approvals_label(decision),
        "matches": [
            {
                "icon": Trusted(EFFECT_ICONS[match.effect]),
                "rule_id": match.rule_id,
                "message": match.message,
                "remediation": match.remediation or None,
            }
            for match in shown
        ],
        "failures": [{"rule_id": f.rule_id, "reason": f.reason} for f in decision.failures],
        "version": decision.rulebook_version[:12],
    }


@dataclass(frozen=True)
class PlanPresentation:
    context: dict[str, Any]
    # The whole diff, for upload as a file, when the inline part does not show all of it.
    attachment: str | None


def split_diff(diff: str) -> tuple[list[str], str | None]:
    """The chunks to show inline and, when they cannot show all of it, the whole diff to attach
    as a file: nothing is cut silently."""
    chunks = _chunks(diff, DIFF_CHUNK_CHARS, stop_after=MAX_INLINE_CHUNKS + 1)
    if len(chunks) > MAX_INLINE_CHUNKS:
        return chunks[:1], diff
    return chunks, None


def plan_view(plan: Plan) -> PlanPresentation:
    diff = plan.render_text()
    shown, attachment = split_diff(diff)
    highlights = [
        Trusted(f"{change.op} {code(change.readable_address)}{' (stateful)' if change.stateful else ''}")
        for change in plan.changes
        if change.op in ("delete", "replace")
    ]
    context = {
        "summary": plan.summary_line(),
        "highlights": highlights,
        "diff_chunks": shown if plan.has_changes else [],
        "as_file": attachment is not None,
        "diff_lines": diff.count("\n") + 1,
        "short_hash": plan.short_hash,
    }
    return PlanPresentation(context, attachment)


def _sent_size(chunk: str) -> int:
    """Characters the chunk's code block takes in the message slack_sdk sends (JSON, ASCII-escaped)."""
    return len(json.dumps(code_block(chunk.rstrip("\n")))) - 2


def _chunks(text: str, size: int, *, stop_after: int) -> list[str]:
    """Split on line boundaries so each chunk renders as a whole code block of at most `size`
    characters as sent; a single long line is split hard rather than dropped. Stops once
    `stop_after` chunks are made: more than that are not shown inline anyway."""
    chunks: list[str] = []
    current = ""
    for line in text.splitlines(keepends=True):
        for piece in _pieces(line, size):
            if current and _sent_size(current + piece) > size:
                chunks.append(current)
                current = ""
                if len(chunks) >= stop_after:
                    return [chunk.rstrip("\n") for chunk in chunks]
            current += piece
    if current:
        chunks.append(current)
    return [chunk.rstrip("\n") for chunk in chunks]


def _pieces(line: str, size: int) -> Iterator[str]:
    """The line cut into the longest prefixes whose code blocks fit in `size` (usually just the line)."""
    # Every character takes at least one character as sent, so no prefix longer than `size` fits.
    while len(line) > size or _sent_size(line) > size:
        low, high = 1, min(len(line), size)  # one character always fits
        while low < high:
            middle = (low + high + 1) // 2
            if _sent_size(line[:middle]) <= size:
                low = middle
            else:
                high = middle - 1
        yield line[:low]
        line = line[low:]
    if line:
        yield line


def approval_button_value(request: Request) -> str:
    return f"{request.id}|{request.plan_hash or ''}"


def parse_button_value(value: str) -> tuple[str, str]:
    request_id, _, plan_hash = value.partition("|")
    return request_id, plan_hash


def approval_groups_view(
    required: Mapping[str, int], approvers: Mapping[str, Sequence[str]]
) -> list[dict[str, Any]]:
    rows = []
    for group, need in sorted(required.items()):
        given = list(approvers.get(group, ()))
        rows.append(
            {
                "name": group_label(group),
                "have": min(len(given), need),
                "need": need,
                "approvers": Trusted(", ".join(f"<@{u}>" for u in given)) if given else None,
                "missing": max(need - len(given), 0),
            }
        )
    return rows


def outputs_view(outputs: Mapping[str, Any]) -> list[tuple[str, str]]:
    return [(key, _scalar(value)) for key, value in sorted(outputs.items())]


def _scalar(value: Any) -> str:
    if isinstance(value, list | tuple):
        return ", ".join(str(v) for v in value) or "(none)"
    return str(value) if value not in (None, "") else "(none)"


def decision_reply(result: ApprovalResult | RejectionResult, recorded: str, request_id: str) -> str:
    """Why a decision was refused, or the `recorded` reply once it counts (for which group, as an
    approver in several groups, or one clicking another group's ask, cannot otherwise tell)."""
    if not result.accepted:
        return result.message
    groups = result.groups if isinstance(result, ApprovalResult) else ()
    return render_text(recorded, request_id=request_id, groups=", ".join(group_label(g) for g in groups))
