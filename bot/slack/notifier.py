"""The workflow's Notifier, in Slack: one thread per request, approval asks in each group's channel.

Every method renders a template and makes one or two Web API calls. Failures are logged with the
Slack error code only (never the payload, which may carry outputs) and re-raised; the workflow
logs them and carries on, so a Slack outage never undoes a state change.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.config import AppConfig
from bot.slack import present
from bot.slack.conversations import dm_channel, permalink
from bot.slack.render import Trusted, render_blocks, render_text
from bot.workflow import LockHolder, PlanChange, Request
from provisioners.plan import Plan, Progress
from rulebook import Decision, Verdict

log = logging.getLogger(__name__)

PROGRESS_ICONS = {"started": ":hourglass_flowing_sand:", "finished": ":white_check_mark:", "failed": ":x:"}
MAX_PROGRESS_LINES = 15


@dataclass
class _Progress:
    ts: str | None = None
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
        min_update_interval: float = 1.0,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._client = client
        # Credentials go through a client that never logs bodies (see slack.app.secret_safe_logger).
        self._secret_client = secret_client or client
        self._config = config
        self._interval = min_update_interval
        self._monotonic = monotonic
        self._progress: dict[str, _Progress] = {}
        # (request id, approval round) -> ts of the thread message that shows who approved.
        self._status_ts: dict[tuple[str, int], str] = {}
        # request id -> (channel, ts) of the approval asks, so their buttons go once it is decided.
        self._asks: dict[str, list[tuple[str, str]]] = {}
        self._lock = threading.Lock()
        self._approvers: Callable[[str], Mapping[str, list[str]]] = lambda _request_id: {}

    def read_approvers_with(self, approvers: Callable[[str], Mapping[str, list[str]]]) -> None:
        """The workflow is built after the notifier; it hands in its query for who approved what."""
        self._approvers = approvers

    # Thread ------------------------------------------------------------------------------------

    def request_opened(self, request: Request) -> str | None:
        blocks = render_blocks("request_root", request=present.request_view(request))
        response = self._client.chat_postMessage(
            channel=request.channel, blocks=blocks, text=f"{request.id}: {request.intent_text}"
        )
        return str(response["ts"])

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
        spec = self._config.groups.get(group)
        permalink = self._permalink(request)
        view = present.request_view(request, permalink)
        plan = request.plan
        blocks = render_blocks(
            "approval_request",
            request=view,
            need={"group": group, "count": count},
            plan_summary=plan.summary_line() if plan else "",
            short_hash=(request.plan_hash or "")[:12],
            expires_label=present.when(request.approvals_expire_at),
            button_value=present.approval_button_value(request),
        )
        channel = spec.channel if spec else request.channel
        posted = self._client.chat_postMessage(
            channel=channel, blocks=blocks, text=f"{request.id} needs approval"
        )
        with self._lock:
            self._asks.setdefault(request.id, []).append((channel, str(posted["ts"])))
        self._approval_status(request)

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

    def approvals_voided(self, request: Request, change: PlanChange) -> None:
        self._close_asks(request, "The plan changed; the new plan is asked for separately.")
        changes = "; ".join(change.lines()) or "the resource inputs"
        self._notice(
            request,
            ":arrows_counterclockwise:",
            "voided",
            old_hash=(change.old_hash or "")[:12],
            new_hash=change.new_hash[:12],
            changes=changes,
        )

    def approval_reminder(self, request: Request, group: str, missing: int) -> None:
        spec = self._config.groups.get(group)
        text = render_text(
            "notices/reminder",
            request=present.request_view(request),
            needs=f"{missing} from {group}",
            expires=present.when(request.approvals_expire_at),
        )
        self._client.chat_postMessage(
            channel=spec.channel if spec else request.channel,
            blocks=render_blocks("notice", icon=Trusted(":bell:"), text=Trusted(text), context=None),
            text=f"{request.id} still needs approval",
        )

    def _approval_status(self, request: Request) -> None:
        """One message per approval round in the thread, updated in place as approvals arrive."""
        blocks = render_blocks(
            "approval_status",
            short_hash=(request.plan_hash or "")[:12],
            groups=present.approval_groups_view(request.required_approvals, self._approvers(request.id)),
            footer=f"Expires {present.when(request.approvals_expire_at)}. "
            "Approvers were asked in their channels.",
        )
        key = (request.id, request.approval_round)
        with self._lock:
            ts = self._status_ts.get(key)
        if ts is None:
            response = self._client.chat_postMessage(
                channel=request.channel, thread_ts=request.thread_ts, blocks=blocks, text="Approvals"
            )
            with self._lock:
                self._status_ts[key] = str(response["ts"])
        else:
            self._client.chat_update(channel=request.channel, ts=ts, blocks=blocks, text="Approvals")

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
            ts = state.ts
        blocks = render_blocks("progress", icon=Trusted(icon), title=title, lines=lines, footer=request.id)
        if ts is None:
            response = self._client.chat_postMessage(
                channel=request.channel, thread_ts=request.thread_ts, blocks=blocks, text=title
            )
            with self._lock:
                state.ts = str(response["ts"])
        else:
            self._client.chat_update(channel=request.channel, ts=ts, blocks=blocks, text=title)

    def _finish_progress(self, request: Request, icon: str, title: str) -> None:
        with self._lock:
            state = self._progress.get(request.id)
        if state is not None and state.ts is not None:
            self._flush_progress(request, icon, title)
        with self._lock:
            self._progress.pop(request.id, None)

    def succeeded(self, request: Request, outputs: Mapping[str, Any]) -> None:
        self._finish_progress(request, ":white_check_mark:", "Applied")
        started = request.apply_started_at or request.created_at
        finished = request.finished_at or request.updated_at
        blocks = render_blocks(
            "succeeded",
            request=present.request_view(request),
            duration=present.duration(finished - started),
            summary=request.plan.summary_line() if request.plan else "",
            outputs=present.outputs_view(outputs),
            secret_keys=[],
        )
        self._reply(request, blocks, f"{request.id} succeeded")
        self._refresh_root(request)

    def deliver_secrets(self, requester: str, request: Request, secret_outputs: Mapping[str, Any]) -> None:
        if not secret_outputs:
            return
        channel = self._dm_channel(requester)
        blocks = render_blocks(
            "secrets_dm", request=present.request_view(request), secrets=present.outputs_view(secret_outputs)
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
            user=present.mention(requester),
        )

    def failed(self, request: Request, message: str) -> None:
        self._finish_progress(request, ":x:", "Failed")
        self._notice(request, ":x:", "failed", error=message)
        self._refresh_root(request)

    def rejected(self, request: Request, approver: str, reason: str) -> None:
        self._notice(
            request,
            ":no_entry_sign:",
            "rejected",
            actor=present.mention(approver),
            reason=reason,
        )
        self._close_asks(request, f"Rejected by <@{approver}>.")
        self._refresh_root(request)

    def expired(self, request: Request) -> None:
        ttl = present.duration(self._config.approval_ttl)
        self._notice(request, ":hourglass:", "expired", ttl=ttl)
        self._dm(request.requester, request, ":hourglass:", "expired", ttl=ttl)
        self._close_asks(request, "Expired without the approvals it needed.")
        self._refresh_root(request)

    def cancelled(self, request: Request, actor: str) -> None:
        self._notice(
            request,
            ":wastebasket:",
            "cancelled",
            actor=present.mention(actor),
        )
        self._close_asks(request, f"Cancelled by <@{actor}>.")
        self._refresh_root(request)

    def stack_busy(self, request: Request, holder: LockHolder) -> None:
        self._notice(
            request,
            ":traffic_light:",
            "busy",
            stack=request.stack_name,
            holder=f"{holder.request_id} (since {present.when(holder.acquired_at)})",
            waiting=None,
        )

    def recovered_after_crash(self, request: Request) -> None:
        self._notice(request, ":warning:", "recovered")
        self._dm(request.requester, request, ":warning:", "recovered")
        self._refresh_root(request)

    # Helpers -----------------------------------------------------------------------------------

    def _refresh_root(self, request: Request) -> None:
        """The thread's first message shows the request's state; bring it up to date."""
        if not request.thread_ts:
            return
        blocks = render_blocks("request_root", request=present.request_view(request))
        self._update(request.channel, request.thread_ts, blocks, f"{request.id}: {request.intent_text}")

    def _close_asks(self, request: Request, outcome: str) -> None:
        """Replace the buttons of this request's approval asks with how it ended."""
        with self._lock:
            asks = self._asks.pop(request.id, [])
        view = present.request_view(request, self._permalink(request) if asks else None)
        for channel, ts in asks:
            blocks = render_blocks("approval_closed", request=view, outcome=Trusted(outcome))
            self._update(channel, ts, blocks, f"{request.id}: {outcome}")

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
        text = render_text(f"notices/{kind}", request=present.request_view(target), **context)
        blocks = render_blocks("notice", icon=Trusted(icon), text=Trusted(text), context=None)
        self._reply(target, blocks, text)

    def _dm(self, user: str, target: Request, icon: str, kind: str, /, **context: Any) -> None:
        text = render_text(f"notices/{kind}", request=present.request_view(target), **context)
        blocks = render_blocks("notice", icon=Trusted(icon), text=Trusted(text), context=None)
        self._client.chat_postMessage(channel=self._dm_channel(user), blocks=blocks, text=text)

    def _dm_channel(self, user: str) -> str:
        return dm_channel(self._client, user)

    def _permalink(self, request: Request) -> str | None:
        return permalink(self._client, request.channel, request.thread_ts) if request.thread_ts else None
