"""The workflow's Notifier, in Slack: one thread per request, approval asks in each group's channel
(or, for a resource's owners, in the request's thread, mentioning them).

Every method renders a template and makes one or two Web API calls. Failures are logged with the
Slack error code only (never the payload, which may carry outputs) and re-raised; the workflow
logs them and carries on, so a Slack outage never undoes a state change.

`SlackNotifier` is the one implementation of the workflow's Notifier protocol; it says what is
told when, and the parts say how: `thread_posts` (the thread and direct messages),
`approval_posts` (asks, each round's status box, reminders), `progress_posts` (a running apply).
After every state change the root and the status are rendered again from the snapshot.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence, Set
from typing import Any

from slack_sdk import WebClient

from bot.config import AppConfig
from bot.slack import present
from bot.slack import request_views as views
from bot.slack.approval_posts import ApprovalPosts, is_owners_group, mention_list
from bot.slack.progress_posts import ProgressPosts
from bot.slack.render import Trusted, code, escape_mrkdwn, render_blocks
from bot.slack.thread_posts import ThreadPosts
from bot.store.messages import MemoryRefs, MessageRefs
from bot.workflow import LockHolder, PlanChange, Request
from bot.workflow.model import Transfer
from bot.workflow.ownership import declared_team
from provisioners.plan import Plan
from provisioners.render import readable_address
from rulebook import Decision, Verdict

__all__ = ["SlackNotifier", "is_owners_group"]


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
        self._config = config
        self._posts = ThreadPosts(client, refs if refs is not None else MemoryRefs(), secret_client)
        self._approvals = ApprovalPosts(
            self._posts, config, members or (lambda _group: frozenset()), lambda _request_id: {}
        )
        self._progress = ProgressPosts(
            self._posts,
            min_update_interval=min_update_interval,
            monotonic=monotonic,
            on_first=self._posts.refresh_root,  # the first progress: it is applying now
        )

    def read_approvers_with(self, approvers: Callable[[str], Mapping[str, list[str]]]) -> None:
        """The workflow is built after the notifier; it hands in its query for who approved what."""
        self._approvals.approvers = approvers

    # Thread ------------------------------------------------------------------------------------

    def request_opened(self, request: Request) -> str | None:
        return self._posts.open_thread(request)

    def verdict_posted(self, request: Request, decision: Decision) -> None:
        self._posts.reply(
            request, render_blocks("verdict", verdict=present.verdict_view(decision)), "Rulebook"
        )
        if decision.verdict is Verdict.DENY:
            self._posts.notice(request, ":no_entry:", "denied")
        self._posts.refresh_root(request)

    def plan_ready(self, request: Request, plan: Plan, decision: Decision) -> None:
        shown = present.plan_view(plan)
        blocks = render_blocks("plan", plan=shown.context, cost=views.cost_text(request))
        self._posts.reply(request, blocks, f"Plan: {plan.summary_line()}")
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
        self._approvals.ask(request, group, count)
        self._approvals.status(request)
        self._posts.refresh_root(request)

    def approval_recorded(
        self, request: Request, approver: str, groups: tuple[str, ...], remaining: Mapping[str, int]
    ) -> None:
        self._approvals.status(request)
        for group in groups:
            self._posts.notice(
                request,
                ":ballot_box_with_check:",
                "approved",
                actor=present.mention(approver),
                group=views.group_label(group),
            )
        if not any(remaining.values()):
            self._approvals.close_asks(request, "Approved.")
            self._posts.notice(
                request, ":rocket:", "fully_approved", short_hash=(request.plan_hash or "")[:12]
            )
        self._posts.refresh_root(request)

    def approvals_voided(self, request: Request, change: PlanChange) -> None:
        same_plan = change.old_hash == change.new_hash
        self._approvals.close_asks(
            request,
            "The resource changed; the plan is asked for again separately."
            if same_plan
            else "The plan changed; the new plan is asked for separately.",
        )
        # Earlier rounds' status messages stop waiting: their approvals no longer count.
        self._approvals.void_earlier_rounds(request, change)
        changes = "; ".join(change.lines(readable_address)) or "the resource inputs"
        self._posts.notice(
            request,
            ":arrows_counterclockwise:",
            "voided",
            old_hash=(change.old_hash or "")[:12],
            new_hash=change.new_hash[:12],
            changes=changes,
        )
        self._posts.refresh_root(request)

    def approval_reminder(self, request: Request, group: str, missing: int) -> None:
        self._approvals.remind(request, group, missing)

    # Apply -------------------------------------------------------------------------------------

    def progress(self, request: Request, progress: Any) -> None:
        self._progress.report(request, progress)

    def succeeded(self, request: Request, outputs: Mapping[str, Any]) -> None:
        self._progress.finish(request, ":white_check_mark:", "Applied")
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
        self._posts.reply(request, blocks, f"{request.id} succeeded")
        self._posts.refresh_root(request)

    def failed(self, request: Request, message: str) -> None:
        self._progress.finish(request, ":x:", "Failed")
        self._posts.notice(request, ":x:", "failed", error=message)
        self._decided(request)

    # Secrets and ownership ---------------------------------------------------------------------

    def deliver_secrets(self, recipient: str, request: Request, secret_outputs: Mapping[str, Any]) -> None:
        if not secret_outputs:
            return
        blocks = render_blocks(
            "secrets_dm",
            request=views.request_view(request),
            secrets=present.outputs_view(secret_outputs),
            recipient=present.mention(recipient),
        )
        self._posts.secret_dm(recipient, blocks, f"{request.id}: your credentials")
        # Only the names go to the thread, so everyone can see where the values went.
        self._posts.notice(
            request,
            ":lock:",
            "secrets_sent",
            keys=", ".join(sorted(secret_outputs)),
            user=present.mention(recipient),
        )

    def secrets_withheld(self, request: Request, recipient: str | None) -> None:
        ref = request.resource
        self._posts.notice(
            request,
            ":lock:",
            "secrets_withheld",
            name=code(request.intent.name),
            owners=Trusted(views.owners_label(request)),
            team=(ref.owner_team if ref else None) or "its owners",
            recipient=present.mention(recipient) if recipient else None,
            requester=present.mention(request.requester),
        )

    def inherited_secrets(
        self, request: Request, recipient: str, keys: tuple[str, ...], from_team: str | None
    ) -> None:
        context = {
            "name": code(request.intent.name),
            "keys": ", ".join(keys),
            "recipient": present.mention(recipient),
            "owners": from_team or "its previous owners",
            "team": (request.resource.owner_team if request.resource else None) or "its new team",
        }
        self._posts.notice(request, ":warning:", "inherited_secrets", **context)
        self._posts.dm(recipient, request, ":warning:", "inherited_secrets", **context)

    def resource_transferred(self, request: Request, transfer: Transfer) -> None:
        previous = set(transfer.previous_owners)
        context = {
            "actor": present.mention(transfer.actor),
            "name": code(request.intent.name),
            "team": transfer.to_team,
            "owners": Trusted(_owners(transfer)),
            "recipient": Trusted(mention_list(previous, empty="")) if previous else None,
            "declared_team": declared_team(request.intent),
        }
        self._posts.notice(request, ":handshake:", "transferred", **context)
        if transfer.from_owner and transfer.from_owner in previous:
            self._posts.dm(transfer.from_owner, request, ":handshake:", "transferred", **context)

    # Endings -----------------------------------------------------------------------------------

    def request_updated(self, request: Request) -> None:
        self._posts.refresh_root(request)
        if self._approvals.has_status(request):
            self._approvals.status(request)

    def rejected(self, request: Request, approver: str, reason: str) -> None:
        self._posts.notice(
            request, ":no_entry_sign:", "rejected", actor=present.mention(approver), reason=reason
        )
        self._decided(request)

    def expired(self, request: Request) -> None:
        ttl = views.duration(self._config.approval_ttl)
        self._posts.notice(request, ":hourglass:", "expired", ttl=ttl)
        self._posts.dm(request.requester, request, ":hourglass:", "expired", ttl=ttl)
        self._decided(request)

    def cancelled(self, request: Request, actor: str) -> None:
        if request.superseded_by:
            by = Trusted(f"{request.superseded_by} by {present.mention(actor)}")
            self._posts.notice(request, ":leftwards_arrow_with_hook:", "superseded", by=by)
        else:
            self._posts.notice(request, ":wastebasket:", "cancelled", actor=present.mention(actor))
        self._decided(request)

    def also_open(self, request: Request, others: Sequence[str]) -> None:
        self._posts.notice(request, ":eyes:", "also_open", stack=request.stack_name, others=", ".join(others))

    def stack_busy(self, request: Request, holder: LockHolder) -> None:
        self._posts.notice(
            request,
            ":traffic_light:",
            "busy",
            stack=request.stack_name,
            holder=Trusted(f"{holder.request_id} (since {views.moment(holder.acquired_at)})"),
            waiting=None,
        )
        self._posts.refresh_root(request)

    def recovered_after_crash(self, request: Request) -> None:
        # The apply resumed (it is still running): the thread says so; the outcome follows as usual.
        self._posts.notice(request, ":arrows_counterclockwise:", "resumed")

    def _decided(self, request: Request) -> None:
        """A request that no longer waits: asks lose their buttons, status and root say how it ended."""
        self._approvals.close_asks(request, views.ask_outcome(request) or views.STATE_LABELS[request.state])
        if self._approvals.has_status(request):
            self._approvals.status(request)
        self._posts.refresh_root(request)


def _owners(transfer: Transfer) -> str:
    owner = f"<@{transfer.from_owner}>" if transfer.from_owner else ""
    if transfer.from_team and owner:
        return f"{escape_mrkdwn(transfer.from_team)} ({owner})"
    return escape_mrkdwn(transfer.from_team or "") or owner or "nobody"
