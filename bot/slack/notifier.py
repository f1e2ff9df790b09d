"""The workflow's Notifier, in Slack: one thread per request, approval asks in each group's channel
(or, for a resource's owners, in the request's thread, mentioning them).

Every method renders a template and makes one or two Web API calls. Failures are logged with the
Slack error code only (never the payload, which may carry outputs) and re-raised; the workflow
logs them and carries on, so a Slack outage never undoes a state change.

The messages a request owns (root, asks, status, progress) are kept in the store (`MessageRefs`),
not in this process: after every state change the root and the status are rendered again from the
snapshot, and a restarted bot (or another process) edits the same messages.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping, Set
from dataclasses import dataclass, field
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.config import AppConfig
from bot.slack import present
from bot.slack import request_views as views
from bot.slack.conversations import dm_channel, permalink
from bot.slack.render import Trusted, code, render_blocks, render_text
from bot.store.messages import MemoryRefs, MessageRefs
from bot.workflow import LockHolder, PlanChange, Request
from bot.workflow.ownership import OWNER_GROUP, TEAM_GROUP
from provisioners.plan import Plan, Progress
from rulebook import Decision, Verdict

log = logging.getLogger(__name__)

PROGRESS_ICONS = {"started": ":hourglass_flowing_sand:", "finished": ":white_check_mark:", "failed": ":x:"}
MAX_PROGRESS_LINES = 15


ROOT, ASK, STATUS, PROGRESS = "root", "ask", "status", "progress"
# Mentioning more owners than this in an ask would be a broadcast: the rest are counted.
MAX_MENTIONED = 10


def is_owners_group(group: str) -> bool:
    return group.startswith((TEAM_GROUP, OWNER_GROUP))


@dataclass
class _Progress:
    last_sent: float = 0.0
    lines: dict[str, str] = field(default_factory=dict)
    dirty: bool = False


class SlackNotifier:
    def __init__(
        self,
        client: WebClient,
        config: AppConfig,
        *,
        secret_client: WebClient | None = None,
        refs: MessageRefs | MemoryRefs | None = None,
        members: Callable[[str], Set[str]] | None = None,
        min_update_interval: float = 1.0,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._client = client
        # Credentials go through a client that never logs bodies (see slack.app.secret_safe_logger).
        self._secret_client = secret_client or client
        self._config = config
        self._interval = min_update_interval
        self._monotonic = monotonic
        # Only the lines of a running apply live here; every message ref is in `refs`.
        self._progress: dict[str, _Progress] = {}
        self._refs = refs if refs is not None else MemoryRefs()
        self._members = members or (lambda _group: frozenset())
        self._lock = threading.Lock()
        self._approvers: Callable[[str], Mapping[str, list[str]]] = lambda _request_id: {}

    def read_approvers_with(self, approvers: Callable[[str], Mapping[str, list[str]]]) -> None:
        """The workflow is built after the notifier; it hands in its query for who approved what."""
        self._approvers = approvers

    # Thread ------------------------------------------------------------------------------------

    def request_opened(self, request: Request) -> str | None:
        response = self._client.chat_postMessage(
            channel=request.channel, blocks=views.root_blocks(request), text=views.root_text(request)
        )
        ts = str(response["ts"])
        self._refs.save(request.number, ROOT, request.channel, ts)
        return ts

    def verdict_posted(self, request: Request, decision: Decision) -> None:
        self._reply(request, render_blocks("verdict", verdict=present.verdict_view(decision)), "Rulebook")
        if decision.verdict is Verdict.DENY:
            self._notice(request, ":no_entry:", "denied")
        self._refresh_root(request)

    def plan_ready(self, request: Request, plan: Plan, decision: Decision) -> None:
        shown = present.plan_view(plan)
        self._reply(request, render_blocks("plan", plan=shown.context), f"Plan: {plan.summary_line()}")
        if shown.attachment is not None:
            self._client.files_upload_v2(
                channel=request.channel,
                thread_ts=request.thread_ts,
                content=shown.attachment,
                filename=f"{request.id}-plan-{plan.short_hash}.diff",
                title=f"{request.id} plan {plan.short_hash}",
                snippet_type="diff",
            )
        self.verdict_posted(request, decision)

    # Approvals ---------------------------------------------------------------------------------

    def approval_requested(self, request: Request, group: str, count: int) -> None:
        owners = is_owners_group(group)
        spec = None if owners else self._config.groups.get(group)
        view = views.request_view(request, self._permalink(request))
        plan = request.plan
        blocks = render_blocks(
            "approval_request",
            request=view,
            need={
                "group": group,
                "count": count,
                "members": Trusted(self._mentions(group)) if owners else "",
            },
            plan_summary=plan.summary_line() if plan else "",
            short_hash=(request.plan_hash or "")[:12],
            expires_label=views.moment(request.approvals_expire_at),
            button_value=present.approval_button_value(request),
        )
        # A resource's owners are asked where the request is discussed: its thread.
        channel = spec.channel if spec else request.channel
        thread_ts = request.thread_ts if owners or spec is None else None
        posted = self._client.chat_postMessage(
            channel=channel, thread_ts=thread_ts, blocks=blocks, text=f"{request.id} needs approval"
        )
        self._refs.save(request.number, ASK, channel, str(posted["ts"]), key=group)
        self._approval_status(request)
        self._refresh_root(request)

    def approval_recorded(
        self, request: Request, approver: str, groups: tuple[str, ...], remaining: Mapping[str, int]
    ) -> None:
        self._approval_status(request)
        for group in groups:
            self._notice(
                request, ":ballot_box_with_check:", "approved", actor=present.mention(approver), group=group
            )
        if not any(remaining.values()):
            self._close_asks(request, "Approved.")
            self._notice(
                request,
                ":rocket:",
                "fully_approved",
                short_hash=(request.plan_hash or "")[:12],
            )
        self._refresh_root(request)

    def approvals_voided(self, request: Request, change: PlanChange) -> None:
        self._close_asks(request, "The plan changed; the new plan is asked for separately.")
        # Earlier rounds' status messages stop waiting: their approvals no longer count.
        for old in self._refs.of(request.number, STATUS):
            if old.key == str(request.approval_round):
                continue
            blocks = render_blocks(
                "approval_status",
                short_hash=(change.old_hash or "")[:12],
                groups=present.approval_groups_view(request.required_approvals, {}),
                footer="",
                outcome=f"Voided: the plan changed to {change.new_hash[:12]}; approvals are asked again.",
            )
            self._update(old.channel, old.ts, blocks, "Approvals voided")
        changes = "; ".join(change.lines()) or "the resource inputs"
        self._notice(
            request,
            ":arrows_counterclockwise:",
            "voided",
            old_hash=(change.old_hash or "")[:12],
            new_hash=change.new_hash[:12],
            changes=changes,
        )
        self._refresh_root(request)

    def approval_reminder(self, request: Request, group: str, missing: int) -> None:
        owners = is_owners_group(group)
        spec = None if owners else self._config.groups.get(group)
        needs = f"{missing} from {group}" + (f" ({self._mentions(group)})" if owners else "")
        text = render_text(
            "notices/reminder",
            request=views.request_view(request),
            needs=Trusted(needs) if owners else needs,
            expires=views.moment(request.approvals_expire_at),
        )
        self._client.chat_postMessage(
            channel=spec.channel if spec else request.channel,
            thread_ts=None if spec else request.thread_ts,
            blocks=render_blocks("notice", icon=Trusted(":bell:"), text=Trusted(text), context=None),
            text=f"{request.id} still needs approval",
        )

    def _approval_status(self, request: Request) -> None:
        """One message per approval round in the thread, updated in place as approvals arrive and
        once more when the request is decided (it never says "waiting" after that)."""
        outcome = views.ask_outcome(request) if views.is_closed(request) else ""
        blocks = render_blocks(
            "approval_status",
            short_hash=(request.plan_hash or "")[:12],
            groups=present.approval_groups_view(request.required_approvals, self._approvers(request.id)),
            footer=Trusted(
                f"Expires {views.moment(request.approvals_expire_at)}. "
                + (
                    "The owners were asked in this thread."
                    if all(is_owners_group(g) for g in request.required_approvals)
                    else "Approvers were asked in their channels."
                )
            ),
            outcome=Trusted(outcome) if outcome else "",
        )
        key = str(request.approval_round)
        ref = self._refs.get(request.number, STATUS, key)
        if ref is None:
            if outcome:
                return  # never asked this round: nothing to close
            response = self._client.chat_postMessage(
                channel=request.channel, thread_ts=request.thread_ts, blocks=blocks, text="Approvals"
            )
            self._refs.save(request.number, STATUS, request.channel, str(response["ts"]), key=key)
        else:
            self._update(ref.channel, ref.ts, blocks, "Approvals")

    # Apply -------------------------------------------------------------------------------------

    def progress(self, request: Request, progress: Any) -> None:
        if not isinstance(progress, Progress):
            return
        with self._lock:
            state = self._progress.setdefault(request.id, _Progress())
            verb = {"started": "…", "finished": "done", "failed": "failed"}[progress.status]
            state.lines[progress.urn] = f"{progress.op} {progress.type.split(':')[-1]} {progress.name} {verb}"
            state.dirty = True
            due = self._monotonic() - state.last_sent >= self._interval
        if due:
            self._flush_progress(request, ":hourglass_flowing_sand:", "Applying")

    def _flush_progress(self, request: Request, icon: str, title: str) -> None:
        with self._lock:
            state = self._progress.setdefault(request.id, _Progress())
            lines = list(state.lines.values())[-MAX_PROGRESS_LINES:]
            state.dirty = False
            state.last_sent = self._monotonic()
        blocks = render_blocks("progress", icon=Trusted(icon), title=title, lines=lines, footer=request.id)
        ref = self._refs.get(request.number, PROGRESS)
        if ref is None:
            response = self._client.chat_postMessage(
                channel=request.channel, thread_ts=request.thread_ts, blocks=blocks, text=title
            )
            self._refs.save(request.number, PROGRESS, request.channel, str(response["ts"]))
            self._refresh_root(request)  # the first progress: it is applying now
        else:
            self._client.chat_update(channel=ref.channel, ts=ref.ts, blocks=blocks, text=title)

    def _finish_progress(self, request: Request, icon: str, title: str) -> None:
        if self._refs.get(request.number, PROGRESS) is not None:
            self._flush_progress(request, icon, title)
        with self._lock:
            self._progress.pop(request.id, None)

    def succeeded(self, request: Request, outputs: Mapping[str, Any]) -> None:
        self._finish_progress(request, ":white_check_mark:", "Applied")
        lead = views.lead_time(request)
        applied = views.apply_time(request)
        blocks = render_blocks(
            "succeeded",
            request=views.request_view(request),
            duration=views.duration(lead) if lead is not None else "",
            apply_duration=views.duration(applied) if applied is not None else "",
            summary=request.plan.summary_line() if request.plan else "",
            outputs=present.outputs_view(outputs),
            secret_keys=[],
        )
        self._reply(request, blocks, f"{request.id} succeeded")
        self._refresh_root(request)

    def deliver_secrets(self, recipient: str, request: Request, secret_outputs: Mapping[str, Any]) -> None:
        if not secret_outputs:
            return
        channel = self._dm_channel(recipient)
        blocks = render_blocks(
            "secrets_dm",
            request=views.request_view(request),
            secrets=present.outputs_view(secret_outputs),
            recipient=present.mention(recipient),
        )
        self._secret_client.chat_postMessage(
            channel=channel, blocks=blocks, text=f"{request.id}: your credentials"
        )
        # Only the names go to the thread, so everyone can see where the values went.
        self._notice(
            request,
            ":lock:",
            "secrets_sent",
            keys=", ".join(sorted(secret_outputs)),
            user=present.mention(recipient),
        )

    def secrets_withheld(self, request: Request, recipient: str | None) -> None:
        ref = request.resource
        self._notice(
            request,
            ":lock:",
            "secrets_withheld",
            name=code(request.intent.name),
            owners=Trusted(views.owners_label(request)),
            team=(ref.owner_team if ref else None) or "its owners",
            recipient=present.mention(recipient) if recipient else None,
            requester=present.mention(request.requester),
        )

    def request_updated(self, request: Request) -> None:
        self._refresh_root(request)
        if self._refs.of(request.number, STATUS):
            self._approval_status(request)

    def failed(self, request: Request, message: str) -> None:
        self._finish_progress(request, ":x:", "Failed")
        self._notice(request, ":x:", "failed", error=message)
        self._decided(request)

    def rejected(self, request: Request, approver: str, reason: str) -> None:
        self._notice(
            request,
            ":no_entry_sign:",
            "rejected",
            actor=present.mention(approver),
            reason=reason,
        )
        self._decided(request)

    def expired(self, request: Request) -> None:
        ttl = views.duration(self._config.approval_ttl)
        self._notice(request, ":hourglass:", "expired", ttl=ttl)
        self._dm(request.requester, request, ":hourglass:", "expired", ttl=ttl)
        self._decided(request)

    def cancelled(self, request: Request, actor: str) -> None:
        self._notice(
            request,
            ":wastebasket:",
            "cancelled",
            actor=present.mention(actor),
        )
        self._decided(request)

    def stack_busy(self, request: Request, holder: LockHolder) -> None:
        self._notice(
            request,
            ":traffic_light:",
            "busy",
            stack=request.stack_name,
            holder=Trusted(f"{holder.request_id} (since {views.moment(holder.acquired_at)})"),
            waiting=None,
        )
        self._refresh_root(request)

    def recovered_after_crash(self, request: Request) -> None:
        self._notice(request, ":warning:", "recovered")
        self._dm(request.requester, request, ":warning:", "recovered")
        self._decided(request)

    # Helpers -----------------------------------------------------------------------------------

    def _refresh_root(self, request: Request) -> None:
        """The thread's first message shows the stored state; render it again from the snapshot."""
        ref = self._refs.get(request.number, ROOT)
        channel, ts = (ref.channel, ref.ts) if ref else (request.channel, request.thread_ts)
        if not ts:
            return
        self._update(channel, ts, views.root_blocks(request), views.root_text(request))

    def _decided(self, request: Request) -> None:
        """A request that no longer waits: asks lose their buttons, status and root say how it ended."""
        self._close_asks(request, views.ask_outcome(request) or views.STATE_LABELS[request.state])
        if self._refs.of(request.number, STATUS):
            self._approval_status(request)
        self._refresh_root(request)

    def _close_asks(self, request: Request, outcome: str) -> None:
        """Replace the buttons of this request's approval asks with how it ended."""
        asks = self._refs.of(request.number, ASK)
        if not asks:
            return
        view = views.request_view(request, self._permalink(request))
        for ask in asks:
            blocks = render_blocks("approval_closed", request=view, outcome=Trusted(outcome))
            self._update(ask.channel, ask.ts, blocks, f"{request.id}: {outcome}")

    def _mentions(self, group: str) -> str:
        """The owners an ask names: `<@U1>, <@U2>` (the first few, and how many more)."""
        members = sorted(self._members(group))
        if not members:
            return "nobody can approve: the owning team has no members"
        shown = ", ".join(f"<@{m}>" for m in members[:MAX_MENTIONED])
        more = len(members) - MAX_MENTIONED
        return shown + (f" and {more} more" if more > 0 else "")

    def _update(self, channel: str, ts: str, blocks: list[dict[str, Any]], text: str) -> None:
        # A stale message is cosmetic: never let it stop the notice that follows.
        try:
            self._client.chat_update(channel=channel, ts=ts, blocks=blocks, text=text)
        except SlackApiError as exc:
            log.warning("chat.update of %s failed: %s", ts, exc.response.get("error"))

    def _reply(self, request: Request, blocks: list[dict[str, Any]], text: str) -> None:
        self._client.chat_postMessage(
            channel=request.channel, thread_ts=request.thread_ts, blocks=blocks, text=text
        )

    def _notice(self, target: Request, icon: str, kind: str, /, **context: Any) -> None:
        """A notice in the request's thread; templates see the request as `request`."""
        text = render_text(f"notices/{kind}", request=views.request_view(target), **context)
        blocks = render_blocks("notice", icon=Trusted(icon), text=Trusted(text), context=None)
        self._reply(target, blocks, text)

    def _dm(self, user: str, target: Request, icon: str, kind: str, /, **context: Any) -> None:
        text = render_text(f"notices/{kind}", request=views.request_view(target), **context)
        blocks = render_blocks("notice", icon=Trusted(icon), text=Trusted(text), context=None)
        self._client.chat_postMessage(channel=self._dm_channel(user), blocks=blocks, text=text)

    def _dm_channel(self, user: str) -> str:
        return dm_channel(self._client, user)

    def _permalink(self, request: Request) -> str | None:
        return permalink(self._client, request.channel, request.thread_ts) if request.thread_ts else None
